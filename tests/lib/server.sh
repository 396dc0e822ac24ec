# Helpers for tests that drive a real `pictor serve` process (sourced after check.sh).
# Needs PICTOR and T (a temporary directory) to be set.
PIDS=()
trap 'for p in "${PIDS[@]}"; do { kill -9 "$p"; wait "$p"; } 2>/dev/null; done; rm -rf "$T"' EXIT

# Starts a server on a free loopback port; sets URL, PID and LOG. Extra arguments go to
# `pictor serve`; set LISTEN to listen elsewhere, CONFIG for a config file.
start_server() {
  LOG=$T/server-$RANDOM.log
  "$PICTOR" ${CONFIG:+--config "$CONFIG"} serve --listen "${LISTEN:-127.0.0.1:0}" "$@" >"$LOG" 2>&1 &
  PID=$!
  PIDS+=("$PID")
  for _ in $(seq 200); do
    URL=$(grep -o 'http://[0-9.:]*' "$LOG" 2>/dev/null) && [ -n "$URL" ] && return 0
    sleep 0.05
  done
  echo "server did not start: $(cat "$LOG")"
  exit 1
}
stop_server() { kill "$PID"; wait "$PID" 2>/dev/null; }
# request METHOD PATH [curl args...]: sets CODE; the body is in $T/body, the headers in $T/headers
request() {
  local method=$1 path=$2; shift 2
  # Bounded, so that a server that stops answering fails the test instead of hanging it.
  CODE=$(curl -s -m 300 -X "$method" -o "$T/body" -D "$T/headers" -w '%{http_code}' "$@" "$URL$path")
}
json() { python3 -c "import json,sys; d=json.load(open('$T/body')); print($1)"; }
header() { grep -i "^$1:" "$T/headers" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
expect_error() {  # STATUS CODE METHOD PATH [curl args]
  local status=$1 code=$2; shift 2
  request "$@"
  if [ "$CODE" = "$status" ] && [ "$(json "d['error']['code']")" = "$code" ] && [ -n "$(json "d['error']['message']")" ]; then ok
  else fail "$* -> $CODE $(head -c 200 "$T/body") (want $status $code)"; fi
}
# The value of a Prometheus sample, e.g. metric 'pictor_cache_lookups_total{result="miss"}' (0 when absent).
metric() {
  curl -s -m 30 "$URL/metrics" | awk -v name="$1" '$1 == name { print $2; found = 1 } END { if (!found) print 0 }'
}
