#!/bin/sh
# `make fuzz`: libFuzzer + AddressSanitizer for FUZZ_SECONDS each (default 60) on
#   - the HTTP request parser (Fuzz/ParserFuzz/main.swift), compiled into the HTTP module itself (`-module-name HTTP`,
#     so it sees internals), with JSON, System, HTTPCore and Log built first as their own modules and CLinux found
#     through its module map;
#   - the Condition language, templates and redaction (Fuzz/ExpressionFuzz/main.swift), compiled into the Expressions
#     module the same way, over JSON.
# Corpora and crash artifacts live under FUZZ_DIR (default /tmp/orchestrator-fuzz); a crash in either exits non-zero.
set -eu
cd "$(dirname "$0")/.."
SECS=${FUZZ_SECONDS:-60}
DIR=${FUZZ_DIR:-/tmp/orchestrator-fuzz}
SWIFTC=${SWIFTC:-swiftc}
mkdir -p "$DIR/corpus" "$DIR/expr-corpus" "$DIR/artifacts"
# Build from a snapshot of the sources, so edits made meanwhile in the tree do not break the build.
rm -rf "$DIR/build" && mkdir -p "$DIR/build/src"
for m in JSON System HTTPCore Log; do mkdir -p "$DIR/build/src/$m" && cp Sources/$m/*.swift "$DIR/build/src/$m/"; done
mkdir -p "$DIR/build/src/HTTP" "$DIR/build/src/Expressions"
cp Sources/HTTP/*.swift Fuzz/ParserFuzz/main.swift "$DIR/build/src/HTTP/"
cp Sources/Expressions/*.swift Fuzz/ExpressionFuzz/main.swift "$DIR/build/src/Expressions/"
# lld from the toolchain when present (gold warns about every ASan helper symbol).
LD=""
command -v ld.lld >/dev/null 2>&1 && LD="-use-ld=lld"

echo "fuzz: building (JSON, System, HTTPCore, Log, then HTTP + Fuzz/ParserFuzz/main.swift with -sanitize=fuzzer,address)"
for m in JSON System HTTPCore Log; do
    "$SWIFTC" -swift-version 6 -O -g -parse-as-library -sanitize=address -wmo -module-name $m -I "$DIR/build" -I Sources/CLinux \
        -emit-module -emit-module-path "$DIR/build/$m.swiftmodule" -c "$DIR"/build/src/$m/*.swift -o "$DIR/build/$m.o"
done
"$SWIFTC" -swift-version 6 -O -g -parse-as-library -sanitize=fuzzer,address -module-name HTTP $LD \
    -I "$DIR/build" -I Sources/CLinux \
    "$DIR"/build/src/HTTP/*.swift "$DIR"/build/JSON.o "$DIR"/build/System.o "$DIR"/build/HTTPCore.o "$DIR"/build/Log.o \
    -o "$DIR/parser-fuzz"
echo "fuzz: building Expressions + Fuzz/ExpressionFuzz/main.swift with -sanitize=fuzzer,address"
"$SWIFTC" -swift-version 6 -O -g -parse-as-library -sanitize=fuzzer,address -module-name Expressions $LD \
    -I "$DIR/build" "$DIR"/build/src/Expressions/*.swift "$DIR"/build/JSON.o -o "$DIR/expression-fuzz"

# Seeds: a few well-formed requests, so the fuzzer starts past the request line.
seed() { printf "$2" > "$DIR/corpus/seed-$1"; }
seed get 'GET /api/workflows?limit=10 HTTP/1.1\r\nHost: localhost:3000\r\nConnection: keep-alive\r\n\r\n'
seed post 'POST /api/workflows HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}'
seed chunked 'POST /w HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\nX-T: 1\r\n\r\n'
seed pipelined 'GET / HTTP/1.1\r\nHost: a\r\n\r\nHEAD /health HTTP/1.0\r\nExpect: 100-continue\r\n\r\n'
seed absolute 'OPTIONS * HTTP/1.1\r\nHost: [::1]:80\r\n\r\nGET http://a/b?c HTTP/1.1\r\nHost: a\r\n\r\n'
seed chunkbody '3 ; x = "q\\"" \r\nabc\r\n0\r\nT: v\r\n\r\n'

# Seeds for conditions: SPEC §4.2's examples and every construct once.
eseed() { printf '%s' "$2" > "$DIR/expr-corpus/seed-$1"; }
eseed spec1 '{{@a:HTTP.status}} === 200 && {{@a:HTTP.data.items}}.length > 0'
eseed spec2 "{{@b:Webhook.email}}.toLowerCase().endsWith('@example.com')"
eseed spec3 '!({{@a:Search.data}}.length == 0)'
eseed ops "1 < 2 || 'a' >= 'b' && null == undefined != (3 !== -4.5e-1) && {{@c:F.x}} <= true"
eseed methods "{{@b:W.tags}}.includes('x') || {{@b:W.s}}.trim().startsWith(\"h\\u00e9\") || {{@a:H.items}}[4]['k'].toUpperCase().toString()"

cat > "$DIR/http.dict" <<'DICT'
"\x0d\x0a"
"\x0d\x0a\x0d\x0a"
" HTTP/1.1\x0d\x0a"
" HTTP/1.0\x0d\x0a"
"GET "
"POST "
"HEAD "
"OPTIONS "
"Host: "
"Content-Length: "
"Transfer-Encoding: "
"chunked"
"gzip"
"Connection: "
"keep-alive"
"close"
"Expect: 100-continue"
"0\x0d\x0a\x0d\x0a"
";"
"="
"\x22"
","
":"
"?"
"#"
"http://"
"[::1]"
DICT

cat > "$DIR/expr.dict" <<'DICT'
"{{@a:HTTP."
"{{@b:W."
"{{@c:F."
"{{@d:D}}"
"}}"
"[0]"
".length"
".includes("
".startsWith("
".endsWith("
".toLowerCase()"
".toUpperCase()"
".trim()"
".toString()"
"==="
"!=="
"=="
"!="
"<="
">="
"&&"
"||"
"true"
"false"
"null"
"undefined"
"\x5cu00e9"
"\x5c\x22"
"1e+3"
"supersecret"
DICT

status=0
echo "fuzz: HTTP parser for ${SECS}s, corpus $DIR/corpus"
"$DIR/parser-fuzz" -max_total_time="$SECS" -max_len=4096 -timeout=10 -print_final_stats=1 \
    -dict="$DIR/http.dict" -artifact_prefix="$DIR/artifacts/" "$DIR/corpus" || status=$?
echo "fuzz: expressions for ${SECS}s, corpus $DIR/expr-corpus"
"$DIR/expression-fuzz" -max_total_time="$SECS" -max_len=8192 -timeout=10 -print_final_stats=1 \
    -dict="$DIR/expr.dict" -artifact_prefix="$DIR/artifacts/expr-" "$DIR/expr-corpus" || status=$?
exit $status
