#!/usr/bin/env bash
# End-to-end figures for `telguard gateway` over HTTP, each with its baseline
# in the same run:
#  1. records/s on one connection (one gateway worker, so about one core) for
#     512-record OTLP/JSON and OTLP/protobuf batches through the gateway to a
#     sink upstream, with wrk -- against the same batches posted straight to
#     the sink (the added latency per batch is gateway minus sink, p50/p99);
#  2. the gateway's resident memory idle, and idle with 1,000 open
#     connections.
# The in-process cost per batch against a decode+re-encode pass-through is
# build/bench/gateway_bench.
# usage: bench/gateway_http_bench.sh BUILD_DIR [SECONDS]
set -euo pipefail
build=$(cd "$1" && pwd)
secs=${2:-10}
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d /tmp/telguard-gwbench-XXXXXX)
ulimit -n 4096
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$build/bench/otlp_sink" --write-batches "$work"
"$build/bench/otlp_sink" "$work/sinkport" & pids+=($!)
for _ in $(seq 100); do [ -s "$work/sinkport" ] && break; sleep 0.05; done
sink=$(cat "$work/sinkport")
HOME=$work "$build/telguard" gateway --listen 127.0.0.1:0 --upstream "http://127.0.0.1:$sink" --spool "$work/spool" \
  2>"$work/gw.log" & gw=$!; pids+=($gw)
for _ in $(seq 100); do grep -q "listening on" "$work/gw.log" 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/gw.log")
rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$gw/status"; }
rss_start=$(rss)

cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = os.getenv("CT")
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.body = f:read("*a")
f:close()
LUA

run() {  # run NAME PORT CT BODY -> "req/s p50_ms p99_ms"
  local out
  out=$(CT=$3 BODY=$4 wrk -t1 -c1 -d"${secs}s" --latency -s "$work/post.lua" "http://127.0.0.1:$2/v1/logs")
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  printf '%-28s %10s req/s %12.0f records/s   p50 %8s   p99 %8s\n' "$1" "$rps" "$(awk -v r="$rps" 'BEGIN{print r*512}')" "$p50" "$p99"
}

echo "== 512-record batches, one connection, ${secs}s each =="
run "sink direct, json" "$sink" application/json "$work/batch.json"
run "gateway, json" "$port" application/json "$work/batch.json"
run "sink direct, protobuf" "$sink" application/x-protobuf "$work/batch.pb"
run "gateway, protobuf" "$port" application/x-protobuf "$work/batch.pb"

echo "== gateway resident memory =="
echo "idle at start: $rss_start; idle after the load above: $(rss)"
python3 - "$port" "$gw" <<'PY'
import socket, sys, time
port, pid = int(sys.argv[1]), sys.argv[2]
socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(1000)]
time.sleep(1.0)
rss = [l for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS")][0].split()[1]
print(f"with 1,000 idle connections open: {rss} kB")
for s in socks:
    s.close()
PY
