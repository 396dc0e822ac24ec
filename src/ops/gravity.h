// Where to cut when an operation keeps only part of a frame: 9 compass points, a focal point,
// or libvips' content-aware smart crop (attention, entropy).
#pragma once

#include <string>
#include <vector>

#include "ops/operation.h"

namespace pictor::ops {

// The gravity parameters shared by crop and resize (gravity, fx, fy).
std::vector<ParamSpec> gravity_params();

// Cuts a width x height region out of `in` according to the args' gravity. The region must
// fit inside the frame.
vips::VImage crop_with_gravity(const vips::VImage& in, int width, int height, const OpArgs& args);

// True when the args' gravity analyses the whole frame (attention, entropy).
bool smart_gravity(const OpArgs& args);

// Fills a colour into a band-matched vector for libvips (alpha band handled).
std::vector<double> background_for(const vips::VImage& image, Color color);

}  // namespace pictor::ops
