#!/usr/bin/env bash
# Background analyses (issue 5): jobs/s for exif,signatures,quality over the bench corpus with 1 and
# 2 analysis workers, against the same work as a process per file (`pictor info`, what a service
# without a queue would shell out to); latency from submit to callback at low load. Writes the
# "Background analyses" section of bench/RESULTS.md.
#   bash bench/run-jobs.sh CORPUS_DIR   (after: cmake --build build/release --target pictor)
set -euo pipefail
CORPUS=$1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PICTOR=$ROOT/build/release/pictor
RECEIVER=$ROOT/tests/http/callback_receiver.py
T=$(mktemp -d)
OUT=$ROOT/bench/out/jobs
mkdir -p "$OUT"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$T"' EXIT
files=("$CORPUS"/jpeg/*.jpg)
n=${#files[@]}
FEATURES=exif,signatures,quality
export PICTOR_NET_ALLOW_HOSTS=127.0.0.1 PICTOR_JOBS_POLL_MS=50 PICTOR_SERVER_LOG_FORMAT=off
now() { date +%s.%N; }

start_server() {  # DATA_DIR WORKERS
  PICTOR_JOBS_WORKERS=$2 "$PICTOR" serve --listen 127.0.0.1:0 --data "$1" >"$T/server.log" 2>&1 &
  PID=$!
  PIDS+=("$PID")
  for _ in $(seq 200); do URL=$(grep -o 'http://[0-9.:]*' "$T/server.log" 2>/dev/null) && [ -n "$URL" ] && return 0; sleep 0.05; done
  echo "server did not start"; exit 1
}
upload_all() {
  : >"$T/ids"
  for f in "${files[@]}"; do
    curl -s -X POST --data-binary "@$f" "$URL/v1/images" | python3 -c "import json,sys; print(json.load(sys.stdin)['images'][0]['id'])" >>"$T/ids"
  done
}
count_succeeded() { curl -s "$URL/v1/analyses?state=succeeded&limit=1000" | python3 -c "import json,sys; print(len(json.load(sys.stdin)['jobs']))"; }

# Throughput: one request with every image (a fresh data directory each time, so nothing is
# answered from the stored results), timed until the last job has succeeded.
: >"$OUT/throughput.tsv"
for workers in 1 2; do
  rm -rf "$T/data"
  start_server "$T/data" "$workers"
  upload_all
  body=$(python3 -c "import json,sys; print(json.dumps({'images': open(sys.argv[1]).read().split(), 'features': sys.argv[2].split(',')}))" "$T/ids" "$FEATURES")
  start=$(now)
  curl -s -o /dev/null -X POST --data-binary "$body" "$URL/v1/analyses"
  until [ "$(count_succeeded)" = "$n" ]; do sleep 0.1; done
  printf '%s\t%s\n' "$workers" "$(python3 -c "print($(now) - $start)")" >>"$OUT/throughput.tsv"
  kill "$PID"; wait "$PID" 2>/dev/null || true
done
# The same work without a queue: a process per file.
start=$(now)
for f in "${files[@]}"; do "$PICTOR" info --json --features "$FEATURES" "$f" >/dev/null 2>&1 || true; done
printf 'process\t%s\n' "$(python3 -c "print($(now) - $start)")" >>"$OUT/throughput.tsv"

# Latency at low load: one job at a time, from the submit to the callback's arrival.
rm -rf "$T/data"
start_server "$T/data" 1
upload_all
curl -s "$URL/v1/callback-secret" | python3 -c "import json,sys; print(json.load(sys.stdin)['secret'])" >"$T/secret"
python3 "$RECEIVER" "$T/port" "$T/received" "$T/secret" &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
RECV=http://127.0.0.1:$(cat "$T/port")
: >"$OUT/latency.tsv"
for features in file "$FEATURES"; do
  i=0
  for id in $(head -20 "$T/ids"); do
    i=$((i + 1))
    before=$(wc -l <"$T/received" 2>/dev/null || echo 0)
    body="{\"images\": [\"$id\"], \"features\": \"$features\", \"callback_url\": \"$RECV/ok/lat-$features-$i\"}"
    start=$(now)
    curl -s -o /dev/null -X POST --data-binary "$body" "$URL/v1/analyses"
    until [ "$(wc -l <"$T/received" 2>/dev/null || echo 0)" -gt "$before" ]; do sleep 0.002; done
    arrived=$(tail -1 "$T/received" | python3 -c "import json,sys; print(json.load(sys.stdin)['time'])")
    printf '%s\t%s\n' "$features" "$(python3 -c "print(($arrived - $start) * 1000)")" >>"$OUT/latency.tsv"
  done
done

python3 - "$OUT" "$n" "$ROOT/bench/RESULTS.md" "$(nproc)" "$FEATURES" <<'PY'
import statistics, sys, re
out, n, results, cores, features = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
thr = dict(l.split("\t") for l in open(f"{out}/throughput.tsv").read().split("\n") if l)
one, two, proc = float(thr["1"]), float(thr["2"]), float(thr["process"])
lat = {}
for l in open(f"{out}/latency.tsv").read().split("\n"):
    if l:
        f, ms = l.split("\t")
        lat.setdefault(f, []).append(float(ms))
def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]
lines = [
    "## Background analyses (issue 5)",
    "",
    f"Re-run: `make bench-jobs` (bench/run-jobs.sh). {n} JPEGs of the bench corpus, features `{features}`, a",
    f"{cores}-core machine; the server's HTTP workers idle meanwhile. One POST with every image, timed until the",
    "last job has succeeded (a fresh data directory each time, so nothing comes from stored answers).",
    "",
    "| | seconds | jobs/s | ratio |",
    "|---|---|---|---|",
    f"| a `pictor info` process per file (no queue) | {proc:.2f} | {n / proc:.1f} | 1.00 |",
    f"| `pictor serve`, 1 analysis worker | {one:.2f} | {n / one:.1f} | {proc / one:.2f} |",
    f"| `pictor serve`, 2 analysis workers | {two:.2f} | {n / two:.1f} | {proc / two:.2f} |",
    "",
    f"2 workers ÷ 1 worker: {one / two:.2f}x on {cores} cores.",
    "",
    "Latency at low load, submit (POST) to the signed callback's arrival at a receiver on loopback,",
    "one job at a time, 20 jobs each:",
    "",
    "| features | p50 ms | p95 ms | max ms |",
    "|---|---|---|---|",
]
for f, v in lat.items():
    lines.append(f"| `{f}` | {pct(v, 50):.1f} | {pct(v, 95):.1f} | {max(v):.1f} |")
lines += ["", "Batching gain for faces: after the faces issue (no face extractor yet)."]
section = "\n".join(lines) + "\n"
text = open(results).read()
pattern = re.compile(r"## Background analyses \(issue 5\)\n.*?(?=\n## |\Z)", re.S)
text = pattern.sub(section.rstrip("\n") + "\n", text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
open(results, "w").write(text)
print(section)
PY
