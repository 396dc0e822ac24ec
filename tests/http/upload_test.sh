#!/usr/bin/env bash
# Uploads over HTTP on a real server: multipart multi-file with metadata fields and per-file
# errors, malformed multipart, dedupe with reference-counted deletes, and the paged list.
#   upload_test.sh PICTOR CORPUS_DIR
set -uo pipefail
PICTOR=$1
CORPUS=$2
T=$(mktemp -d)
source "$(dirname "$0")/../lib/check.sh"
source "$(dirname "$0")/../lib/server.sh"

PHOTO=$CORPUS/photo/lomiri16__sunset_by_Aitzol_Berasategi.jpg
EXIF=$CORPUS/photo/goexif__sample1.jpg       # DateTimeOriginal 2003:11:23 18:07:37
PNG=$CORPUS/extra/png-alpha-derived__Dragonfly.png
start_server --data "$T/data"
originals() { find "$T/data/blobs/originals" -type f | wc -l; }

# --- multipart: two images and a file that is not one, with fields
head -c 3000 /dev/urandom >"$T/notes.txt"
request POST /v1/images -F "file=@$EXIF" -F "file=@$T/notes.txt" -F "file=@$PNG;filename=renamed.jpg" \
  -F "title=Holiday" -F "tags=beach, family" -F "tags=2024"
check "multi-upload answers 201 ($CODE)" [ "$CODE" = 201 ]
check "two images stored" [ "$(json "len(d['images'])")" = 2 ]
check "the bad file is reported by index and name" [ "$(json "[(e['index'], e['filename'], e['error']['code']) for e in d['errors']]")" = "[(1, 'notes.txt', 'unsupported_format')]" ]
check "content is sniffed, not the name" [ "$(json "d['images'][1]['format']")" = png ]
check "fields apply to every file" [ "$(json "[(i['title'], i['tags']) for i in d['images']]")" = "[('Holiday', ['beach', 'family', '2024']), ('Holiday', ['beach', 'family', '2024'])]" ]
EXIF_ID=$(json "d['images'][0]['id']")
PNG_ID=$(json "d['images'][1]['id']")
check "taken_at comes from EXIF DateTimeOriginal" [ "$(json "d['images'][0]['taken_at']")" = "$(python3 -c 'import calendar; print(calendar.timegm((2003,11,23,18,7,37)))')" ]
check "no capture time without EXIF" [ "$(json "d['images'][1]['taken_at']")" = None ]
request GET "/v1/images/$PNG_ID"
check "multipart file stored byte-identical" cmp -s "$T/body" "$PNG"

# taken_at given by the uploader wins over EXIF; raw uploads take fields in the query.
request POST "/v1/images?taken_at=2020-02-29T12:00:00%2B01:00&caption=first%20line&tags=raw" --data-binary "@$EXIF"
check "raw upload with query fields" [ "$CODE" = 201 -a "$(json "d['images'][0]['taken_at']")" = 1582974000 -a "$(json "d['images'][0]['caption']")" = "first line" ]
EXIF2_ID=$(json "d['images'][0]['id']")

# --- bad multipart and bad fields: clear 4xx, nothing stored, still serving
before=$(originals)
expect_error 400 malformed_multipart POST /v1/images -H "Content-Type: multipart/form-data" --data-binary "x"
printf -- '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\nabc' >"$T/truncated.mp"
expect_error 400 malformed_multipart POST /v1/images -H "Content-Type: multipart/form-data; boundary=XyZ" --data-binary "@$T/truncated.mp"
expect_error 400 malformed_multipart POST /v1/images -F "title=only fields"
expect_error 400 unknown_parameter POST /v1/images -F "file=@$EXIF" -F "colour=red"
expect_error 400 invalid_value POST /v1/images -F "file=@$EXIF" -F "taken_at=last tuesday"
expect_error 400 invalid_value POST "/v1/images?tags=$(python3 -c 'print("x"*65)')" --data-binary "@$EXIF"
# Regression: fields that are not UTF-8 were stored as given and came back mangled in JSON.
expect_error 400 invalid_value POST "/v1/images?title=Caf%E9" --data-binary "@$EXIF"
expect_error 400 invalid_value POST /v1/images -F "file=@$EXIF" -F "tags=ok,$(printf 'bad\xff')"
request POST "/v1/images?title=Caf%C3%A9" --data-binary "@$EXIF"
check "a UTF-8 title is accepted and returned as is" [ "$CODE" = 201 -a "$(json "d['images'][0]['title']")" = "Café" ]
request DELETE "/v1/images/$(json "d['images'][0]['id']")"  # the listing checks below count images
# Every file failing: the first error's status, with each file's error.
expect_error 415 unsupported_format POST /v1/images -F "file=@$T/notes.txt" -F "file=@$T/notes.txt"
check "each failed file is listed" [ "$(json "len(d['errors'])")" = 2 ]
# Regression: a file name that is not UTF-8 made the JSON answer throw (500).
expect_error 415 unsupported_format POST /v1/images -F "file=@$T/notes.txt;filename=$(printf 'bad\xff.jpg')"
check "a non-UTF-8 file name is reported, replaced" [ "$(json "d['errors'][0]['filename']")" = "bad�.jpg" ]
check "nothing stored by refused uploads" [ "$(originals)" = "$before" ]
# A browser sends a file input left blank as an empty part named "": it is not a file.
printf -- '--XyZ\r\nContent-Disposition: form-data; name="file"; filename=""\r\nContent-Type: application/octet-stream\r\n\r\n\r\n--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n' >"$T/blank.mp"
cat "$EXIF" >>"$T/blank.mp"
printf -- '\r\n--XyZ--\r\n' >>"$T/blank.mp"
request POST /v1/images -H "Content-Type: multipart/form-data; boundary=XyZ" --data-binary "@$T/blank.mp"
check "a blank file input is skipped" [ "$CODE" = 201 -a "$(json "(len(d['images']), len(d['errors']))")" = "(1, 0)" ]
request DELETE "/v1/images/$(json "d['images'][0]['id']")"
before=$(originals)
check "no temporary files left" [ -z "$(ls "$T/data/blobs/tmp")" ]

# --- dedupe: same bytes twice -> two ids, one stored original; deletes count references
request POST /v1/images --data-binary "@$PHOTO"
A=$(json "d['images'][0]['id']")
check "a large photo gets pyramid masters, sized by the shorter edge" [ "$(json "[(m['format'], min(m['width'], m['height'])) for m in d['images'][0]['masters']]")" = "[('jpeg', 1536), ('jpeg', 512)]" ]
count=$(originals)
request POST /v1/images --data-binary "@$PHOTO"
B=$(json "d['images'][0]['id']")
check "identical bytes get a new id" [ "$A" != "$B" ]
check "identical bytes are stored once (original and masters)" [ "$(originals)" = "$count" ]
request GET "/v1/images/$A?type=w320"
request DELETE "/v1/images/$A"
check "delete answers 200 with the record" [ "$CODE" = 200 -a "$(json "d['deleted']['id']")" = "$A" ]
expect_error 404 not_found GET "/v1/images/$A"
expect_error 404 not_found GET "/v1/images/$A?type=w320"
expect_error 404 not_found DELETE "/v1/images/$A"
request GET "/v1/images/$B"
check "the other record still serves the shared bytes" cmp -s "$T/body" "$PHOTO"
check "shared bytes stay while referenced" [ "$(originals)" = "$count" ]
request DELETE "/v1/images/$B"
check "the last reference removes the original and its masters" [ "$(originals)" = "$((count - 3))" ]
check "no cache entries left for deleted images" [ -z "$(ls "$T/data/cache/${A:0:2}/$A" 2>/dev/null)" ]

# --- list: newest first, filters, pages
request GET "/v1/images?tag=family"
check "filter by tag" [ "$(json "sorted(i['id'] for i in d['images'])")" = "$(python3 -c "print(sorted(['$EXIF_ID', '$PNG_ID']))")" ]
request GET "/v1/images?sha256=$(sha256sum <"$EXIF" | cut -c1-64)"
check "filter by sha256 (how uploaders skip stored files)" [ "$(json "sorted(i['id'] for i in d['images'])")" = "$(python3 -c "print(sorted(['$EXIF_ID', '$EXIF2_ID']))")" ]
request GET "/v1/images?from=2003-11-23T00:00:00Z&to=2003-11-24T00:00:00Z"
check "filter by time" [ "$(json "[i['id'] for i in d['images']]")" = "['$EXIF_ID']" ]
ids=()
cursor=""
for page in 1 2 3 4; do
  request GET "/v1/images?limit=1${cursor:+&cursor=$cursor}"
  ids+=("$(json "','.join(i['id'] for i in d['images'])")")
  cursor=$(json "d['next_cursor'] or ''")
  [ -n "$cursor" ] || break
done
check "pages of one walk every image once (${#ids[@]} pages)" [ "$(printf '%s\n' "${ids[@]}" | sort -u | wc -l)" = 3 -a -z "$cursor" ]
check "newest first: uploaded now, taken 2020, taken 2003" [ "${ids[*]}" = "$PNG_ID $EXIF2_ID $EXIF_ID" ]
expect_error 400 invalid_value GET "/v1/images?cursor=garbage"
expect_error 400 invalid_value GET "/v1/images?limit=0"
expect_error 400 unknown_parameter GET "/v1/images?colour=red"

# --- pictor upload: parallel, resumable by hash, a summary of failures
mkdir -p "$T/batch/sub" "$T/batch/.hidden"
cp "$CORPUS"/photo/lomiri16__{life,free,Bridge}*.jpg "$T/batch/"
cp "$EXIF" "$T/batch/sub/"          # already stored above: skipped
cp "$PNG" "$T/batch/.hidden/"       # hidden: not uploaded
cp "$T/notes.txt" "$T/batch/sub/notes.jpg"
"$PICTOR" upload "$T/batch" --server "$URL" --jobs 3 --tags batch >"$T/up.out" 2>"$T/up.err"; rc=$?
check "upload exits with the failure's code (rc $rc)" [ "$rc" = 3 ]
check "upload summary" grep -q "^uploaded 3, skipped 1 already stored, failed 1 of 5 files" "$T/up.err"
check "the failure is listed with its code" grep -q "notes.jpg: unsupported_format" "$T/up.err"
check "one id per stored file on stdout" [ "$(wc -l <"$T/up.out")" = 4 ]
check "the skipped file maps to its existing id" grep -q "^$EXIF_ID	.*sub/goexif__sample1.jpg\|^$EXIF2_ID	.*sub/goexif__sample1.jpg" "$T/up.out"
request GET "/v1/images?tag=batch"
check "the uploads are stored with the tag" [ "$(json "len(d['images'])")" = 3 ]
rm "$T/batch/sub/notes.jpg"
"$PICTOR" upload "$T/batch" --server "$URL" -q >"$T/up2.out" 2>"$T/up2.err"; rc=$?
check "a second run skips everything (resumable)" sh -c "[ $rc = 0 ] && grep -q '^uploaded 0, skipped 4 already stored, failed 0 of 4' $T/up2.err"
check "the second run reports the same ids" sh -c "sort $T/up2.out >$T/a; grep -v notes $T/up.out | sort >$T/b; cmp -s $T/a $T/b"
"$PICTOR" upload "$T/missing-dir" --server "$URL" 2>"$T/up3.err"; rc=$?
check "a missing path: exit != 0 and one line" sh -c "[ $rc != 0 ] && [ \$(wc -l <$T/up3.err) = 1 ]"
"$PICTOR" upload "$EXIF" --server http://127.0.0.1:1 2>"$T/up4.err"; rc=$?
check "an unreachable server is a listed failure (rc $rc)" sh -c "[ $rc = 4 ] && grep -q 'io_error' $T/up4.err"

request GET "/v1/images/$EXIF_ID/info"
check "info route returns the record" [ "$CODE" = 200 -a "$(json "d['title']")" = Holiday ]
check "info route runs the extractors on the original" python3 -c "
import json, sys
d = json.load(open('$T/body'))
f = d['file']
sys.exit(0 if f['sha256'] == d['sha256'] and f['md5'] == '$(md5sum <"$EXIF" | cut -d' ' -f1)' and f['format'] == 'jpeg'
         and 1 <= f['jpeg']['quality'] <= 100 and d['errors'] == {} else 1)"
request GET "/v1/images/$EXIF_ID/info?features=file"
check "info route takes a feature list" [ "$CODE" = 200 -a "$(json "d['file']['bytes']")" = "$(stat -c %s "$EXIF")" ]
expect_error 400 invalid_value GET "/v1/images/$EXIF_ID/info?features=file,nonsense"
expect_error 400 invalid_value GET "/v1/images/$EXIF_ID/info?raw=maybe"

# --- info is computed once per original and stored: served from the index even with the original gone
TAGGED=$CORPUS/metadata/iptc-xmp-derived__Bridge.jpg
request POST /v1/images --data-binary "@$TAGGED"
TAGGED_ID=$(json "d['images'][0]['id']")
TAGGED_SHA=$(sha256sum <"$TAGGED" | cut -d' ' -f1)
request GET "/v1/images/$TAGGED_ID/info"
cp "$T/body" "$T/info1.json"
check "info carries IPTC and XMP" python3 -c "
import json, sys
d = json.load(open('$T/info1.json'))
sys.exit(0 if d['iptc']['keywords'] == ['bridge', 'river', 'Zürich'] and d['xmp']['rating'] == 4
         and d['iptc']['caption'].startswith('Brücke') and 'raw' not in d['exif'] else 1)"
stored=$(sqlite3 "$T/data/pictor.db" "SELECT COUNT(*) FROM image_features WHERE sha256 = '$TAGGED_SHA'")
features=$("$PICTOR" info "$TAGGED" --json | python3 -c "import json, sys; print(len(json.load(sys.stdin)) - 1)")
check "every extractor's answer is stored ($stored rows, $features extractors)" [ "$stored" = "$features" ]
mv "$T/data/blobs/originals/${TAGGED_SHA:0:2}/$TAGGED_SHA" "$T/tagged.orig"
request GET "/v1/images/$TAGGED_ID/info"
check "with the original gone, info is answered from the stored results, unchanged" python3 -c "
import json, sys
a, b = json.load(open('$T/info1.json')), json.load(open('$T/body'))
sys.exit(0 if a == b else 1)"
request GET "/v1/images/$TAGGED_ID/info?raw=true"
check "raw tag lists are not stored: they need the original (status $CODE)" [ "$CODE" -ge 400 ]
mv "$T/tagged.orig" "$T/data/blobs/originals/${TAGGED_SHA:0:2}/$TAGGED_SHA"
request GET "/v1/images/$TAGGED_ID/info?raw=true&features=iptc"
check "raw=true adds the tag list" python3 -c "
import json, sys
d = json.load(open('$T/body'))
sys.exit(0 if d['iptc']['raw']['Iptc.Application2.City'] == 'Utrecht' and 'xmp' not in d else 1)"
request DELETE "/v1/images/$TAGGED_ID"
check "deleting the last record forgets the stored results" \
  [ "$(sqlite3 "$T/data/pictor.db" "SELECT COUNT(*) FROM image_features WHERE sha256 = '$TAGGED_SHA'")" = 0 ]
request GET /healthz
check "still serving" [ "$CODE" = 200 ]

finish upload
