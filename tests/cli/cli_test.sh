#!/usr/bin/env bash
# Command-line behaviour of `pictor`: exit codes, one-line errors, named types, stdin/stdout,
# batch mode with failures, config files, generated docs, and memory bounds on hostile input.
#   cli_test.sh PICTOR CORPUS_DIR SOURCE_DIR
set -uo pipefail
PICTOR=$1
CORPUS=$2
SRC=$3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
source "$(dirname "$0")/../lib/check.sh"

# Runs pictor, capturing exit code, stdout and stderr.
run() { "$PICTOR" "$@" >"$T/out" 2>"$T/err"; rc=$?; }
# Asserts an error: exit code, exactly one stderr line, and the stable code in it.
expect_error() {
  local want_rc=$1 code=$2; shift 2
  run "$@"
  local lines; lines=$(wc -l <"$T/err")
  if [ "$rc" = "$want_rc" ] && [ "$lines" = 1 ] && grep -q "^pictor: $code: " "$T/err"; then ok
  else fail "pictor $* -> rc=$rc (want $want_rc), $lines stderr lines, stderr: $(head -c 300 "$T/err")"; fi
}

PHOTO=$CORPUS/photo/lomiri16__sunset_by_Aitzol_Berasategi.jpg
SMALL=$CORPUS/photo/goexif__sample1.jpg
[ -f "$PHOTO" ] || { echo "missing corpus ($PHOTO): run bash scripts/corpus.sh test $CORPUS"; exit 1; }

# --- success paths
run convert "$PHOTO" "$T/a.webp" --cmd 'resize:w=320/format:type=webp,q=70'
check "convert to webp" [ "$rc" = 0 ]
check "webp output is 320x213 webp" [ "$(size_of "$T/a.webp")" = "320x213" ]
check "webp loader" grep -q webpload <(vipsheader "$T/a.webp")
run convert "$PHOTO" "$T/b.jpg" --type f320_240
check "named type f320_240 fits inside 320x240" [ "$(size_of "$T/b.jpg")" = "320x213" ]
run convert "$PHOTO" "$T/c.png" --type ff100_50
check "named type ff100_50 fills 100x50" [ "$(size_of "$T/c.png")" = "100x50" ]
check "output format from the extension" grep -q pngload <(vipsheader "$T/c.png")
"$PICTOR" convert - - --cmd 'resize:w=64/format:type=png' <"$SMALL" >"$T/d.png" 2>"$T/err"
check "stdin to stdout" [ "$(size_of "$T/d.png")" = "64x48" ]
cp "$T/c.png" "$T/really-a-png.jpg"
run convert "$T/really-a-png.jpg" "$T/from-png.webp" --cmd 'resize:w=50'
check "input format comes from the content, not the extension" [ "$rc" = 0 -a "$(size_of "$T/from-png.webp")" = "50x25" ]
run canon 'f320_240/format:type=jpg,q=80'
check "canon prints the canonical chain" [ "$(cat "$T/out")" = "resize:h=240,w=320/format:q=80,type=jpeg" ]
run info --json "$PHOTO"
check "info --json: digests equal md5sum/sha256sum, size and quality from independent tools" python3 - "$T/out" \
  "$(md5sum <"$PHOTO" | cut -d' ' -f1)" "$(sha256sum <"$PHOTO" | cut -d' ' -f1)" "$(identify -ping -format '%w %h %Q' "$PHOTO")" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
f = d["file"]
w, h, q = map(int, sys.argv[4].split())
ok = (f["md5"] == sys.argv[2] and f["sha256"] == sys.argv[3] and (f["width"], f["height"]) == (w, h)
      and abs(f["jpeg"]["quality"] - q) <= 2 and f["format"] == "jpeg" and d["errors"] == {})
print(f, sys.argv[2:]) if not ok else None
sys.exit(0 if ok else 1)
PY
run info --features file "$SMALL"
check "info prints key: value lines" sh -c "[ $rc = 0 ] && grep -qx 'file.width: 500' '$T/out' && grep -qx 'file.mime: image/jpeg' '$T/out'"
expect_error 2 invalid_value info --features file,nonsense "$PHOTO"
printf 'not an image' >"$T/text.txt"
expect_error 3 unsupported_format info "$T/text.txt"
# similar: PDQ distances (docs/info.md#signatures); copies made by pictor itself.
run similar "$PHOTO" "$PHOTO"
check "similar: the same file is at distance 0" [ "$rc" = 0 -a "$(cat "$T/out")" = 0 ]
run similar "$PHOTO" "$SMALL"
check "similar: different photos are far apart (> 80 of 256 bits)" sh -c "[ $rc = 0 ] && [ \$(cat '$T/out') -gt 80 ]"
"$PICTOR" convert "$PHOTO" "$T/small-q40.jpg" --cmd 'resize:w=500/format:type=jpeg,q=40' 2>/dev/null
"$PICTOR" convert "$PHOTO" "$T/mirrored.jpg" --cmd 'flop/format:type=jpeg,q=90' 2>/dev/null
run similar --json "$PHOTO" "$T/small-q40.jpg"
check "similar --json: a resized, recompressed copy matches" python3 -c "
import json; d = json.load(open('$T/out'))
assert d['match'] and d['reliable'] and d['pdq_distance'] <= d['threshold'] and d['phash_distance'] <= 8 and d['dihedral_transform'] == 'original', d"
run similar --json "$PHOTO" "$T/mirrored.jpg"
check "similar --json: a mirrored copy is far by PDQ, matched as flip_horizontal" python3 -c "
import json; d = json.load(open('$T/out'))
assert d['match'] and d['pdq_distance'] > 64 and d['dihedral_distance'] <= 8 and d['dihedral_transform'] == 'flip_horizontal', d"
expect_error 4 io_error similar "$T/missing.jpg" "$PHOTO"
expect_error 3 unsupported_format similar "$PHOTO" "$T/text.txt"
expect_error 2 usage similar "$PHOTO"
run plan "$PHOTO" --cmd w320
check "plan shows shrink-on-load 8" python3 -c "import json,sys; p=json.load(open('$T/out')); sys.exit(0 if p['load']['shrink']==8 and p['output']['width']==320 else 1)"

# --- configuration: custom named types and limits
cat >"$T/pictor.toml" <<TOML
[limits]
max_operations = 3
[types]
card = "resize:w=200,h=100,fit=cover/format:type=webp"
TOML
run --config "$T/pictor.toml" convert "$PHOTO" "$T/card.webp" --type card
check "custom type from config" [ "$(size_of "$T/card.webp")" = "200x100" ]
expect_error 2 too_many_operations --config "$T/pictor.toml" convert "$PHOTO" "$T/x.jpg" --cmd 'flip/flop/flip/flop'
printf '[limits]\nmax_framez = 3\n' >"$T/bad.toml"
expect_error 2 config_error --config "$T/bad.toml" ops
PICTOR_LIMITS_MAX_FRAME_PIXELS=1000 "$PICTOR" convert "$PHOTO" "$T/x.jpg" --type w10 2>"$T/err"
check "environment override of a limit" grep -q "^pictor: image_too_large: " "$T/err"

# --- errors: usage, chain, input, output
expect_error 2 usage
expect_error 2 usage convert "$PHOTO"
expect_error 2 unknown_operation convert "$PHOTO" "$T/x.jpg" --cmd 'rezise:w=10'
expect_error 2 unknown_parameter convert "$PHOTO" "$T/x.jpg" --cmd 'resize:wdth=10'
expect_error 2 invalid_value convert "$PHOTO" "$T/x.jpg" --cmd 'resize:w=0'
expect_error 2 invalid_chain convert "$PHOTO" "$T/x.jpg" --cmd 'resize:w=10//flip'
expect_error 2 invalid_chain convert "$PHOTO" "$T/x.jpg"
expect_error 2 invalid_chain convert "$PHOTO" "$T/x.jpg" --cmd flip --type w10
expect_error 2 unknown_type convert "$PHOTO" "$T/x.jpg" --type w0
expect_error 2 unsupported_output convert "$PHOTO" "$T/x.bmp" --cmd flip
expect_error 2 invalid_value convert "$PHOTO" "$T/x.jpg" --cmd 'flip/format:type=webp'
expect_error 4 io_error convert "$T/missing.jpg" "$T/x.jpg" --cmd flip
: >"$T/empty.jpg"
expect_error 3 empty_input convert "$T/empty.jpg" "$T/x.jpg" --cmd flip
head -c 300000 "$PHOTO" >"$T/truncated.jpg"
expect_error 3 corrupt_image convert "$T/truncated.jpg" "$T/x.jpg" --cmd w100
check "no output left behind on failure" [ ! -e "$T/x.jpg" ]
head -c 5000 /dev/urandom >"$T/random.jpg"
expect_error 3 unsupported_format convert "$T/random.jpg" "$T/x.jpg" --cmd flip
printf '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>' >"$T/image.svg"
expect_error 3 unsupported_format convert "$T/image.svg" "$T/x.png" --cmd flip
expect_error 4 timeout convert "$PHOTO" "$T/x.jpg" --cmd 'rotate:deg=45' --timeout 0.001

# --- hostile input stays within 2 GiB of address space and fails cleanly. AddressSanitizer
# reserves terabytes of address space for its shadow memory, so under it the cap is left out.
LIMIT_AS=(prlimit --as=2147483648)
[ -n "${ASAN_OPTIONS:-}" ] && LIMIT_AS=()
BOMB=$CORPUS/extra/huge-blank__gdkpixbuf-large.jpg
if [ -f "$BOMB" ]; then
  "${LIMIT_AS[@]}" "$PICTOR" convert "$BOMB" "$T/x.jpg" --type w320 >/dev/null 2>"$T/err"; rc=$?
  check "749 MP JPEG refused from its header under a 2 GiB address-space limit" \
    sh -c "[ $rc = 3 ] && grep -q '^pictor: image_too_large: 22500x33300 is 749.2 megapixels; the limit is 50.0' '$T/err'"
else
  fail "corpus lacks $BOMB"
fi
python3 - "$SMALL" "$T/sof.jpg" <<'PY'
import sys
data = bytearray(open(sys.argv[1], 'rb').read())
# Walk the marker segments from SOI (an EXIF thumbnail has SOF markers of its own).
i = 2
while i < len(data):
    marker, length = data[i + 1], int.from_bytes(data[i + 2:i + 4], 'big')
    if marker in (0xC0, 0xC1, 0xC2):
        # JPEG stores sizes in 16 bits, so 65000 is as close to 100k as a header can claim.
        data[i + 5:i + 7] = (65000).to_bytes(2, 'big')  # height
        data[i + 7:i + 9] = (65000).to_bytes(2, 'big')  # width
        break
    i += 2 + length
open(sys.argv[2], 'wb').write(data)
PY
"${LIMIT_AS[@]}" "$PICTOR" convert "$T/sof.jpg" "$T/x.jpg" --type w320 >/dev/null 2>"$T/err"; rc=$?
check "JPEG claiming 65000x65000 refused from its header" sh -c "[ $rc = 3 ] && grep -q '^pictor: image_too_large: 65000x65000' '$T/err'"

# --- batch mode: parallel, progress, summary of failures, the good files still converted
mkdir -p "$T/in"
cp "$CORPUS"/photo/*.jpg "$T/in/"
cp "$T/truncated.jpg" "$T/in/zz-truncated.jpg"
cp "$T/random.jpg" "$T/in/zz-random.jpg"
n_good=$(ls "$CORPUS"/photo/*.jpg | wc -l)
run convert "$T/in" "$T/out1" --cmd 'resize:w=160/format:type=webp' --jobs 2
check "batch exit code 3 when some inputs are bad" [ "$rc" = 3 ]
check "batch converted every good file" [ "$(ls "$T/out1" | wc -l)" = "$n_good" ]
check "batch summary counts" grep -q "converted $n_good of $((n_good + 2)) files" "$T/err"
check "batch summary names the truncated file" grep -q "zz-truncated.jpg: corrupt_image" "$T/err"
check "batch summary names the random file" grep -q "zz-random.jpg: unsupported_format" "$T/err"
# On a terminal the batch draws a progress bar that reaches the total.
script -qec "$PICTOR convert '$T/in' '$T/out-tty' --cmd w64 --jobs 2" /dev/null >"$T/tty.txt" 2>&1
check "progress bar on a terminal" grep -q "\[#*\] $((n_good + 2))/$((n_good + 2)), 2 failed" "$T/tty.txt"
run convert "$T/in" "$T/out-quiet" --cmd w64 --jobs 2
check "no progress bar when stderr is not a terminal" sh -c "! grep -q '\[#' '$T/err'"
rm "$T/in"/zz-*
run convert "$T/in" "$T/out2" --cmd 'resize:w=160/format:type=webp' --jobs 1
check "batch without failures exits 0" [ "$rc" = 0 ]
check "batch output is identical with 1 and 2 jobs" diff -r "$T/out1" "$T/out2"
for f in "$T"/out2/*.webp; do
  w=$(vipsheader -f width "$f")
  [ "$w" = 160 ] || { fail "batch output $f is $w wide"; break; }
done
ok

# --- descriptors and generated docs
run ops --json
check "ops --json is valid JSON with every operation" python3 -c "
import json; ops = json.load(open('$T/out')); names = [o['name'] for o in ops]
assert names == sorted(names) and {'resize','crop','extend','trim','rotate','flip','flop','autoorient','blur','sharpen','format'} <= set(names), names
assert all(o['doc'] and o['example'] for o in ops)"
python3 -c "import json; [print(o['example']) for o in json.load(open('$T/out'))]" >"$T/examples"
while read -r example; do
  "$PICTOR" canon "$example" >/dev/null 2>&1 || fail "ops example does not parse: $example"
  "$PICTOR" convert "$SMALL" "$T/example.png" --cmd "$example" >/dev/null 2>&1 || \
    "$PICTOR" convert "$SMALL" "$T/example" --cmd "$example" >/dev/null 2>&1 || fail "ops example does not run: $example"
done <"$T/examples"
ok
"$PICTOR" ops --markdown >"$T/operations.md"
check "docs/operations.md is up to date (make docs)" diff -u "$SRC/docs/operations.md" "$T/operations.md"

finish cli
