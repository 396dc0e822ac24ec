// Size arithmetic of the resize operation, shared by planning and execution (no pixels).
#pragma once

#include "ops/operation.h"

namespace pictor::ops {

struct ResizeGeometry {
  Size scaled;  // size the pixels are scaled to
  Size output;  // final size after the crop (cover) or padding (contain)
};

// Errors when the box is invalid for the mode (e.g. cover without both sides).
Result<ResizeGeometry> resize_geometry(Size in, const OpArgs& args);

}  // namespace pictor::ops
