#!/usr/bin/env bash
# Access control on a real server: API keys for writes, the loopback-only default without keys,
# keyed reads, signed URLs (rotation, tampering, expiry) and the presets-only mode.
#   access_test.sh PICTOR CORPUS_DIR
set -uo pipefail
PICTOR=$1
CORPUS=$2
T=$(mktemp -d)
source "$(dirname "$0")/../lib/check.sh"
source "$(dirname "$0")/../lib/server.sh"

PHOTO=$CORPUS/photo/goexif__sample1.jpg

# --- no keys configured: writes only on loopback
start_server --data "$T/data"
request POST /v1/images --data-binary "@$PHOTO"
check "without keys, loopback accepts uploads" [ "$CODE" = 201 ]
ID=$(json "d['images'][0]['id']")
stop_server
OTHER_IP=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+\.' | grep -v '^127\.' | head -1)
if [ -n "$OTHER_IP" ]; then
  LISTEN=$OTHER_IP:0 start_server --data "$T/data"
  expect_error 401 unauthorized POST /v1/images --data-binary "@$PHOTO"
  expect_error 401 unauthorized DELETE "/v1/images/$ID"
  request GET "/v1/images/$ID?type=w100"
  check "reads stay public on other interfaces" [ "$CODE" = 200 ]
  stop_server
else
  echo "access: no non-loopback IPv4 address here; the non-loopback refusal is covered by the unit tests only"
fi

# --- keys: writes need one of them, on any interface
PICTOR_SERVER_API_KEYS=alpha,beta start_server --data "$T/data"
expect_error 401 unauthorized POST /v1/images --data-binary "@$PHOTO"
expect_error 401 unauthorized POST /v1/images --data-binary "@$PHOTO" -H "Authorization: Bearer gamma"
request POST /v1/images --data-binary "@$PHOTO" -H "Authorization: Bearer beta"
check "a configured key (Bearer) uploads" [ "$CODE" = 201 ]
request POST "/v1/images/$ID/purge" -H "X-Api-Key: alpha"
check "a configured key (X-Api-Key) purges" [ "$CODE" = 200 ]
expect_error 401 unauthorized POST "/v1/images/$ID/purge"
request GET "/v1/images/$ID?type=w100"
check "reads are public by default" [ "$CODE" = 200 ]
"$PICTOR" upload "$CORPUS/photo/lomiri16__life_by_Aitzol_Berasategi.jpg" --server "$URL" -q 2>"$T/err"; rc=$?
check "pictor upload without a key fails with unauthorized" sh -c "[ $rc = 2 ] && grep -q unauthorized $T/err"
PICTOR_API_KEY=alpha "$PICTOR" upload "$CORPUS/photo/lomiri16__life_by_Aitzol_Berasategi.jpg" --server "$URL" -q >/dev/null 2>&1
check "pictor upload with \$PICTOR_API_KEY" [ $? = 0 ]
stop_server
PICTOR_SERVER_API_KEYS=alpha PICTOR_SERVER_PUBLIC_READS=false start_server --data "$T/data"
expect_error 401 unauthorized GET "/v1/images/$ID?type=w100"
expect_error 401 unauthorized GET "/v1/images"
request GET "/v1/images/$ID?type=w100" -H "Authorization: Bearer alpha"
check "keyed reads with a key" [ "$CODE" = 200 -a "$(header Cache-Control)" = "private, max-age=31536000, immutable" ]
stop_server

# --- signed URLs: required; rotation; tampering; expiry
export PICTOR_SERVER_REQUIRE_SIGNATURE=true
PICTOR_SERVER_SIGNING_KEYS=new-key,old-key start_server --data "$T/data"
expect_error 403 invalid_signature GET "/v1/images/$ID?type=w100"
SIGNED=$(PICTOR_SERVER_SIGNING_KEYS=new-key "$PICTOR" sign "/v1/images/$ID?type=w100")
request GET "$SIGNED"
check "a URL signed with the current key is served" [ "$CODE" = 200 -a "$(size_of "$T/body")" = 100x75 ]
OLD=$(PICTOR_SERVER_SIGNING_KEYS=old-key "$PICTOR" sign "/v1/images/$ID/resize:w=50")
request GET "$OLD"
check "a URL signed with the previous key still works (rotation)" [ "$CODE" = 200 ]
expect_error 403 invalid_signature GET "$(PICTOR_SERVER_SIGNING_KEYS=stolen "$PICTOR" sign "/v1/images/$ID?type=w100")"
expect_error 403 invalid_signature GET "${SIGNED/w100/w900}"
EXPIRING=$(PICTOR_SERVER_SIGNING_KEYS=new-key "$PICTOR" sign --expires-in 2 "/v1/images/$ID?type=w120")
request GET "$EXPIRING"
check "an expiring URL works before its time" [ "$CODE" = 200 ]
sleep 3
expect_error 403 signature_expired GET "$EXPIRING"
PICTOR_SERVER_SIGNING_KEYS= "$PICTOR" sign /v1/images/x 2>"$T/err"
check "pictor sign without keys: exit 2 and one line on stderr" sh -c "[ $? = 2 ] && [ \$(wc -l <$T/err) = 1 ]"
stop_server
unset PICTOR_SERVER_REQUIRE_SIGNATURE

# --- presets only: named types from the config; anything else needs a signature
cat >"$T/presets.toml" <<'TOML'
[types]
card = "resize:w=300,h=200,fit=cover/format:type=webp"
TOML
export PICTOR_SERVER_SIGNING_KEYS=k
CONFIG=$T/presets.toml PICTOR_SERVER_PRESETS_ONLY=true start_server --data "$T/data"
request GET "/v1/images/$ID?type=card"
check "a configured type is served" [ "$CODE" = 200 -a "$(header Content-Type)" = image/webp ]
expect_error 403 presets_only GET "/v1/images/$ID?type=w100"
expect_error 403 presets_only GET "/v1/images/$ID/resize:w=4000,enlarge=true"
request GET "$("$PICTOR" sign "/v1/images/$ID/resize:w=60")"
check "a signed chain is allowed in presets-only mode" [ "$CODE" = 200 -a "$(size_of "$T/body")" = 60x45 ]
request GET "/v1/images/$ID"
check "originals are not presets (still served)" [ "$CODE" = 200 ]
stop_server

finish access
