// Colour analysis without libvips: sRGB <-> linear light <-> CIE Lab, the average colour, the
// dominant palette (k-means in Lab), and BlurHash encode/decode. Pure functions on 8-bit sRGB
// pixels, so that they can be tested on synthetic images and against reference implementations;
// src/metadata/colors_extractor.cc feeds them the shared preview. docs/info.md (`colors`)
// documents the choices.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pictor/status.h"

namespace pictor::metadata::colors {

// 8-bit sRGB pixels, 3 interleaved bands (R, G, B), rows packed (stride = 3 * width).
struct RgbView {
  std::span<const uint8_t> pixels;
  int width = 0;
  int height = 0;
};

struct RgbImage {
  std::vector<uint8_t> pixels;
  int width = 0;
  int height = 0;
  RgbView view() const { return {pixels, width, height}; }
};

struct Rgb8 {
  uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb8&) const = default;
};

// CIE L*a*b* relative to D65 (the sRGB white), L in 0..100: the same convention as libvips'
// VIPS_INTERPRETATION_LAB.
struct Lab {
  double l = 0, a = 0, b = 0;
};

// The sRGB transfer function (IEC 61966-2-1), on 0..1.
double srgb_to_linear(double v);
double linear_to_srgb(double v);
// 8-bit code to linear light (a table), and back: clamped to 0..1, rounded to nearest.
double srgb8_to_linear(uint8_t v);
uint8_t linear_to_srgb8(double v);

Lab linear_to_lab(const std::array<double, 3>& rgb);
std::array<double, 3> lab_to_linear(const Lab& lab);  // unclamped: may leave the sRGB gamut
Lab srgb8_to_lab(Rgb8 c);
Rgb8 lab_to_srgb8(const Lab& lab);  // clamped to the gamut per channel
// CIE76 colour difference: Euclidean distance in Lab, the metric k-means minimises.
double delta_e76(const Lab& x, const Lab& y);

std::string to_hex(Rgb8 c);  // "#rrggbb", lowercase

// The mean colour in linear light (what the image looks like from afar or blurred, and the DC
// term of its BlurHash), returned as 8-bit sRGB. Black for an empty image.
Rgb8 average_color(RgbView image);

// Shrinks by the smallest integer factor f that brings the longer side to at most max_side:
// each output pixel is the mean, in linear light, of an f x f block (smaller blocks at the
// right and bottom edges). An image already small enough is copied.
RgbImage box_downsample(RgbView image, int max_side);

// --- Dominant colours -------------------------------------------------------------------------

struct PaletteOptions {
  int max_colors = 6;
  // Clusters whose centres are closer than this (CIE76) are merged: about twice a just
  // noticeable difference, so that JPEG noise around one flat colour stays one colour.
  double merge_delta_e = 6.0;
  int max_iterations = 50;
};

struct PaletteColor {
  Rgb8 rgb;      // the cluster's Lab centre, converted to sRGB
  Lab lab;       // the Lab of `rgb` (so that hex, rgb and lab describe one colour)
  double share;  // fraction of the pixels in this cluster; the shares sum to 1
};

// k-means in Lab over every pixel, initialised deterministically by a variance-based median cut
// (no random seed: the same pixels always give the same palette), then clusters closer than
// merge_delta_e merged. Sorted by share, largest first (ties by hex). Empty for an empty image.
std::vector<PaletteColor> dominant_colors(RgbView image, const PaletteOptions& options = {});

// --- BlurHash (https://blurha.sh, woltapp/blurhash Algorithm.md) -------------------------------

// Base 83 with BlurHash's alphabet, most significant digit first; `length` digits (the value
// is taken modulo 83^length).
std::string base83_encode(uint32_t value, int length);
// nullopt for a character outside the alphabet or more than 4 digits.
std::optional<uint32_t> base83_decode(std::string_view digits);

// Components for an image of this aspect ratio: 4 along the longer side and, along the
// shorter one, 4 scaled by the aspect ratio (rounded, at least 1): 4x3 for 4:3 and 3:2, 4x2 for
// 16:9, 4x4 for a square, 3x4 for a 3:4 portrait.
std::array<int, 2> blurhash_components(int width, int height);

// How the scale of the AC terms is chosen. Wolt's C and Swift encoders use the largest
// magnitude; the TypeScript one (npm `blurhash`) the largest signed value, which clips a
// component more negative than the largest positive one.
enum class AcScale { kMagnitude, kSignedLikeTypeScript };

// x_components, y_components in 1..9 (kInvalidValue otherwise, or for an empty image).
Result<std::string> blurhash_encode(RgbView image, int x_components, int y_components,
                                    AcScale scale = AcScale::kMagnitude);

// Renders a hash at width x height (as the reference decoders do, punch 1). kInvalidValue for
// a malformed hash (length, alphabet) or a size outside 1..4096.
Result<RgbImage> blurhash_decode(std::string_view hash, int width, int height);

}  // namespace pictor::metadata::colors
