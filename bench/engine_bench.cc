// Parsing, canonicalising and planning run on every thumbnail request (the canonical chain is
// the cache key), so they must stay negligible next to decoding: microseconds, not milliseconds.
#include <benchmark/benchmark.h>

#include "pictor/chain.h"
#include "pictor/engine.h"

namespace {

constexpr const char* kChain =
    "resize:w=320,h=240,fit=cover,gravity=attention/sharpen:sigma=0.8/format:type=webp,q=75";

void BM_ParseChain(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(pictor::parse_chain(kChain));
}
BENCHMARK(BM_ParseChain);

void BM_ParseNamedType(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(pictor::parse_chain("ff320_240"));
}
BENCHMARK(BM_ParseNamedType);

void BM_Canonicalise(benchmark::State& state) {
  const pictor::Chain chain = *pictor::parse_chain(kChain);
  for (auto _ : state) benchmark::DoNotOptimize(pictor::to_canonical(chain));
}
BENCHMARK(BM_Canonicalise);

void BM_Plan(benchmark::State& state) {
  const pictor::Chain chain = *pictor::parse_chain(kChain);
  pictor::SourceInfo source;
  source.format = pictor::Format::kJpeg;
  source.width = 4272;
  source.height = 2848;
  for (auto _ : state) benchmark::DoNotOptimize(pictor::make_plan(chain, source, {}));
}
BENCHMARK(BM_Plan);

}  // namespace

BENCHMARK_MAIN();
