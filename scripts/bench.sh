#!/bin/sh
# `make bench`: start the release binary on a free port and run wrk 10 s at -t2 -c64 against GET /health.
set -eu
command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }
BIN=${BIN:-.build/release/orchestrator}
DATA=$(mktemp -d /tmp/orch-bench.XXXXXX)
"$BIN" serve --host 127.0.0.1 --port 0 --data-dir "$DATA" --log-level info 2>"$DATA/server.log" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 100); do grep -q 'msg=listening' "$DATA/server.log" 2>/dev/null && break; sleep 0.05; done
PORT=$(sed -n 's/.*msg=listening.* port=\([0-9]*\).*/\1/p' "$DATA/server.log" | head -1)
echo "server pid=$PID port=$PORT"
cat > "$DATA/report.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("BENCH health rps=%.0f p50_ms=%.3f p99_ms=%.3f errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA
wrk -t2 -c64 -d2s "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 || true
wrk -t2 -c64 -d10s --latency -s "$DATA/report.lua" "http://127.0.0.1:$PORT/health"
echo "server RSS: $(awk '/^VmRSS/{print $2, $3}' /proc/$PID/status)"
