#!/usr/bin/env bash
# Background analyses on a real server with a real callback receiver (callback_receiver.py):
# results, signed callbacks, retries with growing waits, dead letters and redelivery, duplicate
# deliveries, Idempotency-Key, cancel, pictor worker, analyses on upload, SSRF refusals and bad
# requests.
#   analyses_test.sh PICTOR CORPUS_DIR
set -uo pipefail
PICTOR=$1
CORPUS=$2
T=$(mktemp -d)
source "$(dirname "$0")/../lib/check.sh"
source "$(dirname "$0")/../lib/server.sh"
RECEIVER="$(dirname "$0")/callback_receiver.py"
PHOTO=$CORPUS/photo/goexif__sample1.jpg

# Fast schedule and short leases: the test waits for retries, not for production delays.
export PICTOR_NET_ALLOW_HOSTS=127.0.0.1 PICTOR_JOBS_RETRY_DELAYS=300ms,600ms,1200ms PICTOR_JOBS_POLL_MS=50
export PICTOR_JOBS_CALLBACK_TIMEOUT_MS=1000 PICTOR_JOBS_LEASE_MS=2000
start_server --data "$T/data"

upload() { request POST /v1/images --data-binary "@$1"; json "d['images'][0]['id']"; }
A=$(upload "$PHOTO")
B=$(upload "$CORPUS/photo/lomiri16__Wine_by_Jakkub_Mede.jpg")

request GET /v1/callback-secret
json "d['secret']" >"$T/secret"
check "a callback secret of 64 hex digits" grep -qE '^[0-9a-f]{64}$' "$T/secret"
check "the server's secret was generated into the data directory (0600)" \
  sh -c "[ \$(stat -c %a '$T/data/callback_secret') = 600 ]"

python3 "$RECEIVER" "$T/port" "$T/received" "$T/secret" "$PHOTO" &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
RPORT=$(cat "$T/port")
RECV=http://127.0.0.1:$RPORT

submit() {  # BODY [curl args]: POST /v1/analyses
  local body=$1; shift
  request POST /v1/analyses -H 'Content-Type: application/json' --data-binary "$body" "$@"
}
# wait_until PYTHON_CONDITION_ON_JOB ID [SECONDS]: polls GET /v1/analyses/ID
wait_job() {
  local condition=$1 id=$2 limit=${3:-30}
  for _ in $(seq $((limit * 10))); do
    request GET "/v1/analyses/$id"
    [ "$(json "$condition")" = True ] && return 0
    sleep 0.1
  done
  return 1
}
# received PYTHON_EXPRESSION: evaluated with `lines`, the receiver's log entries
received() { python3 -c "import json; lines=[json.loads(l) for l in open('$T/received')]; print($1)" 2>/dev/null; }

# --- a batch of two images with a callback: 202, then results pushed and signed
submit "{\"images\": [\"$A\", \"$B\"], \"features\": [\"exif\", \"signatures\", \"quality\"],
         \"callback_url\": \"$RECV/ok/batch\", \"metadata\": {\"order\": 42}}"
check "a batch answers 202 with a job per image" [ "$CODE" = 202 -a "$(json "len(d['jobs'])")" = 2 ]
J1=$(json "d['jobs'][0]['id']"); J2=$(json "d['jobs'][1]['id']")
check "jobs start queued with a status URL" [ "$(json "d['jobs'][0]['status_url']")" = "/v1/analyses/$J1" ]
check "the first job finishes" wait_job "d['state'] == 'succeeded'" "$J1"
check "the result carries the requested features" \
  [ "$(json "sorted(k for k in d['result'] if k in ('exif','signatures','quality','colors'))")" = "['exif', 'quality', 'signatures']" ]
check "the result is the image's (EXIF camera of goexif sample1)" [ "$(json "d['result']['exif']['make']")" = "NIKON CORPORATION" ]
check "the PDQ hash is 64 hex digits" [ "$(json "len(d['result']['signatures']['pdq'])")" = 64 ]
check "timings are reported" [ "$(json "d['timings']['run_ms'] >= 0 and d['timings']['total_ms'] >= d['timings']['run_ms']")" = True ]
check "the second job finishes" wait_job "d['state'] == 'succeeded' and d['deliveries'][0]['state'] == 'delivered'" "$J2"
check "the callback is recorded as delivered" [ "$(json "d['deliveries'][0]['attempts']")" = 1 ]
sleep 0.3
check "each job's callback arrived once, signed" \
  [ "$(received "sorted((l['job'], l['signature_ok'], l['event']) for l in lines if l['path'] == '/ok/batch')")" = \
    "$(python3 -c "print(sorted([('$J1', True, 'analysis.succeeded'), ('$J2', True, 'analysis.succeeded')]))")" ]
check "the callback body echoes the metadata and names its delivery" \
  [ "$(received "[l['payload']['job']['metadata']['order'] == 42 and l['body_delivery'] == l['delivery'] and l['body_type'] == l['event'] for l in lines if l['job'] == '$J1']")" = "[True]" ]
check "the callback body carries the result" \
  [ "$(received "[l['payload']['job']['result']['image_id'] for l in lines if l['job'] == '$J2']")" = "['$B']" ]

# --- retries: the receiver fails twice, the third attempt lands; waits grow
submit "{\"images\": [\"$A\"], \"features\": \"exif\", \"callback_url\": \"$RECV/fail2/retry\"}"
JR=$(json "d['jobs'][0]['id']")
check "a failing receiver gets the callback on the third attempt" \
  wait_job "d['deliveries'] and d['deliveries'][0]['state'] == 'delivered'" "$JR"
check "three attempts recorded, the last 200" [ "$(json "(d['deliveries'][0]['attempts'], d['deliveries'][0]['last_status'])")" = "(3, 200)" ]
check "the retries keep the delivery id" [ "$(received "len(set(l['delivery'] for l in lines if l['path'] == '/fail2/retry'))")" = 1 ]
GAPS=$(received "[round(b - a, 2) for a, b in zip(*(lambda t: (t, t[1:]))([l['time'] for l in lines if l['path'] == '/fail2/retry']))]")
check "the waits grow (300 ms, then 600 ms, +-20 %): $GAPS" python3 -c "
g = $GAPS
assert len(g) == 2 and 0.2 < g[0] < 0.6 and g[1] > g[0] and g[1] < 1.5, g"

# --- dead letter after the last attempt, visible in the API and metrics; then redelivery
submit "{\"images\": [\"$A\"], \"features\": \"exif\", \"callback_url\": \"$RECV/fail4/dead\"}"
JD=$(json "d['jobs'][0]['id']")
check "after 4 failed attempts the delivery is dead" wait_job "d['deliveries'] and d['deliveries'][0]['state'] == 'dead'" "$JD"
check "the dead delivery says why" [ "$(json "(d['deliveries'][0]['attempts'], d['deliveries'][0]['last_status'])")" = "(4, 500)" ]
request GET "/v1/analyses?delivery=dead"
check "?delivery=dead lists the job" [ "$(json "[j['id'] for j in d['jobs']]")" = "['$JD']" ]
check "metrics count the dead delivery" [ "$(metric 'pictor_callback_deliveries{state="dead"}')" = 1 ]
request POST "/v1/analyses/$JD/redeliver"
check "redeliver answers 202 with a new delivery" [ "$CODE" = 202 -a "$(json "d['delivery']['state']")" = pending ]
check "the redelivery lands" wait_job "len(d['deliveries']) == 2 and d['deliveries'][1]['state'] == 'delivered'" "$JD"
check "the redelivery has its own id, the same event" \
  [ "$(received "len(set(l['delivery'] for l in lines if l['path'] == '/fail4/dead'))")" = 2 ]

# --- a receiver too slow to answer: the retry repeats the delivery id, the receiver drops it
submit "{\"images\": [\"$B\"], \"features\": \"file\", \"callback_url\": \"$RECV/slow-once/dup\"}"
JS=$(json "d['jobs'][0]['id']")
check "a timed-out attempt is retried" wait_job "d['deliveries'] and d['deliveries'][0]['state'] == 'delivered'" "$JS"
check "the first attempt timed out" [ "$(json "d['deliveries'][0]['attempts']")" = 2 ]
sleep 3
check "the receiver saw the delivery twice and processed it once" \
  [ "$(received "[l['duplicate'] for l in lines if l['path'] == '/slow-once/dup']")" = "[False, True]" ]

# --- Idempotency-Key
BODY="{\"images\": [\"$B\"], \"features\": [\"colors\"]}"
submit "$BODY" -H "Idempotency-Key: key-1"
K1=$(json "d['jobs'][0]['id']")
submit "{\"features\": [\"colors\"],   \"images\": [\"$B\"]}" -H "Idempotency-Key: key-1"
check "the same key and body replay the same job" [ "$CODE" = 202 -a "$(json "d['jobs'][0]['id']")" = "$K1" -a "$(header Idempotent-Replayed)" = true ]
expect_error 409 conflict POST /v1/analyses --data-binary "{\"images\": [\"$A\"], \"features\": [\"colors\"]}" -H "Idempotency-Key: key-1"
submit "$BODY" -H "Idempotency-Key: key-2"
check "another key makes another job" [ "$CODE" = 202 -a "$(json "d['jobs'][0]['id']")" != "$K1" ]

# --- a remote source: fetched through the address policy, analysed, not stored
submit "{\"url\": \"$RECV/photo\", \"features\": [\"file\", \"exif\"]}"
JU=$(json "d['jobs'][0]['id']")
check "a URL job succeeds" wait_job "d['state'] == 'succeeded'" "$JU"
check "its result is the fetched file's" [ "$(json "d['result']['sha256']")" = "$(sha256sum "$PHOTO" | cut -d' ' -f1)" ]
check "its EXIF is read" [ "$(json "d['result']['exif']['make']")" = "NIKON CORPORATION" ]
submit "{\"url\": \"$RECV/redirect/127.0.0.2\", \"features\": [\"file\"]}"
JX=$(json "d['jobs'][0]['id']")
check "a redirect to a refused address fails the job" wait_job "d['state'] == 'failed'" "$JX"
check "with forbidden_address" [ "$(json "d['error']['code']")" = forbidden_address ]

# --- SSRF refusals and bad requests at submission
for url in "http://127.0.0.2:$RPORT/photo" "http://[::ffff:127.0.0.1]:$RPORT/photo" "http://169.254.169.254/latest/meta-data" \
           "http://10.0.0.1/x.jpg" "http://100.64.0.1/x.jpg" "http://[::1]:$RPORT/photo" "http://192.168.1.1/a.jpg"; do
  expect_error 400 forbidden_address POST /v1/analyses --data-binary "{\"url\": \"$url\", \"features\": [\"file\"]}"
done
expect_error 400 forbidden_address POST /v1/analyses --data-binary "{\"images\": [\"$A\"], \"features\": [\"file\"], \"callback_url\": \"http://172.16.0.1/hook\"}"
expect_error 400 invalid_value POST /v1/analyses --data-binary "{\"url\": \"ftp://example.com/a.jpg\", \"features\": [\"file\"]}"
expect_error 400 invalid_value POST /v1/analyses --data-binary "{\"images\": [\"$A\"], \"features\": [\"nope\"]}"
expect_error 400 missing_parameter POST /v1/analyses --data-binary "{\"images\": [\"$A\"]}"
expect_error 400 missing_parameter POST /v1/analyses --data-binary "{\"features\": [\"file\"]}"
expect_error 400 invalid_value POST /v1/analyses --data-binary "{\"images\": [], \"features\": [\"file\"]}"
expect_error 404 not_found POST /v1/analyses --data-binary "{\"images\": [\"$A\", \"0123456789abcdef0123456789abcdef\"], \"features\": [\"file\"]}"
expect_error 400 bad_request POST /v1/analyses --data-binary "not json"
expect_error 400 unknown_parameter POST /v1/analyses --data-binary "{\"images\": [\"$A\"], \"features\": [\"file\"], \"priority\": 1}"
expect_error 400 invalid_value POST /v1/analyses --data-binary "{\"images\": [\"$A\"], \"features\": [\"file\"], \"metadata\": [1]}"
expect_error 400 invalid_value GET "/v1/analyses?state=lost"
expect_error 404 not_found GET /v1/analyses/job_000000000000000000000000
expect_error 409 conflict DELETE "/v1/analyses/$J1"
request GET "/v1/analyses?state=succeeded&limit=2"
check "lists are paged" [ "$(json "len(d['jobs'])")" = 2 -a "$(json "d['next_cursor'] is not None")" = True ]
request GET "/v1/analyses?state=succeeded&limit=2&cursor=$(json "d['next_cursor']")"
check "the next page continues" [ "$CODE" = 200 -a "$(json "len(d['jobs'])")" -ge 1 ]
python3 -c "import json; print(json.dumps({'images': ['$A'] * 1001, 'features': ['file']}))" >"$T/big.json"
expect_error 400 invalid_value POST /v1/analyses --data-binary "@$T/big.json"
check "every callback so far was signed correctly" [ "$(received "all(l['signature_ok'] for l in lines)")" = True ]
stop_server

# --- no analysis threads in the server: jobs wait; cancel one; pictor worker runs the rest
PICTOR_JOBS_WORKERS=0 start_server --data "$T/data"
submit "{\"images\": [\"$A\", \"$B\"], \"features\": [\"themes\"], \"callback_url\": \"$RECV/ok/worker\"}"
W1=$(json "d['jobs'][0]['id']"); W2=$(json "d['jobs'][1]['id']")
sleep 0.5
request GET "/v1/analyses/$W1"
check "without workers the job stays queued" [ "$(json "d['state']")" = queued ]
request DELETE "/v1/analyses/$W1"
check "a queued job can be canceled" [ "$CODE" = 200 -a "$(json "d['job']['state']")" = canceled ]
expect_error 409 conflict DELETE "/v1/analyses/$W1"
"$PICTOR" worker --data "$T/data" >"$T/worker.log" 2>&1 &
WORKER=$!
PIDS+=($WORKER)
check "pictor worker runs the queued job" wait_job "d['state'] == 'succeeded' and d['deliveries'][0]['state'] == 'delivered'" "$W2"
check "its result has the themes" [ "$(json "'themes' in d['result']")" = True ]
request GET "/v1/analyses/$W1"
check "the canceled job never ran" [ "$(json "(d['state'], d['attempts'])")" = "('canceled', 0)" ]
kill "$WORKER"; wait "$WORKER" 2>/dev/null
check "pictor worker stops on SIGTERM" [ $? = 0 ]
stop_server

# --- analyses on upload
PICTOR_JOBS_ON_UPLOAD=exif,colors PICTOR_JOBS_ON_UPLOAD_CALLBACK="$RECV/ok/upload" start_server --data "$T/data"
C=$(upload "$CORPUS/photo/lomiri16__Dragonfly_by_Bolly.jpg")
for _ in $(seq 100); do [ "$(received "len([l for l in lines if l['path'] == '/ok/upload'])")" = 1 ] && break; sleep 0.1; done
check "an upload is analysed in the background and called back" \
  [ "$(received "[(l['payload']['job']['origin'], l['payload']['job']['image_id'], sorted(k for k in l['payload']['job']['result'] if k in ('exif','colors'))) for l in lines if l['path'] == '/ok/upload']")" = "[('upload', '$C', ['colors', 'exif'])]" ]
request GET "/v1/analyses?image_id=$C"
check "the upload's job is listed by image" [ "$(json "len(d['jobs'])")" = 1 ]
request GET "/v1/images/$C/info?features=colors"
check "the stored answer is reused by the info route" [ "$CODE" = 200 -a "$(json "d['colors'] is not None")" = True ]
stop_server
PICTOR_JOBS_RETRY_DELAYS=1x "$PICTOR" serve --data "$T/data" --listen 127.0.0.1:0 >"$T/bad.log" 2>&1
check "a bad retry schedule is a config error" sh -c "[ $? = 2 ] && grep -q 'not a duration' '$T/bad.log'"

finish analyses
