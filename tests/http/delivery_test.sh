#!/usr/bin/env bash
# Thumbnail delivery on a real server: the tiered cache (memory, disk across a restart, purge),
# coalescing of concurrent misses (counted in /metrics), derivative ETags, format=auto with Vary,
# the upload-time pyramid (perceptually indistinguishable: butteraugli < 1), readiness, metrics,
# the OpenAPI document, and graceful shutdown.
#   delivery_test.sh PICTOR CORPUS_DIR SOURCE_DIR
set -uo pipefail
PICTOR=$1
CORPUS=$2
SRC=$3
T=$(mktemp -d)
source "$(dirname "$0")/../lib/check.sh"
source "$(dirname "$0")/../lib/server.sh"

PHOTO=$CORPUS/photo/lomiri16__sunset_by_Aitzol_Berasategi.jpg
start_server --data "$T/data"
request POST /v1/images --data-binary "@$PHOTO"
ID=$(json "d['images'][0]['id']")

# --- cache tiers and derivative ETags
request GET "/v1/images/$ID?type=w320"
check "first request renders (X-Cache: $(header X-Cache))" [ "$CODE" = 200 -a "$(header X-Cache)" = miss ]
cp "$T/body" "$T/first.jpg"
ETAG=$(header ETag)
request GET "/v1/images/$ID?type=w320"
check "second request is a memory hit" [ "$(header X-Cache)" = memory ]
check "a hit has the same bytes" cmp -s "$T/body" "$T/first.jpg"
request GET "/v1/images/$ID/resize:w=320"
check "the same chain spelled as a chain shares the entry" [ "$(header X-Cache)" = memory -a "$(header ETag)" = "$ETAG" ]
request GET "/v1/images/$ID?type=w320" -H "If-None-Match: $ETAG"
check "If-None-Match on a derivative gives 304" [ "$CODE" = 304 -a "$(header ETag)" = "$ETAG" ]
request GET "/v1/images/$ID?type=w640"
check "another type has another ETag" [ "$(header ETag)" != "$ETAG" ]
check "derivatives are immutable" [ "$(header Cache-Control)" = "public, max-age=31536000, immutable" ]
check "hits and misses are counted" [ "$(metric 'pictor_cache_lookups_total{result="memory_hit"}')" -ge 2 ]
stop_server
start_server --data "$T/data"
request GET "/v1/images/$ID?type=w320"
check "after a restart the disk tier answers" [ "$(header X-Cache)" = disk ]
check "the disk tier returns the same bytes" cmp -s "$T/body" "$T/first.jpg"
request POST "/v1/images/$ID/purge"
check "purge answers 200" [ "$CODE" = 200 ]
request GET "/v1/images/$ID?type=w320"
check "after purge the thumbnail renders again" [ "$(header X-Cache)" = miss ]
expect_error 404 not_found POST "/v1/images/00000000000000000000000000000000/purge"

# --- coalescing: 8 concurrent identical misses -> one render
CHAIN="resize:w=1500/blur:sigma=3/format:type=png"
misses=$(metric 'pictor_cache_lookups_total{result="miss"}')
clients=()
for i in $(seq 8); do
  curl -s -m 300 -o "$T/co$i.png" -D "$T/coh$i" "$URL/v1/images/$ID/$CHAIN" &
  clients+=($!)
done
wait "${clients[@]}"
check "8 concurrent identical requests render once" [ "$(metric 'pictor_cache_lookups_total{result="miss"}')" = "$((misses + 1))" ]
check "the others waited for it ($(metric 'pictor_cache_lookups_total{result="coalesced"}') coalesced)" \
  [ "$(metric 'pictor_cache_lookups_total{result="coalesced"}')" -ge 1 ]
check "every waiter got the same image" sh -c "for i in 2 3 4 5 6 7 8; do cmp -s $T/co1.png $T/co\$i.png || exit 1; done"

# --- format=auto: negotiated from Accept, always with Vary: Accept
request GET "/v1/images/$ID?type=w320&format=auto" -H "Accept: image/avif,image/webp,*/*"
check "Accept avif -> AVIF" [ "$(header Content-Type)" = image/avif -a "$(header Vary)" = Accept ]
AVIF_ETAG=$(header ETag)
request GET "/v1/images/$ID?type=w320&format=auto" -H "Accept: image/webp,*/*"
check "Accept webp -> WebP" [ "$(header Content-Type)" = image/webp -a "$(header Vary)" = Accept -a "$(header ETag)" != "$AVIF_ETAG" ]
check "the WebP is a real 320 px WebP" [ "$(size_of "$T/body")" = 320x213 ]
request GET "/v1/images/$ID?type=w320&format=auto" -H "Accept: image/avif;q=0,image/webp"
check "q=0 refuses a format" [ "$(header Content-Type)" = image/webp ]
request GET "/v1/images/$ID?type=w320&format=auto" -H "Accept: */*"
check "no modern format accepted -> the default, still Vary" [ "$(header Content-Type)" = image/jpeg -a "$(header Vary)" = Accept ]
request GET "/v1/images/$ID?type=w320"
check "no Vary without format=auto" [ -z "$(header Vary)" ]
request GET "/v1/images/$ID/resize:w=100/format:type=png?format=auto" -H "Accept: image/avif"
check "a format in the chain wins over negotiation" [ "$(header Content-Type)" = image/png ]
expect_error 400 invalid_value GET "/v1/images/$ID?type=w320&format=bmp"
expect_error 400 unknown_parameter GET "/v1/images/$ID?type=w320&colour=red"

# --- the pyramid: thumbnails from the masters are indistinguishable from the original's.
# Measured with butteraugli (3-norm; below 1 a difference is not noticeable): the master's render
# against the original's, and each against an exact Lanczos-3 reduction of the full-resolution
# original. The master path must be no further from exact than the original path (up to a
# quarter of a just-noticeable difference, for resampling phase noise), and the two
# renders indistinguishable unless the original path is itself the less exact one (JPEG
# shrink-on-load of the original sometimes is).
PYRAMID_URL=$URL
PYRAMID_PID=$PID
PYRAMID_LOG=$LOG
PICTOR_PYRAMID_ENABLED=false start_server --data "$T/data-flat"
FLAT_URL=$URL
pnorm() { butteraugli_main "$1" "$2" 2>/dev/null | sed -n 's/^3-norm: //p'; }
echo "pyramid: butteraugli 3-norm (master vs original | master vs exact | original vs exact)" >"$T/pyramid.txt"
for photo in "$CORPUS"/photo/lomiri16__{sunset,Wine,seeding,Dragonfly}*.jpg; do
  URL=$PYRAMID_URL; request POST /v1/images --data-binary "@$photo"; pid=$(json "d['images'][0]['id']")
  URL=$FLAT_URL; request POST /v1/images --data-binary "@$photo"; fid=$(json "d['images'][0]['id']")
  check "no masters when the pyramid is off" [ "$(json "d['images'][0]['masters']")" = "[]" ]
  for chain in "resize:w=320" "resize:w=320,h=240,fit=cover" "resize:w=100,h=100,fit=cover" "resize:w=800"; do
    URL=$PYRAMID_URL; request GET "/v1/images/$pid/$chain/format:type=png"; cp "$T/body" "$T/m.png"; decoded=$(header X-Decoded)
    URL=$FLAT_URL; request GET "/v1/images/$fid/$chain/format:type=png"; cp "$T/body" "$T/o.png"
    check "$chain from the flat server decodes the original" [ "$(header X-Decoded)" = original ]
    # Which master is the planner's choice (unit-tested); here it must be one of them.
    check "$chain of $(basename "$photo") decodes a master (got $decoded)" [ "${decoded#master-}" != "$decoded" ]
    check "$chain: same size from master and original" [ "$(size_of "$T/m.png")" = "$(size_of "$T/o.png")" ]
    mutual=$(pnorm "$T/o.png" "$T/m.png")
    line="$(basename "$photo" .jpg | cut -c10-20) $chain ($decoded): $mutual"
    # The exact reference: Lanczos-3 over the whole factor from the full-resolution original,
    # then the centre crop for fit=cover.
    w=$(vipsheader -f width "$T/o.png"); h=$(vipsheader -f height "$T/o.png")
    vips autorot "$photo" "$T/full.v"
    read -r sw sh left top < <(python3 -c "
W, H, w, h = $(vipsheader -f width "$T/full.v"), $(vipsheader -f height "$T/full.v"), $w, $h
s = max(w / W, h / H) if 'cover' in '$chain' else w / W
sw, sh = (round(W * s), round(H * s)) if 'cover' in '$chain' else (w, h)
print(sw, sh, (sw - w) // 2, (sh - h) // 2)")
    vips reduce "$T/full.v" "$T/exact.v" "$(python3 -c "print($(vipsheader -f width "$T/full.v") / $sw)")" \
      "$(python3 -c "print($(vipsheader -f height "$T/full.v") / $sh)")" --kernel lanczos3
    vips crop "$T/exact.v" "$T/exact.png" "$left" "$top" "$w" "$h"
    from_master=$(pnorm "$T/exact.png" "$T/m.png"); from_original=$(pnorm "$T/exact.png" "$T/o.png")
    line+=" | $from_master | $from_original"
    check "$chain of $(basename "$photo"): the master path is as close to exact as the original path ($from_master vs $from_original)" \
      python3 -c "import sys; sys.exit(0 if $from_master <= $from_original + 0.25 else 1)"
    check "$chain of $(basename "$photo"): master and original renders are indistinguishable, or the master's is the more exact ($mutual)" \
      python3 -c "import sys; sys.exit(0 if $mutual < 1.0 or $from_master < $from_original else 1)"
    echo "  $line" >>"$T/pyramid.txt"
  done
done
cat "$T/pyramid.txt"
stop_server
URL=$PYRAMID_URL
PID=$PYRAMID_PID
LOG=$PYRAMID_LOG

# --- operations endpoints
request GET /readyz
check "ready" [ "$CODE" = 200 -a "$(json "d['status']")" = ready ]
request GET /metrics
check "metrics in Prometheus text format" sh -c "grep -q '^# TYPE pictor_requests_total counter' $T/body && grep -q '^pictor_phase_duration_seconds_count{phase=\"decode\"}' $T/body && grep -q '^pictor_queue_depth' $T/body && grep -q '^pictor_cache_bytes{tier=\"disk\"}' $T/body"
check "requests are counted by route and status" [ "$(metric 'pictor_requests_total{method="GET",route="thumbnail",status="200"}')" -ge 10 ]
request GET /v1/openapi.json
check "OpenAPI document served as it is in docs/" cmp -s "$T/body" "$SRC/docs/openapi.json"
check "OpenAPI documents every route" python3 - "$T/body" <<'PY'
import json, sys
paths = json.load(open(sys.argv[1]))["paths"]
want = {"/healthz": {"get"}, "/readyz": {"get"}, "/metrics": {"get"}, "/v1/openapi.json": {"get"},
        "/v1/images": {"get", "post"}, "/v1/images/{id}": {"get", "head", "delete"},
        "/v1/images/{id}/info": {"get"}, "/v1/images/{id}/purge": {"post"}, "/v1/images/{id}/{chain}": {"get"},
        "/v1/analyses": {"get", "post"}, "/v1/analyses/{id}": {"get", "delete"}, "/v1/analyses/{id}/redeliver": {"post"},
        "/v1/callback-secret": {"get"}}
missing = [(p, m) for p, ms in want.items() for m in ms if m not in paths.get(p, {})]
print("missing from the OpenAPI document:", missing) if missing else None
sys.exit(1 if missing else 0)
PY
check "access log is JSON with request ids" python3 -c "
import json, sys
lines = [json.loads(l) for l in open('$LOG') if l.startswith('{')]
reqs = [l for l in lines if l.get('msg') == 'request']
sys.exit(0 if reqs and all(len(l['request_id']) == 16 and 'status' in l and 'ms' in l for l in reqs) else 1)"
request GET /healthz -H "X-Request-Id: trace-me-42"
check "a client's request id is echoed" [ "$(header X-Request-Id)" = trace-me-42 ]

# --- graceful shutdown: in-flight requests finish, then the process exits 0. The request takes ~1 s: long
# enough to be caught in flight, short enough to stay under the 10 s timeout on a loaded ASan build.
curl -s -m 300 -o "$T/slow.png" -w '%{http_code}' "$URL/v1/images/$ID/resize:w=1600/rotate:deg=17/blur:sigma=3/format:type=png" >"$T/slow.code" &
slow=$!
# Wait until the slow request is really being served (the /metrics request itself is the other one in flight):
# a fixed sleep let a loaded CI machine send the signal before curl had connected, and the drain answered 503.
for _ in $(seq 1 200); do
  [ "$(metric pictor_requests_in_flight)" -ge 2 ] 2>/dev/null && break
  sleep 0.05
done
kill -TERM "$PID"
wait "$slow"
check "the in-flight request completed during the drain ($(cat "$T/slow.code") $(head -c 200 "$T/slow.png" | tr -cd "[:print:]"))" sh -c "[ \"\$(cat $T/slow.code)\" = 200 ] && [ -s $T/slow.png ]"
# Bounded: a drain that never ends fails here rather than hanging the suite.
for _ in $(seq 1 600); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$PID" 2>/dev/null && { fail "the server still runs 60 s after SIGTERM"; kill -9 "$PID"; }
wait "$PID"
rc=$?
check "the server exited cleanly after draining (rc $rc)" [ "$rc" = 0 ]
check "the drain is logged with the request still in flight" python3 -c "
import json, sys
lines = [json.loads(l) for l in open('$LOG') if l.startswith('{')]
sys.exit(0 if any(l.get('msg') == 'draining' and l['in_flight'] >= 1 for l in lines) else 1)"
check "no new connections after shutdown" sh -c "! curl -s -m 2 -o /dev/null $URL/healthz"

finish delivery
