// The interface every operation implements. One operation per file in src/ops, registered by one
// line in op_list.inc.
#pragma once

#include <chrono>

#include <vips/vips8>

#include "pictor/engine.h"
#include "pictor/params.h"
#include "pictor/status.h"

namespace pictor::ops {

struct Size {
  int width = 0;
  int height = 0;
  bool operator==(const Size&) const = default;
};

// What the planner tracks between steps.
struct PlanState {
  const SourceInfo* source = nullptr;
  bool oriented = false;  // EXIF orientation already applied
};

// What the executor knows when it applies a step.
struct ApplyContext {
  Size planned_in;   // size the planner expected before the step
  Size planned_out;  // size the planner computed after the step
  bool planned_in_exact = true;  // false after a step whose size depends on the pixels
  // The request's deadline, for steps that compute pixels themselves (see ops/in_memory.h).
  const std::chrono::steady_clock::time_point* deadline = nullptr;
};

class Operation {
 public:
  virtual ~Operation() = default;
  virtual const OpDescriptor& descriptor() const = 0;

  // Checks between parameters that need no image (run at parse time).
  virtual Status validate(const OpArgs& args) const { return Status::Ok(); }

  // Frame size after the step given the size before it. Operations whose result depends on the
  // pixels (trim) return an upper bound.
  virtual Result<Size> output_size(Size in, const OpArgs& args, PlanState& state) const = 0;

  // False when the real output size depends on the pixels (trim) or on rounding inside
  // libvips (rotation by an arbitrary angle); later steps then work from the real size.
  virtual bool exact_size(const OpArgs& args) const { return true; }

  // True when the step reads its input out of order (rotation, vertical flip, smart crop) or
  // twice (trim). Decoding is sequential to keep memory flat, so the executor then gives the
  // step a copy of its input in memory (cheap once shrink-on-load has made it small).
  virtual bool needs_random_access(const OpArgs& args) const { return false; }

  // Applies the step. libvips exceptions may escape; the executor's adapter translates them.
  virtual Result<vips::VImage> apply(const vips::VImage& in, const OpArgs& args,
                                     const ApplyContext& ctx) const = 0;
};

// All registered operations, sorted by name (the list lives in op_list.inc).
const std::vector<const Operation*>& registered_operations();
const Operation* find_registered(std::string_view name);

}  // namespace pictor::ops
