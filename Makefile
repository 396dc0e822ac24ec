# Two commands for a fresh Debian 12 machine:
#   make run   - install what is missing, build, run the demo, then start `pictor serve` on
#                127.0.0.1:8080 with the embedded defaults (originals + SQLite under ./data)
#   make test  - the same set-up, then every test
# Both are idempotent and quick when nothing is missing.

JOBS ?= $(shell nproc)
CORPUS ?= .cache/corpus-test
DEMO_OUT ?= data/demo
PICTOR := build/dev/pictor

.PHONY: run test setup build corpus demo asan bench bench-http bench-info bench-jobs bench-signatures docs format clean

setup:
	@bash scripts/setup.sh

build: setup
	@cmake --preset dev >/dev/null
	@cmake --build build/dev -j $(JOBS)

corpus: setup
	@bash scripts/corpus.sh test $(CORPUS)

LISTEN ?= 127.0.0.1:8080

run: build corpus demo
	@echo
	@echo "Upload:    curl -X POST --data-binary @photo.jpg http://$(LISTEN)/v1/images"
	@echo "Thumbnail: curl -o t.webp 'http://$(LISTEN)/v1/images/ID/resize:w=320,h=240,fit=cover/format:type=webp'"
	@echo "Many:      $(PICTOR) upload PHOTOS/ --server http://$(LISTEN)"
	@echo "Without API keys, uploads are accepted on loopback only. To add a key:"
	@echo "           PICTOR_SERVER_API_KEYS=secret make run LISTEN=0.0.0.0:8080   (send: Authorization: Bearer secret)"
	@echo "Settings:  $(PICTOR) serve --help;  API: http://$(LISTEN)/v1/openapi.json"
	@$(PICTOR) serve --listen $(LISTEN) --data data

demo:
	@bash scripts/demo.sh $(PICTOR) $(CORPUS) $(DEMO_OUT)

test: build corpus
	@ctest --preset dev -j $(JOBS)

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer, but the long corpus evaluations
# (tests/slow_evaluations.txt), which `make test` runs.
asan: setup corpus
	@cmake --preset asan >/dev/null
	@cmake --build build/asan -j $(JOBS)
	@ctest --preset asan -j $(JOBS) -E '^($(shell paste -sd'|' tests/slow_evaluations.txt))$$'

# Side-by-side benchmark against vipsthumbnail, ImageMagick, GraphicsMagick and sharp (see bench/README.md).
bench: setup
	@cmake --preset release >/dev/null
	@cmake --build build/release -j $(JOBS) --target pictor
	@bash bench/install-peers.sh
	@bash scripts/corpus.sh bench .cache/corpus-bench
	@bash bench/run-thumbs.sh .cache/corpus-bench bench/out/thumbs
	@bash bench/run-http.sh .cache/corpus-bench

# Speed of the info extractors: EXIF against exiftool -j, every extractor in process (bench/run-info.sh).
bench-info: setup
	@cmake --preset release >/dev/null
	@cmake --build build/release -j $(JOBS) --target pictor pictor_info_bench
	@bash scripts/corpus.sh bench .cache/corpus-bench
	@bash bench/run-info.sh .cache/corpus-bench

# Background analyses: jobs/s with 1 and 2 workers against a process per file, submit-to-callback
# latency (bench/run-jobs.sh).
bench-jobs: setup
	@cmake --preset release >/dev/null
	@cmake --build build/release -j $(JOBS) --target pictor
	@bash scripts/corpus.sh bench .cache/corpus-bench
	@bash bench/run-jobs.sh .cache/corpus-bench

# Only the HTTP benchmark (wrk against nginx and a sharp server; see bench/run-http.sh).
bench-http: setup
	@cmake --preset release >/dev/null
	@cmake --build build/release -j $(JOBS) --target pictor
	@bash bench/install-peers.sh
	@bash scripts/corpus.sh bench .cache/corpus-bench
	@bash bench/run-http.sh .cache/corpus-bench

# Robustness of the perceptual signatures (PDQ, pHash) on the bench corpus: recall per edit and
# false positives (bench/signatures_bench.cc; results in bench/RESULTS.md).
bench-signatures: setup
	@cmake --preset release >/dev/null
	@cmake --build build/release -j $(JOBS) --target pictor_signatures_bench
	@bash scripts/corpus.sh bench .cache/corpus-bench
	@build/release/bench/pictor_signatures_bench .cache/corpus-bench/jpeg

docs: build
	@$(PICTOR) ops --markdown > docs/operations.md

format:
	@clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	@rm -rf build
