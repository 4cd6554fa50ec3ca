// HTTPS against the fixture's TLS listeners: a valid chain by name, IPv4 and IPv6 literal; wrong host, untrusted CA
// and expired certificates fail with OpenSSL's reason; a server that never answers the handshake times out.
import Foundation
import Testing
@testable import HTTPClient

@Suite struct TLSTests {
    let fixture: Fixture
    let client: HTTPClient

    init() throws {
        fixture = try Fixture.get()
        client = try Fixture.sharedClient.get()
    }

    func send(_ url: String, timeoutMs: Int = 5000) throws(ClientError) -> ClientResponse {
        try client.send(ClientRequest(url: url, timeoutMs: timeoutMs))
    }

    @Test(arguments: ["localhost", "127.0.0.1"])
    func validCertificateWorks(_ host: String) throws {
        let response = try send(fixture.url("https", "/json", host: host))
        #expect(response.status == 200)
        #expect(jsonObject(response)["ok"] as? Bool == true)
        #expect(try send(fixture.url("https", "/gzip", host: host)).body.count == 34000)
    }

    @Test(.enabled(if: Fixture.hasIPv6Loopback, "the fixture has no IPv6 loopback listeners here"))
    func ipv6LiteralWorksOverHTTPAndHTTPS() throws {
        #expect(try send(fixture.url("http6", "/json")).status == 200)
        let response = try send(fixture.url("https6", "/echo"))
        #expect((jsonObject(response)["headers"] as? [String: String])?["host"] == "[::1]:\(fixture.ports["https6"]!)")
    }

    func expectTLSError(_ url: String, containing reason: String) {
        #expect {
            try send(url)
        } throws: { error in
            guard case .tls(let detail) = error as? ClientError else { return false }
            return detail.contains(reason)
        }
    }

    @Test func wrongHostnameIsRejected() {
        expectTLSError(fixture.url("https_wrong_host", "/json", host: "localhost"), containing: "hostname mismatch")
        expectTLSError(fixture.url("https_wrong_host", "/json"), containing: "IP address mismatch")
    }

    @Test func untrustedCAIsRejected() {
        expectTLSError(fixture.url("https_untrusted", "/json", host: "localhost"), containing: "unable to get local issuer certificate")
        // Without the extra CA file the fixture's own CA is not trusted either.
        #expect {
            try HTTPClient(userAgent: "t").send(ClientRequest(url: fixture.url("https", "/json", host: "localhost"), timeoutMs: 5000))
        } throws: { error in
            guard case .tls(let detail) = error as? ClientError else { return false }
            return detail.hasPrefix("certificate verify failed")
        }
    }

    @Test func expiredCertificateIsRejected() {
        expectTLSError(fixture.url("https_expired", "/json", host: "localhost"), containing: "certificate has expired")
    }

    @Test func missingCAFileFailsHTTPSClearly() {
        let broken = HTTPClient(caFile: "/nonexistent/ca.pem", userAgent: "t")
        #expect {
            try broken.send(ClientRequest(url: fixture.url("https", "/json"), timeoutMs: 2000))
        } throws: { error in
            guard case .tls(let detail) = error as? ClientError else { return false }
            return detail.contains("cannot load CA file /nonexistent/ca.pem")
        }
    }

    @Test func plainHTTPToTLSPortIsAProtocolError() {
        let url = fixture.url("https", "/json").replacingOccurrences(of: "https:", with: "http:")
        #expect(throws: ClientError.self) { try send(url, timeoutMs: 2000) }
    }

    @Test func handshakeStallTimesOutWithinTheDeadline() throws {
        let start = monotonicSeconds()
        #expect(throws: ClientError.timeout(300)) {
            try send(fixture.url("stall", "/json").replacingOccurrences(of: "http:", with: "https:"), timeoutMs: 300)
        }
        let elapsed = monotonicSeconds() - start
        #expect(elapsed >= 0.29 && elapsed < 0.6, "took \(elapsed) s")
    }
}
