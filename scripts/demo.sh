#!/usr/bin/env bash
# The demo `make run` starts until `pictor serve` exists: thumbnails of the test corpus for
# every built-in named type, written to OUT.
set -euo pipefail
PICTOR=${1:?usage: demo.sh PICTOR CORPUS OUT}
CORPUS=${2:?}
OUT=${3:?}
mkdir -p "$OUT"
"$PICTOR" --help | head -1
echo "Operations: $("$PICTOR" ops --json | grep -c '"name"') registered (pictor ops lists them)"
for type in w320 h240 f320_240 ff320_240 s160; do
  "$PICTOR" convert "$CORPUS/photo" "$OUT/$type" --type "$type" --quiet
done
"$PICTOR" convert "$CORPUS/photo" "$OUT/webp" --cmd 'resize:w=480,h=320,fit=cover,gravity=attention/sharpen/format:type=webp,q=75' --quiet
echo
echo "Thumbnails written under $OUT/ (one folder per named type, plus webp/ with a compound chain)."
echo "Try: $PICTOR convert IN.jpg OUT.webp --cmd 'resize:w=320,h=240,fit=cover/format:type=webp'"
