#!/usr/bin/env bash
# The HTTP benchmark of issue 3, side by side in one run with wrk on loopback:
#   (a) cache hits: `pictor serve` vs nginx serving the same thumbnail bytes as a static file
#   (b) cache misses (caches off) decoding the pyramid vs decoding the original
#   (c) cache misses vs a sharp-based HTTP server (bench/sharp-server.js) thumbnailing originals
#   (d) upload throughput with `pictor upload` (pyramid work included)
# Peak RSS of each server. Writes the tables between the http markers of bench/RESULTS.md.
#   run-http.sh CORPUS_DIR [PICTOR]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CORPUS=$1
PICTOR=${2:-$HERE/../build/release/pictor}
CONNS=${CONNS:-64}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
T=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 0.3; rm -rf "$T"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 200); do curl -s -o /dev/null "$1" && return 0; sleep 0.05; done; echo "no answer from $1" >&2; exit 1; }
rss_mb() { awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

# start_pictor NAME [ENV=VALUE...]: a release server with its own data directory; sets URL, PID.
start_pictor() {
  local name=$1; shift
  env PICTOR_SERVER_QUEUE=1024 PICTOR_SERVER_LOG_FORMAT=off "$@" \
    "$PICTOR" serve --listen 127.0.0.1:0 --data "$T/$name" >"$T/$name.log" 2>&1 &
  PID=$!; PIDS+=("$PID")
  for _ in $(seq 200); do URL=$(grep -o 'http://[0-9.:]*' "$T/$name.log" 2>/dev/null) && [ -n "$URL" ] && return; sleep 0.05; done
  echo "pictor did not start: $(cat "$T/$name.log")" >&2; exit 1
}
# run_wrk URL_BASE [wrk args]: prints "req/s p50_ms p99_ms non2xx"
run_wrk() {
  local base=$1; shift
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@" "$base" >"$T/wrk.out" 2>&1
  python3 - "$T/wrk.out" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(label):
    m = re.search(r"^\s+%s\s+([\d.]+)(us|ms|s)\s*$" % label, text, re.M)
    if not m: return float("nan")
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
errors = re.search(r"Socket errors: .*", text)
print(f"{rps:.1f} {ms('50%'):.2f} {ms('99%'):.2f} {int(bad.group(1)) if bad else 0}{' ' + errors.group(0).replace(' ', '_') if errors else ''}")
PY
}

JPEGS=$CORPUS/jpeg  # scripts/corpus.sh bench puts the large photos there
mapfile -t FILES < <(find "$JPEGS" -maxdepth 1 -type f -name '*.jpg' | sort)
[ ${#FILES[@]} -gt 0 ] || { echo "no JPEGs in $JPEGS" >&2; exit 1; }
CORES=$(nproc)
echo "http bench: ${#FILES[@]} JPEGs, wrk -t$THREADS -c$CONNS -d$DURATION, $CORES cores"

# --- (d) uploads of ~2 MB JPEGs (a phone photo's size), pyramid masters included. They are made
# from the corpus photos scaled to fit 4000x3000 (12 MP), at the JPEG quality that lands nearest 2 MB.
UPLOADS=${UPLOADS:-24}
mkdir -p "$T/2mb"
mapfile -t LARGEST < <(for f in "${FILES[@]}"; do
  echo "$(( $(vipsheader -f width "$f") * $(vipsheader -f height "$f") )) $f"; done | sort -rn | head -"$UPLOADS" | cut -d' ' -f2-)
for f in "${LARGEST[@]}"; do
  out=$T/2mb/$(basename "$f")
  vips thumbnail "$f" "$T/2mb/base.v" 4000 --height 3000 --size both
  lo=60 hi=98
  while [ $((hi - lo)) -gt 2 ]; do  # bisect the quality for 2 MB
    q=$(((lo + hi) / 2)); vips copy "$T/2mb/base.v" "$out[Q=$q,strip]"
    if [ "$(stat -c %s "$out")" -gt 2000000 ]; then hi=$q; else lo=$q; fi
  done
  vips copy "$T/2mb/base.v" "$out[Q=$lo,strip]"
done
rm -f "$T/2mb/base.v"
UPLOAD_FILES=("$T"/2mb/*.jpg)
start_pictor uploads
UPLOADS_PID=$PID
bytes=$(cat "${UPLOAD_FILES[@]}" | wc -c)
start_s=$(date +%s.%N)
"$PICTOR" upload "${UPLOAD_FILES[@]}" --server "$URL" --jobs $((CORES * 2)) -q >"$T/upload-ids.txt" 2>"$T/upload.err"
upload_s=$(python3 -c "print($(date +%s.%N) - $start_s)")
uploaded=$(wc -l <"$T/upload-ids.txt")
UPLOAD_LINE=$(python3 -c "print(f'| {$uploaded} | {$bytes / $uploaded / 1e6:.2f} | {$upload_s:.1f} | {$uploaded / $upload_s:.1f} | {$bytes / 1e6 / $upload_s:.1f} | $(rss_mb "$UPLOADS_PID") |')")
echo "uploads: $UPLOAD_LINE"
kill "$UPLOADS_PID"

start_pictor pyramid PICTOR_CACHE_MEMORY_MB=0 PICTOR_CACHE_DISK_MB=0
PYRAMID_URL=$URL; PYRAMID_PID=$PID
"$PICTOR" upload "${FILES[@]}" --server "$PYRAMID_URL" --jobs "$CORES" -q >"$T/ids.txt" 2>/dev/null

start_pictor flat PICTOR_CACHE_MEMORY_MB=0 PICTOR_CACHE_DISK_MB=0 PICTOR_PYRAMID_ENABLED=false
FLAT_URL=$URL; FLAT_PID=$PID
"$PICTOR" upload "${FILES[@]}" --server "$FLAT_URL" --jobs "$CORES" -q >"$T/flat-ids.txt" 2>/dev/null

# --- (b) and (c): misses over every image in turn
cut -f1 "$T/ids.txt" | sed 's|^|/v1/images/|; s|$|?type=w320|' >"$T/pyramid.paths"
cut -f1 "$T/flat-ids.txt" | sed 's|^|/v1/images/|; s|$|?type=w320|' >"$T/flat.paths"
for f in "${FILES[@]}"; do echo "/thumb/$(basename "$f")?w=320"; done >"$T/sharp.paths"
SHARP_PORT=$(free_port)
UV_THREADPOOL_SIZE=$CORES node "$HERE/sharp-server.js" "$SHARP_PORT" "$JPEGS" >"$T/sharp.log" 2>&1 &
SHARP_PID=$!; PIDS+=("$SHARP_PID")
wait_http "http://127.0.0.1:$SHARP_PORT/thumb/$(basename "${FILES[0]}")"

declare -A R
ROUNDS=${ROUNDS:-3}
for round in $(seq "$ROUNDS"); do  # interleaved rounds: ratios are taken within a round
  R[pyramid$round]=$(PATHS=$T/pyramid.paths run_wrk "$PYRAMID_URL" -s "$HERE/rotate.lua")
  R[flat$round]=$(PATHS=$T/flat.paths run_wrk "$FLAT_URL" -s "$HERE/rotate.lua")
  R[sharp$round]=$(PATHS=$T/sharp.paths run_wrk "http://127.0.0.1:$SHARP_PORT" -s "$HERE/rotate.lua")
  echo "misses round $round: pyramid ${R[pyramid$round]} | original ${R[flat$round]} | sharp ${R[sharp$round]}"
done
# The round with the median ratio of its first pair, as a whole: "A B" names two keys of R.
median_round() {
  local a=$1 b=$2 rows=()
  for round in $(seq "$ROUNDS"); do rows+=("$round ${R[$a$round]%% *} ${R[$b$round]%% *}"); done
  printf '%s\n' "${rows[@]}" | sort -t' ' -k1,1n | python3 -c "
import sys
rows = [l.split() for l in sys.stdin if l.strip()]
rows.sort(key=lambda r: float(r[1]) / float(r[2]))
print(rows[len(rows) // 2][0])"
}
MR=$(median_round pyramid flat)
MISS_PYRAMID=${R[pyramid$MR]}; MISS_FLAT=${R[flat$MR]}
SR=$(median_round pyramid sharp)
MISS_PYRAMID_S=${R[pyramid$SR]}; MISS_SHARP=${R[sharp$SR]}; MISS_FLAT_S=${R[flat$SR]}
RSS_PYRAMID=$(rss_mb "$PYRAMID_PID"); RSS_FLAT=$(rss_mb "$FLAT_PID"); RSS_SHARP=$(rss_mb "$SHARP_PID")
kill "$SHARP_PID" "$FLAT_PID" "$PYRAMID_PID"

# --- (a) cache hits vs nginx on the same bytes
start_pictor hits
HITS_PID=$PID
curl -s -o /dev/null -X POST --data-binary "@${FILES[0]}" "$URL/v1/images"
ID=$(curl -s "$URL/v1/images?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["images"][0]["id"])')
mkdir -p "$T/www"
curl -s -o "$T/www/thumb.jpg" "$URL/v1/images/$ID?type=w320"
chmod 755 "$T" "$T/www"; chmod 644 "$T/www/thumb.jpg"  # nginx workers run as another user under root
NGINX_PORT=$(free_port)
cat >"$T/nginx.conf" <<CONF
worker_processes $CORES;
pid $T/nginx.pid;
error_log $T/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $T/www;
  }
}
CONF
nginx -c "$T/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!; PIDS+=("$NGINX_PID")
wait_http "http://127.0.0.1:$NGINX_PORT/thumb.jpg"
for round in $(seq "$ROUNDS"); do
  R[hit$round]=$(run_wrk "$URL/v1/images/$ID?type=w320")
  R[nginx$round]=$(run_wrk "http://127.0.0.1:$NGINX_PORT/thumb.jpg")
  echo "hits round $round: pictor ${R[hit$round]} | nginx ${R[nginx$round]}"
done
curl -s -D - -o /dev/null "http://127.0.0.1:$NGINX_PORT/thumb.jpg" | head -1
HR=$(median_round hit nginx)
HIT=${R[hit$HR]}; NGINX=${R[nginx$HR]}
RSS_HITS=$(rss_mb "$HITS_PID")
kill "$NGINX_PID" "$HITS_PID"

# --- the report
python3 - "$HERE/RESULTS.md" <<PY
import re, sys, datetime
hit, nginx = "$HIT".split(), "$NGINX".split()
pyr, flat, sharp = "$MISS_PYRAMID".split(), "$MISS_FLAT".split(), "$MISS_SHARP".split()
pyr_s, flat_s = "$MISS_PYRAMID_S".split(), "$MISS_FLAT_S".split()
rounds = """$(for round in $(seq "$ROUNDS"); do echo "$round ${R[pyramid$round]%% *} ${R[flat$round]%% *} ${R[sharp$round]%% *} ${R[hit$round]%% *} ${R[nginx$round]%% *}"; done)"""
round_rows = "\n".join(
    f"| {c[0]} | {float(c[1]) / float(c[2]):.2f} | {float(c[1]) / float(c[3]):.2f} | {float(c[2]) / float(c[3]):.2f} | {float(c[4]) / float(c[5]):.2f} |"
    for c in (l.split() for l in rounds.strip().splitlines()))
r = lambda a, b: float(a[0]) / float(b[0])
met = lambda ok: "met" if ok else "**not met**"
row = lambda name, v, rss: f"| {name} | {float(v[0]):.0f} | {v[1]} | {v[2]} | {v[3]} | {rss} |"
thumb_kb = $(stat -c %s "$T/www/thumb.jpg") / 1024
text = f"""<!-- http:begin -->
## HTTP service (issue 3)

\`bench/run-http.sh\` ($(date -u +%Y-%m-%d)): wrk -t$THREADS -c$CONNS -d$DURATION on loopback, $CORES cores shared by the
server and wrk; $ROUNDS interleaved rounds, each table shows the round with the median ratio. Pictor is the
release build with default settings (libvips vector code off, Lanczos reductions by the SIMD kernel, plain JPEGs decoded and encoded directly by libjpeg-turbo; see docs/engine.md)
(workers = cores). {len("${FILES[@]}".split())} JPEGs (the bench corpus), thumbnails \`type=w320\` (JPEG q80).

### (a) Cache hits vs nginx serving the same {thumb_kb:.1f} KB file

| server | req/s | p50 ms | p99 ms | non-2xx | peak RSS MB |
|---|---|---|---|---|---|
{row("Pictor, memory-cache hit", hit, "$RSS_HITS")}
{row("nginx 1.22 static file (sendfile)", nginx, "–")}

Pictor ÷ nginx: **{r(hit, nginx):.2f}×** (target ≥ 0.7×: {met(r(hit, nginx) >= 0.7)}), Pictor p99 {hit[2]} ms
(target < 5 ms: {met(float(hit[2]) < 5)}).

### (b, c) Cache misses (caches off), every image in turn

| server | req/s | p50 ms | p99 ms | non-2xx | peak RSS MB |
|---|---|---|---|---|---|
{row("Pictor, decoding the pyramid", pyr, "$RSS_PYRAMID")}
{row("Pictor, decoding the original (pyramid off)", flat, "$RSS_FLAT")}
{row("sharp 0.35 HTTP server (bench/sharp-server.js), original", sharp, "$RSS_SHARP")}

Pyramid ÷ original: **{r(pyr, flat):.2f}×** (target ≥ 3×: {met(r(pyr, flat) >= 3)}). Pictor ÷ sharp:
**{r(pyr_s, sharp):.2f}×** with the pyramid (target ≥ 3×: {met(r(pyr_s, sharp) >= 3)}), **{r(flat_s, sharp):.2f}×**
without it (target ≥ 1.0×: {met(r(flat_s, sharp) >= 1)}).

Every round's ratios:

| round | pyramid ÷ original | pyramid ÷ sharp | original ÷ sharp | hits ÷ nginx |
|---|---|---|---|---|
{round_rows}

### (d) Uploads of ~2 MB JPEGs with \`pictor upload --jobs {2 * $CORES}\` (pyramid masters made at upload)

The {$UPLOADS} largest corpus photos scaled to fit 4000×3000 (12 MP, as a phone takes them), at the JPEG
quality nearest 2 MB.

| files | mean MB | seconds | files/s | MB/s | server peak RSS MB |
|---|---|---|---|---|---|
$UPLOAD_LINE
<!-- http:end -->"""
path = sys.argv[1]
old = open(path).read()
if "<!-- http:begin -->" in old:
    new = re.sub(r"<!-- http:begin -->.*<!-- http:end -->", lambda m: text, old, flags=re.S)
else:
    new = old.rstrip() + "\n\n" + text + "\n"
open(path, "w").write(new)
print(text)
PY
