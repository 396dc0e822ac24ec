#!/usr/bin/env bash
# `pictor serve` as a real process on a loopback port with a real data directory: uploads,
# originals, thumbnails by type and chain, ETag/304, JSON errors, 413, 429 under overload, and
# durability across kill -9.
#   http_test.sh PICTOR CORPUS_DIR
set -uo pipefail
PICTOR=$1
CORPUS=$2
T=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$T"' EXIT
source "$(dirname "$0")/../lib/check.sh"

# Starts a server on a free port; sets URL and PID. Extra arguments go to `pictor serve`.
start_server() {
  local log=$T/server-$RANDOM.log
  "$PICTOR" serve --listen 127.0.0.1:0 "$@" >"$log" 2>&1 &
  PID=$!
  PIDS+=("$PID")
  for _ in $(seq 100); do
    URL=$(grep -o 'http://[0-9.:]*' "$log" 2>/dev/null) && [ -n "$URL" ] && return 0
    sleep 0.05
  done
  echo "server did not start: $(cat "$log")"
  exit 1
}
# request METHOD PATH [curl args...]: sets CODE, BODY (file $T/body), HEADERS (file $T/headers)
request() {
  local method=$1 path=$2; shift 2
  CODE=$(curl -s -X "$method" -o "$T/body" -D "$T/headers" -w '%{http_code}' "$@" "$URL$path")
}
json() { python3 -c "import json,sys; d=json.load(open('$T/body')); print($1)"; }
expect_error() {  # STATUS CODE METHOD PATH [curl args]
  local status=$1 code=$2; shift 2
  request "$@"
  if [ "$CODE" = "$status" ] && [ "$(json "d['error']['code']")" = "$code" ] && [ -n "$(json "d['error']['message']")" ]; then ok
  else fail "$* -> $CODE $(head -c 200 "$T/body") (want $status $code)"; fi
}

PHOTO=$CORPUS/photo/lomiri16__sunset_by_Aitzol_Berasategi.jpg
start_server --data "$T/data"

request GET /healthz
check "healthz" [ "$CODE" = 200 ]

# --- upload, original, ETag
request POST /v1/images --data-binary "@$PHOTO"
check "upload answers 201" [ "$CODE" = 201 ]
ID=$(json "d['images'][0]['id']")
check "upload reports the image" [ "$(json "[d['images'][0][k] for k in ('format','width','height','bytes','frames')]")" = "['jpeg', 4272, 2848, $(stat -c %s "$PHOTO"), 1]" ]
check "upload reports md5 and sha256" [ "$(json "d['images'][0]['md5']")" = "$(md5sum <"$PHOTO" | cut -c1-32)" -a \
  "$(json "d['images'][0]['sha256']")" = "$(sha256sum <"$PHOTO" | cut -c1-64)" ]
request GET "/v1/images/$ID"
check "original is byte-identical" cmp -s "$T/body" "$PHOTO"
check "original has its content type" grep -qi '^content-type: image/jpeg' "$T/headers"
ETAG=$(grep -i '^etag:' "$T/headers" | cut -d' ' -f2 | tr -d '\r')
request GET "/v1/images/$ID" -H "If-None-Match: $ETAG"
check "If-None-Match gives 304" [ "$CODE" = 304 ]
request HEAD "/v1/images/$ID" -I  # -I writes the headers where the body would go
check "HEAD answers 200 with the length and no body" sh -c "[ $CODE = 200 ] && grep -qi 'content-length: $(stat -c %s "$PHOTO")' '$T/body' && ! grep -q JFIF '$T/body'"

# --- thumbnails
for case in "w320 320x213" "h240 360x240" "f320_240 320x213" "ff320_240 320x240" "s100 100x100"; do
  set -- $case
  request GET "/v1/images/$ID?type=$1"
  check "type $1 is $2" [ "$CODE" = 200 -a "$(size_of "$T/body")" = "$2" ]
done
request GET "/v1/images/$ID/resize:w=200,h=100,fit=cover/format:type=webp"
check "chain in the path" [ "$CODE" = 200 -a "$(size_of "$T/body")" = "200x100" ]
check "webp content type" grep -qi '^content-type: image/webp' "$T/headers"
check "derivatives are immutable" grep -qi '^cache-control: public, max-age=31536000, immutable' "$T/headers"

# --- errors keep the server serving
expect_error 400 unknown_operation GET "/v1/images/$ID/rezise:w=10"
expect_error 400 invalid_value GET "/v1/images/$ID/resize:w=0"
expect_error 400 unknown_type GET "/v1/images/$ID?type=huge"
expect_error 404 not_found GET "/v1/images/00000000000000000000000000000000"
expect_error 404 not_found GET "/v1/images/../../etc/passwd"
expect_error 404 not_found GET /nowhere
expect_error 405 method_not_allowed DELETE "/v1/images/$ID"
expect_error 400 empty_input POST /v1/images --data-binary ""
head -c 5000 /dev/urandom >"$T/random.bin"
expect_error 415 unsupported_format POST /v1/images --data-binary "@$T/random.bin"
head -c 400000 "$PHOTO" >"$T/truncated.jpg"
request POST /v1/images --data-binary "@$T/truncated.jpg"   # the header is intact: accepted
TRUNC=$(json "d['images'][0]['id']")
expect_error 422 corrupt_image GET "/v1/images/$TRUNC?type=w100"
expect_error 422 image_too_large POST /v1/images --data-binary "@$CORPUS/extra/huge-blank__gdkpixbuf-large.jpg"
request GET /healthz
check "still serving after bad input" [ "$CODE" = 200 ]
# A body sent to another route is streamed like an upload; it must not stay behind.
request POST /healthz --data-binary "@$PHOTO"
request POST /nowhere --data-binary "@$PHOTO"
check "no upload file left by POSTs to other routes" [ -z "$(ls "$T/data/blobs/tmp")" ]

# --- body limit: 413 without storing anything
kill "$PID"; wait "$PID" 2>/dev/null
PICTOR_LIMITS_MAX_INPUT_BYTES=500000 start_server --data "$T/data-small"
expect_error 413 input_too_large POST /v1/images --data-binary "@$PHOTO"
# A chunked body has no Content-Length: the limit is enforced while reading it.
expect_error 413 input_too_large POST /v1/images --data-binary "@$PHOTO" -H "Transfer-Encoding: chunked"
check "nothing left in the upload area" [ -z "$(ls "$T/data-small/blobs/tmp")" ]
kill "$PID"; wait "$PID" 2>/dev/null

# --- overload: one worker, a queue of one, eight slow requests at once -> some 429s
start_server --data "$T/data" --workers 1 --queue 1
clients=()
for i in $(seq 8); do
  curl -s -o /dev/null -D "$T/h$i" -w '%{http_code}\n' "$URL/v1/images/$ID/resize:w=1600/rotate:deg=33/blur:sigma=4/format:type=png" >"$T/c$i" &
  clients+=($!)
done
wait "${clients[@]}"  # not a bare wait: the server is a background job too
codes=$(cat "$T"/c* | sort | uniq -c | tr '\n' ' ')
check "overload gives 429s and 200s ($codes)" sh -c "grep -qx 429 $T/c* && grep -qx 200 $T/c*"
check "429 carries Retry-After" sh -c "grep -l '^429' $T/c* | head -1 | sed 's/c\([0-9]*\)$/h\1/' | xargs grep -qi '^retry-after: 1'"
request GET /healthz
check "serving after overload" [ "$CODE" = 200 ]

# --- durability: kill -9 during a burst of uploads; every 201 survives, byte-identical
mkdir -p "$T/burst"
clients=()
for round in 1 2 3; do
  for f in "$CORPUS"/photo/*.jpg; do
    out=$T/burst/$round-$(basename "$f")
    curl -s -o "$out.json" -w '%{http_code}' -X POST --data-binary "@$f" "$URL/v1/images" >"$out.code" &
    clients+=($!)
  done
done
sleep 1
kill -9 "$PID"
wait "${clients[@]}"
start_server --data "$T/data"
accepted=0
for code in "$T"/burst/*.code; do
  [ "$(cat "$code")" = 201 ] || continue
  accepted=$((accepted + 1))
  name=$(basename "$code" .code)
  name=${name#*-}
  id=$(python3 -c "import json; print(json.load(open('${code%.code}.json'))['images'][0]['id'])")
  request GET "/v1/images/$id"
  cmp -s "$T/body" "$CORPUS/photo/$name" || fail "upload $name got 201 but is not stored intact after kill -9"
done
echo "durability: $accepted of $(ls "$T"/burst/*.code | wc -l) uploads had answered 201 before kill -9; all checked"
check "the kill landed mid-burst (some uploads had completed)" [ "$accepted" -gt 0 ]
check "no half-written upload left behind" [ -z "$(ls "$T/data/blobs/tmp")" ]

finish http
