#!/usr/bin/env bash
# kill -9 with analysis jobs queued and running, then with callbacks still to send: after a
# restart every job ends exactly once in its final state (one final transition, one delivery)
# and every callback arrives at least once.
#   analyses_crash_test.sh PICTOR CORPUS_DIR
set -uo pipefail
PICTOR=$1
CORPUS=$2
T=$(mktemp -d)
source "$(dirname "$0")/../lib/check.sh"
source "$(dirname "$0")/../lib/server.sh"
RECEIVER="$(dirname "$0")/callback_receiver.py"

export PICTOR_NET_ALLOW_HOSTS=127.0.0.1 PICTOR_JOBS_POLL_MS=50 PICTOR_JOBS_LEASE_MS=1500
export PICTOR_JOBS_CALLBACK_TIMEOUT_MS=1000 PICTOR_JOBS_RETRY_DELAYS=1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s
export PICTOR_JOBS_WORKERS=1 PICTOR_JOBS_BATCH_SIZE=2
start_server --data "$T/data"
IDS=()
for f in "$CORPUS"/photo/*.jpg; do
  request POST /v1/images --data-binary "@$f"
  IDS+=("$(json "d['images'][0]['id']")")
done
request GET /v1/callback-secret
json "d['secret']" >"$T/secret"

start_receiver() {  # LOG [PORT]
  rm -f "$T/port"
  RECEIVER_PORT=${2:-0} python3 "$RECEIVER" "$T/port" "$1" "$T/secret" &
  PIDS+=($!)
  RECEIVER_PID=$!
  for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
  RPORT=$(cat "$T/port")
}
start_receiver "$T/received"
# Each image four times: enough work that the kill finds jobs running and waiting.
list_json=$(python3 -c "import json,sys; print(json.dumps(sys.argv[1:] * 4))" "${IDS[@]}")
request POST /v1/analyses --data-binary "{\"images\": $list_json, \"features\": [\"exif\", \"signatures\", \"quality\", \"colors\"],
  \"callback_url\": \"http://127.0.0.1:$RPORT/ok/crash\"}"
check "$((4 * ${#IDS[@]})) jobs queued" [ "$CODE" = 202 -a "$(json "len(d['jobs'])")" = "$((4 * ${#IDS[@]}))" ]
JOBS=$(json "' '.join(j['id'] for j in d['jobs'])")

count() { request GET "/v1/analyses?state=$1&limit=1000"; json "len(d['jobs'])"; }
for _ in $(seq 600); do
  [ "$(count succeeded)" -ge 2 ] && break
  sleep 0.05
done
kill -9 "$PID"; wait "$PID" 2>/dev/null
# What the dead server left, seen by a server that runs no jobs: running jobs keep their stale
# lease for a moment, queued ones wait.
PICTOR_JOBS_WORKERS=0 start_server --data "$T/data"
request GET "/v1/analyses?state=running&limit=1000"
HELD=$(json "' '.join(j['id'] for j in d['jobs'])")
QUEUED=$(count queued)
check "killed with jobs running ($HELD) and queued ($QUEUED)" [ -n "$HELD" -a "$QUEUED" -ge 1 ]
stop_server

start_server --data "$T/data"
all_done() {
  for id in $JOBS; do
    request GET "/v1/analyses/$id"
    [ "$(json "d['state'] == 'succeeded' and all(x['state'] == 'delivered' for x in d['deliveries'])")" = True ] || return 1
  done
}
for _ in $(seq 120); do all_done && break; sleep 0.5; done
check "after the restart every job succeeded and its callback was delivered" all_done
ATTEMPTS=$(for id in $HELD; do request GET "/v1/analyses/$id"; json "d['attempts']"; done | sort -n | head -1)
check "the jobs that were running ran again once their lease ran out" [ "$ATTEMPTS" -ge 2 ]
received() { python3 -c "import json; lines=[json.loads(l) for l in open('$1')]; print($2)"; }
check "every job was called back, signed, as succeeded" \
  [ "$(received "$T/received" "sorted(set(l['job'] for l in lines if l['signature_ok'] and l['event'] == 'analysis.succeeded'))")" = \
    "$(python3 -c "import sys; print(sorted(sys.argv[1:]))" $JOBS)" ]
check "no job was reported failed" [ "$(received "$T/received" "sum(l['event'] != 'analysis.succeeded' for l in lines)")" = 0 ]
check "each job reached its final state once: one delivery id per job" \
  [ "$(received "$T/received" "max(len(set(m['delivery'] for m in lines if m['job'] == j)) for j in set(l['job'] for l in lines))")" = 1 ]

# --- callbacks still to send when the server dies: the receiver is down until after the restart
kill "$RECEIVER_PID"; wait "$RECEIVER_PID" 2>/dev/null
DOWN_PORT=$RPORT
request POST /v1/analyses --data-binary "{\"images\": [\"${IDS[0]}\", \"${IDS[1]}\", \"${IDS[2]}\"], \"features\": [\"file\"],
  \"callback_url\": \"http://127.0.0.1:$DOWN_PORT/ok/late\"}"
LATE=$(json "' '.join(j['id'] for j in d['jobs'])")
failed_once() {
  for id in $LATE; do
    request GET "/v1/analyses/$id"
    [ "$(json "bool(d['deliveries']) and d['deliveries'][0]['attempts'] >= 1 and d['deliveries'][0]['state'] == 'pending'")" = True ] || return 1
  done
}
for _ in $(seq 100); do failed_once && break; sleep 0.1; done
check "the callbacks are pending after failed attempts" failed_once
kill -9 "$PID"; wait "$PID" 2>/dev/null
start_receiver "$T/late" "$DOWN_PORT"
start_server --data "$T/data"
for _ in $(seq 100); do
  [ -s "$T/late" ] && [ "$(received "$T/late" "len(set(l['job'] for l in lines))")" = 3 ] && break
  sleep 0.2
done
check "after the restart every pending callback arrives" \
  [ "$(received "$T/late" "sorted(set(l['job'] for l in lines if l['signature_ok']))")" = "$(python3 -c "import sys; print(sorted(sys.argv[1:]))" $LATE)" ]

finish analyses_crash
