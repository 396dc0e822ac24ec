// The executor: runs a plan on the input bytes.
#include <fmt/format.h>

#include "codecs/encode.h"
#include "codecs/source.h"
#include "codecs/vips_adapter.h"
#include "ops/in_memory.h"
#include "ops/operation.h"
#include "pictor/engine.h"

namespace pictor {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

Result<Encoded> execute(std::span<const uint8_t> input, const Plan& plan,
                        const ProcessOptions& options) {
  Status init = initialize();
  if (!init.ok()) return init;
  const auto deadline = options.deadline;
  Timings timings;
  auto since = [](Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  };
  auto pipeline = codecs::guard_vips(codecs::Stage::kProcess, [&]() -> Result<vips::VImage> {
    const auto load_start = Clock::now();
    vips::VImage image = codecs::load_for_plan(input, plan, deadline ? &*deadline : nullptr);
    timings.load_ms = since(load_start);
    const auto process_start = Clock::now();
    bool in_memory = plan.orient_on_load();
    for (const PlanStep& step : plan.steps) {
      const ops::Operation* op = ops::find_registered(step.args->op().name);
      if (!in_memory && op->needs_random_access(*step.args)) {
        image = ops::copy_memory_until(image, deadline ? &*deadline : nullptr);
        in_memory = true;
      }
      ops::ApplyContext ctx{{step.in_width, step.in_height}, {step.out_width, step.out_height},
                            step.size_exact, deadline ? &*deadline : nullptr};
      auto next = op->apply(image, *step.args, ctx);
      if (!next.ok()) return next.status();
      image = std::move(next).value();
    }
    timings.process_ms = since(process_start);
    return image;
  });
  if (!pipeline.ok()) {
    // A step that computed pixels in memory was stopped at the deadline; libvips' message for
    // that depends on where it stopped, the deadline does not.
    if (deadline && Clock::now() > *deadline) {
      return Result<Encoded>(ErrorCode::kTimeout, "processing did not finish before its deadline");
    }
    return pipeline.status();
  }

  vips::VImage image = std::move(pipeline).value();
  const auto encode_start = Clock::now();
  auto bytes = codecs::encode(image, plan.output, input, deadline ? &*deadline : nullptr);
  if (!bytes.ok()) {
    if (deadline && Clock::now() > *deadline) {
      return Result<Encoded>(ErrorCode::kTimeout, "processing did not finish before its deadline");
    }
    return bytes.status();
  }
  timings.encode_ms = since(encode_start);
  return Encoded{std::move(bytes).value(), plan.output.format, image.width(), image.height(), timings};
}

Result<Encoded> process(std::span<const uint8_t> input, const Chain& chain,
                        const ProcessOptions& options) {
  auto source = probe(input, options.limits);
  if (!source.ok()) return source.status();
  auto plan = make_plan(chain, *source, options);
  if (!plan.ok()) return plan.status();
  return execute(input, *plan, options);
}

}  // namespace pictor
