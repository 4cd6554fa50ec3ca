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

# Runs: completed executions per second of Manual → Condition and Manual → HTTP Request (to a second local server's
# /health over keep-alive), started by wrk through POST /api/workflows/{id}/execute (synchronous=FULL).
command -v curl >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq curl; }
BASE="http://127.0.0.1:$PORT"
JAR="$DATA/jar.txt"
curl -fsS -c "$JAR" -H 'Content-Type: application/json' -d '{"email":"bench@example.com","password":"bench password 1","name":"Bench"}' \
  "$BASE/api/auth/sign-up/email" >/dev/null
COOKIE=$(awk '$6=="orchestrator_session"{print $7}' "$JAR")
TDATA=$(mktemp -d /tmp/orch-bench-target.XXXXXX)
"$BIN" serve --host 127.0.0.1 --port 0 --data-dir "$TDATA" --log-level warn 2>"$TDATA/server.log" &
TPID=$!
trap 'kill $PID $TPID 2>/dev/null; wait $PID $TPID 2>/dev/null; rm -rf "$DATA" "$TDATA"' EXIT
for _ in $(seq 100); do grep -q 'msg=listening' "$TDATA/server.log" 2>/dev/null && break; sleep 0.05; done
TPORT=$(sed -n 's/.*msg=listening.* port=\([0-9]*\).*/\1/p' "$TDATA/server.log" | head -1)
metric() { curl -fsS "$BASE/metrics" | awk -v m="$1" '$1==m{print $2}'; }
finished() { curl -fsS "$BASE/metrics" | awk '/^executions_total\{/{s+=$2} END{print s+0}'; }
for kind in condition http; do
  if [ "$kind" = condition ]; then
    ACTION='{"actionType":"Condition","condition":true}'
  else
    ACTION="{\"actionType\":\"HTTP Request\",\"endpoint\":\"http://127.0.0.1:$TPORT/health\"}"
  fi
  WF=$(curl -fsS -b "$JAR" -H 'Content-Type: application/json' "$BASE/api/workflows/create" -d "{\"name\":\"bench $kind\",
    \"nodes\":[{\"id\":\"t\",\"data\":{\"type\":\"trigger\",\"config\":{\"triggerType\":\"Manual\"}}},
               {\"id\":\"a\",\"data\":{\"type\":\"action\",\"config\":$ACTION}}],
    \"edges\":[{\"id\":\"e\",\"source\":\"t\",\"target\":\"a\"}]}" | sed -n 's/^{"id":"\([^"]*\)".*/\1/p')
  cat > "$DATA/run.lua" <<LUA
wrk.method = "POST"
wrk.body = "{}"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = "orchestrator_session=$COOKIE"
done = function(summary, latency, requests)
  io.write(string.format("BENCH execute-$kind rps=%.0f p50_ms=%.3f p99_ms=%.3f non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status))
end
LUA
  F0=$(finished); C0=$(metric store_commits_total); T0=$(date +%s.%N)
  wrk -t2 -c${RUN_CONNECTIONS:-64} -d10s --latency -s "$DATA/run.lua" "$BASE/api/workflows/$WF/execute"
  for _ in $(seq 200); do [ "$(metric executions_running)" = 0 ] && break; sleep 0.05; done
  F1=$(finished); C1=$(metric store_commits_total); T1=$(date +%s.%N)
  awk -v f0="$F0" -v f1="$F1" -v c0="$C0" -v c1="$C1" -v t0="$T0" -v t1="$T1" -v k="$kind" 'BEGIN {
    printf "BENCH runs-%s completed=%d runs_per_s=%.0f commits_per_s=%.0f\n", k, f1-f0, (f1-f0)/(t1-t0), (c1-c0)/(t1-t0) }'
  curl -fsS "$BASE/metrics" | awk '/^execution_duration_seconds_(sum|count) /{print "BENCH", $1, $2}'
  echo "server RSS: $(awk '/^VmRSS/{print $2, $3}' /proc/$PID/status)"
done
