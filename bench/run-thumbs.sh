#!/usr/bin/env bash
# Side-by-side thumbnail benchmark: Pictor's in-process batch against vipsthumbnail (one batch
# process per worker), sharp (one Node process), ImageMagick, GraphicsMagick and the libjpeg-turbo
# decode floor (djpeg -scale 1/8), on the JPEGs of the bench corpus, for 320-px-wide JPEG q80 and
# WebP q80 thumbnails, with 1 and 2 workers.
#
#   bash bench/run-thumbs.sh CORPUS_DIR [OUT_DIR]        (ROUNDS=3, PICTOR=build/release/pictor)
#
# Each (tool, format, workers) batch is timed as a whole by GNU time: wall seconds, user+sys CPU
# seconds of the process and its children, and the peak RSS of the largest single process.
# Rounds are interleaved with the tool order rotated; tables give medians, and the ratios to
# Pictor are computed within each round before taking the median, which cancels machine drift.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
CORPUS=$(cd "${1:?usage: run-thumbs.sh CORPUS_DIR [OUT_DIR]}" && pwd)
OUT=${2:-$HERE/out/thumbs}
ROUNDS=${ROUNDS:-3}
PICTOR=${PICTOR:-$ROOT/build/release/pictor}
IM=convert-im6.q16
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
FILES=("$CORPUS"/jpeg/*.jpg)
N=${#FILES[@]}
[ "$N" -gt 0 ] || { echo "no JPEGs in $CORPUS/jpeg (bash scripts/corpus.sh bench $CORPUS)" >&2; exit 1; }
RAW=$OUT/raw.tsv
printf 'round\ttool\tformat\tworkers\twall_s\tcpu_s\tmaxrss_kb\tout_bytes\tfailures\n' >"$RAW"

available() {
  case $1 in
    pictor) [ -x "$PICTOR" ] ;;
    vipsthumbnail) command -v vipsthumbnail >/dev/null ;;
    sharp) [ -e "$HERE/.node/node_modules/sharp/package.json" ] ;;
    im) command -v $IM >/dev/null ;;
    gm) command -v gm >/dev/null ;;
    djpeg) command -v djpeg >/dev/null ;;
  esac
}

# Splits the file list into W lists, file i going to list i mod W.
split_lists() {
  local w=$1 i=0
  rm -f "$OUT"/list.*
  for f in "${FILES[@]}"; do echo "$f" >>"$OUT/list.$((i % w))"; i=$((i + 1)); done
}

# Runs one batch; prints "wall cpu maxrss" from GNU time.
run_batch() {
  local tool=$1 fmt=$2 w=$3 dir=$4
  local timing=$OUT/time.txt
  case $tool in
    pictor)
      mkdir -p "$dir/in"; for f in "${FILES[@]}"; do ln -sf "$f" "$dir/in/"; done
      /usr/bin/time -f '%e %U %S %M' -o "$timing" "$PICTOR" convert "$dir/in" "$dir" --quiet \
        --cmd "resize:w=320/format:type=$fmt,q=80" --jobs "$w" 2>>"$OUT/errors.log" || true
      rm -rf "$dir/in" ;;
    vipsthumbnail)
      split_lists "$w"
      /usr/bin/time -f '%e %U %S %M' -o "$timing" sh -c "
        for l in '$OUT'/list.*; do xargs vipsthumbnail -s 320x -o '$dir/%s.$fmt[Q=80,strip]' <\"\$l\" & done; wait" \
        2>>"$OUT/errors.log" || true ;;
    sharp)
      /usr/bin/time -f '%e %U %S %M' -o "$timing" node "$HERE/sharp-batch.js" "$fmt" "$w" "$dir" "${FILES[@]}" \
        2>>"$OUT/errors.log" || true ;;
    im)
      printf '%s\n' "${FILES[@]}" | /usr/bin/time -f '%e %U %S %M' -o "$timing" xargs -P "$w" -I{} sh -c \
        "OMP_NUM_THREADS=1 $IM '{}' -auto-orient -thumbnail 320x -quality 80 '$dir/'\$(basename '{}' .jpg).$fmt" \
        2>>"$OUT/errors.log" || true ;;
    gm)
      printf '%s\n' "${FILES[@]}" | /usr/bin/time -f '%e %U %S %M' -o "$timing" xargs -P "$w" -I{} sh -c \
        "OMP_NUM_THREADS=1 gm convert -size 640x640 '{}' -auto-orient -thumbnail 320x -quality 80 +profile '*' '$dir/'\$(basename '{}' .jpg).$fmt" \
        2>>"$OUT/errors.log" || true ;;
    djpeg)
      printf '%s\n' "${FILES[@]}" | /usr/bin/time -f '%e %U %S %M' -o "$timing" xargs -P "$w" -I{} \
        djpeg -scale 1/8 -outfile /dev/null '{}' 2>>"$OUT/errors.log" || true ;;
  esac
  tail -1 "$timing" | awk '{printf "%s %.3f %s\n", $1, $2 + $3, $4}'
}

TOOLS=(pictor vipsthumbnail sharp im gm djpeg)
for t in "${TOOLS[@]}"; do available "$t" || echo "run-thumbs: $t not available, skipped" >&2; done
for round in $(seq 1 "$ROUNDS"); do
  # Rotate the order so no tool always runs first (cold caches) or last.
  k=$(( (round - 1) % ${#TOOLS[@]} ))
  order=("${TOOLS[@]:$k}" "${TOOLS[@]:0:$k}")
  for w in 1 2; do
    for fmt in jpg webp; do
      for tool in "${order[@]}"; do
        available "$tool" || continue
        [ "$tool" = djpeg ] && [ "$fmt" = webp ] && continue
        dir=$OUT/work/$tool-$fmt-$w
        rm -rf "$dir"; mkdir -p "$dir"
        read -r wall cpu rss < <(run_batch "$tool" "$fmt" "$w" "$dir")
        produced=$(find "$dir" -type f -name "*.$fmt" | wc -l)
        bytes=$(find "$dir" -type f -name "*.$fmt" -printf '%s\n' | awk '{s+=$1} END {print s+0}')
        failures=$([ "$tool" = djpeg ] && echo 0 || echo $((N - produced)))
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$tool" "$fmt" "$w" "$wall" "$cpu" "$rss" "$bytes" "$failures" >>"$RAW"
        echo "round $round: $tool $fmt x$w: ${wall}s wall, ${cpu}s cpu, ${rss} KB, $produced/$N outputs" >&2
      done
    done
  done
done
rm -rf "$OUT/work" "$OUT"/list.* "$OUT/time.txt"

python3 - "$RAW" "$N" "$ROUNDS" >"$OUT/results.md" <<'PY'
import csv, statistics, sys
raw, n, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = list(csv.DictReader(open(raw), delimiter='\t'))
def med(xs): return statistics.median(xs) if xs else float('nan')
key = lambda r: (r['tool'], r['format'], r['workers'])
groups = {}
for r in rows: groups.setdefault(key(r), []).append(r)
names = {'pictor': 'Pictor (in-process batch)', 'vipsthumbnail': 'vipsthumbnail, one batch process per worker',
         'sharp': 'sharp 0.35 (one Node process)', 'im': 'ImageMagick 6 `convert -thumbnail`, per file',
         'gm': 'GraphicsMagick `-size` hint, per file', 'djpeg': 'floor: `djpeg -scale 1/8` decode only, per file'}
print(f"{n} JPEGs, 320 px wide, q80; median of {rounds} interleaved rounds. "
      "Ratio = Pictor img/s ÷ tool img/s in the same round (> 1: Pictor is faster).\n")
for fmt, label in (('jpg', 'JPEG → JPEG 320w q80'), ('webp', 'JPEG → WebP 320w q80')):
    print(f"### {label}\n")
    print("| tool | workers | img/s | CPU ms/img | peak RSS MB | mean out KB | failures | Pictor ÷ tool |")
    print("|---|---|---|---|---|---|---|---|")
    for w in ('1', '2'):
        for tool in names:
            g = groups.get((tool, fmt, w))
            if not g: continue
            ips = med([n / float(r['wall_s']) for r in g])
            cpu = med([1000 * float(r['cpu_s']) / n for r in g])
            rss = med([int(r['maxrss_kb']) / 1024 for r in g])
            kb = med([int(r['out_bytes']) / 1024 / n for r in g]) if tool != 'djpeg' else float('nan')
            fails = max(int(r['failures']) for r in g)
            ratios = []
            for r in g:
                p = [x for x in groups.get(('pictor', fmt, w), []) if x['round'] == r['round']]
                if p: ratios.append(float(r['wall_s']) / float(p[0]['wall_s']))
            ratio = f"{med(ratios):.2f}" if ratios and tool != 'pictor' else '–'
            kbs = '–' if kb != kb else f"{kb:.1f}"
            print(f"| {names[tool]} | {w} | {ips:.1f} | {cpu:.0f} | {rss:.0f} | {kbs} | {fails} | {ratio} |")
    print()
PY
cat "$OUT/results.md"
