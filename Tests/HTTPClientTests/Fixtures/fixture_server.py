#!/usr/bin/env python3
"""Fake HTTP/HTTPS servers for HTTPClientTests.

Usage: fixture_server.py <temp dir>. Makes a CA and leaf certificates in <temp dir>, starts the listeners below on
ephemeral ports, prints one JSON line {"ca": path, "<listener>": port, ...} and serves until stdin closes (the test
process exited). One thread per connection; behaviour is chosen by the request path.

Listeners: http, http2 (a second origin), https (valid for localhost, 127.0.0.1 and ::1), https_wrong_host,
https_untrusted (signed by a CA the client does not trust), https_expired, stall (accepts TCP, never answers),
http6 and https6 on [::1] (null when IPv6 loopback is unavailable).

Requests carrying ?k=<key> are recorded per key: /stats?k= reports how many distinct connections served them, and
/hang?k= records when the client disconnected (time.monotonic(), the same CLOCK_MONOTONIC the tests read).
"""
import datetime
import gzip
import ipaddress
import json
import os
import socket
import ssl
import sys
import threading
import time
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

lock = threading.Lock()
connections_by_key = {}   # key -> set of connection ids
disconnects = {}          # key -> monotonic seconds
disconnect_cond = threading.Condition(lock)
next_conn_id = [0]


# ---------------------------------------------------------------------------------------------------------------- certs

def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_ca(cn):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(_name(cn)).issuer_name(_name(cn))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


def make_leaf(ca_key, ca_cert, names, ips, expired=False):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    if expired:
        start, end = now - datetime.timedelta(days=30), now - datetime.timedelta(days=1)
    else:
        start, end = now - datetime.timedelta(days=1), now + datetime.timedelta(days=30)
    sans = [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    cert = (x509.CertificateBuilder()
            .subject_name(_name(names[0] if names else ips[0])).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return key, cert


def write_pair(directory, stem, key, cert):
    cert_path = os.path.join(directory, stem + ".pem")
    key_path = os.path.join(directory, stem + ".key")
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return cert_path, key_path


def server_context(cert_path, key_path):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_path, key_path)
    return ctx


# ------------------------------------------------------------------------------------------------------------- requests

class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.drop_next = False   # set by /arm-drop: the next request on this connection gets no answer
        with lock:
            next_conn_id[0] += 1
            self.id = next_conn_id[0]

    def read_request(self):
        while b"\r\n\r\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                return None
            self.buf += data
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = []
        for line in lines[1:]:
            name, value = line.split(":", 1)
            headers.append((name.strip(), value.strip()))
        length = int(dict((n.lower(), v) for n, v in headers).get("content-length", "0"))
        while len(self.buf) < length:
            data = self.sock.recv(65536)
            if not data:
                return None
            self.buf += data
        body, self.buf = self.buf[:length], self.buf[length:]
        return method, target, headers, body

    def send(self, data):
        self.sock.sendall(data)

    def respond(self, status, body=b"", headers=(), reason="X"):
        head = "HTTP/1.1 %d %s\r\n" % (status, reason)
        names = [h[0].lower() for h in headers]
        for n, v in headers:
            head += "%s: %s\r\n" % (n, v)
        if "content-length" not in names and "transfer-encoding" not in names and status not in (204, 304):
            head += "Content-Length: %d\r\n" % len(body)
        self.send(head.encode("latin-1") + b"\r\n" + body)

    def chunk(self, data):
        self.send(b"%x\r\n" % len(data) + data + b"\r\n")

    def wait_for_close(self):
        """Blocks until the client closes (or resets) the connection."""
        try:
            while self.sock.recv(65536):
                pass
        except OSError:
            pass


def handle(conn, method, target, headers, body):
    url = urllib.parse.urlsplit(target)
    path = url.path
    q = dict(urllib.parse.parse_qsl(url.query))
    hdrs = {n.lower(): v for n, v in headers}
    key = q.get("k")
    if key and path not in ("/stats", "/disconnected"):
        with lock:
            connections_by_key.setdefault(key, set()).add(conn.id)
    json_type = [("Content-Type", "application/json")]

    if path == "/json":
        payload = json.dumps({"ok": True, "method": method}).encode()
        if method == "HEAD":
            conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(payload))
        else:
            conn.respond(200, payload, json_type)
    elif path == "/echo":
        payload = {"method": method, "target": target, "headers": hdrs, "body": body.decode("latin-1")}
        conn.respond(200, json.dumps(payload).encode(), json_type)
    elif path == "/chunked":
        conn.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        for piece in (b"hello ", b"chunked ", b"world"):
            conn.chunk(piece)
        conn.send(b"0\r\nX-Trailer: yes\r\n\r\n")
    elif path == "/te-and-cl":
        # Both framings: the body is chunked; the Content-Length is a lie a smuggler would use.
        conn.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n")
        conn.chunk(b"chunked wins")
        conn.send(b"0\r\n\r\n")
    elif path == "/gzip":
        text = ("gzip body line %d\n" % 0).encode() * 2000
        packed = gzip.compress(text)
        if q.get("mode") == "chunked":
            conn.send(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n")
            for i in range(0, len(packed), 100):
                conn.chunk(packed[i:i + 100])
            conn.send(b"0\r\n\r\n")
        else:
            conn.respond(200, packed, [("Content-Encoding", "gzip"), ("X-Plain-Length", str(len(text)))])
    elif path == "/big":
        n = int(q.get("n", "1000"))
        mode = q.get("mode", "length")
        if mode == "length":
            conn.respond(200, b"x" * n)
        elif mode == "chunked":
            conn.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            left = n
            while left > 0:
                take = min(left, 65536)
                conn.chunk(b"x" * take)
                left -= take
            conn.send(b"0\r\n\r\n")
        elif mode == "gzip":
            conn.respond(200, gzip.compress(b"\0" * n), [("Content-Encoding", "gzip")])
    elif path == "/redirect":
        n = int(q.get("n", "0"))
        if n > 0:
            conn.respond(302, b"moved", [("Location", "/redirect?n=%d" % (n - 1))])
        else:
            conn.respond(200, b"done after redirects")
    elif path == "/loop":
        conn.respond(302, b"", [("Location", "/loop")])
    elif path == "/status":
        code = int(q.get("code", "200"))
        extra = [("Location", q["location"])] if "location" in q else []
        conn.respond(code, b"redirect body", extra)
    elif path == "/stall-body":
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"y" * 10)
        conn.wait_for_close()
        return False
    elif path == "/close-delimited":
        conn.send(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbody until close")
        return False
    elif path == "/close-after":
        conn.respond(200, b"ok")
        return False   # closes without announcing it: the pooled connection goes stale
    elif path == "/arm-drop":
        conn.drop_next = True
        conn.respond(200, b"armed")
    elif path == "/nocontent":
        conn.respond(204)
    elif path == "/interim":
        conn.send(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n")
        conn.respond(200, b"final")
    elif path == "/stats":
        with lock:
            count = len(connections_by_key.get(key, ()))
        conn.respond(200, json.dumps({"connections": count}).encode(), json_type)
    elif path == "/sse":
        delay = int(q.get("delay", "1000")) / 1000.0
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
        conn.chunk(b"data: first\n\n")
        time.sleep(delay)
        conn.chunk(b"data: second\n\n")
        conn.chunk(b"data: [DONE]\n\n")
        conn.send(b"0\r\n\r\n")
    elif path == "/hang":
        conn.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        conn.chunk(b"started")
        conn.wait_for_close()
        with lock:
            disconnects[key] = time.monotonic()
            disconnect_cond.notify_all()
        return False
    elif path == "/disconnected":
        end = time.monotonic() + int(q.get("wait", "2000")) / 1000.0
        with lock:
            while key not in disconnects and time.monotonic() < end:
                disconnect_cond.wait(max(0.0, end - time.monotonic()))
            at = disconnects.get(key)
        conn.respond(200, json.dumps({"at": at}).encode(), json_type)
    else:
        conn.respond(404, b"not found")
    return "close" not in hdrs.get("connection", "").lower()


def serve_connection(sock, tls_ctx):
    try:
        if tls_ctx is not None:
            sock.settimeout(10)
            sock = tls_ctx.wrap_socket(sock, server_side=True)
            sock.settimeout(None)
        conn = Conn(sock)
        while True:
            request = conn.read_request()
            if request is None or conn.drop_next or not handle(conn, *request):
                break
    except (OSError, ssl.SSLError, ValueError):
        pass
    finally:
        try:
            sock.close()
        except OSError:
            pass


def listen(family, host, tls_ctx=None, stall=False):
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(128)
    held = []

    def loop():
        while True:
            client, _ = sock.accept()
            if stall:
                held.append(client)   # never read, never answered, never closed
                continue
            threading.Thread(target=serve_connection, args=(client, tls_ctx), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()
    return sock.getsockname()[1]


def main():
    directory = sys.argv[1]
    ca_key, ca_cert = make_ca("Orchestrator Test CA")
    other_key, other_cert = make_ca("Untrusted Test CA")
    with open(os.path.join(directory, "ca.pem"), "wb") as f:
        f.write(ca_cert.public_bytes(serialization.Encoding.PEM))
    everywhere = (["localhost"], ["127.0.0.1", "::1"])
    valid = write_pair(directory, "valid", *make_leaf(ca_key, ca_cert, *everywhere))
    wrong = write_pair(directory, "wrong", *make_leaf(ca_key, ca_cert, ["wrong.example"], []))
    untrusted = write_pair(directory, "untrusted", *make_leaf(other_key, other_cert, *everywhere))
    expired = write_pair(directory, "expired", *make_leaf(ca_key, ca_cert, *everywhere, expired=True))

    v4 = socket.AF_INET
    ports = {
        "ca": os.path.join(directory, "ca.pem"),
        "http": listen(v4, "127.0.0.1"),
        "http2": listen(v4, "127.0.0.1"),
        "https": listen(v4, "127.0.0.1", server_context(*valid)),
        "https_wrong_host": listen(v4, "127.0.0.1", server_context(*wrong)),
        "https_untrusted": listen(v4, "127.0.0.1", server_context(*untrusted)),
        "https_expired": listen(v4, "127.0.0.1", server_context(*expired)),
        "stall": listen(v4, "127.0.0.1", stall=True),
    }
    try:
        ports["http6"] = listen(socket.AF_INET6, "::1")
        ports["https6"] = listen(socket.AF_INET6, "::1", server_context(*valid))
    except OSError:
        ports["http6"] = None
        ports["https6"] = None
    print(json.dumps(ports), flush=True)
    # Exit when the test process goes away (its end of our stdin closes).
    while sys.stdin.buffer.read(1):
        pass
    os._exit(0)


if __name__ == "__main__":
    main()
