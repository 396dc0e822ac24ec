// Perceptual image signatures: PDQ (256 bits + quality) and pHash (64 bits), compared by
// Hamming distance. Pure algorithms on luma buffers (no libvips); the `signatures` extractor
// (signatures_extractor.cc) feeds them the shared preview. docs/info.md documents the fields and
// the match thresholds.
//
// PDQ, after Facebook's published description (ThreatExchange pdq/, "The TMK+PDQF video-hashing
// algorithm and the PDQ image-similarity algorithm"):
//   luma Y = 0.299 R + 0.587 G + 0.114 B -> 64x64 (here an exact area average, where the
//   reference uses a Jarosz tent filter) -> 2-D DCT keeping frequencies 1..16 in each direction
//   (DC dropped) -> bit (u, v) = coefficient > median of the 256. Quality = sum over the 64x64
//   of |int((a - b) * 100 / 255)| for vertical and horizontal neighbours, / 90, capped at 100.
//   The eight dihedral hashes (rotations, flips) come from the same 16x16 coefficients by sign
//   flips and transposition, each thresholded at its own median.
// pHash, the classic DCT hash (phash.org ph_dct_imagehash): luma -> 32x32 (area average, which
//   does the job of the original's 7x7 mean filter before its nearest-neighbour resize) -> 32x32
//   DCT -> frequencies 1..8 x 1..8 -> bit = coefficient > median of the 64.
//
// Median rule (both hashes): the median is the mean of the two middle values, so when the
// coefficients are distinct exactly half the bits are set (128 of 256, 32 of 64); values equal
// to the median give 0 bits, so ties leave fewer set. A flat image has no ties in practice: its
// coefficients are float rounding noise, its bits are meaningless, and its quality is 0.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pictor/limits.h"
#include "pictor/status.h"

namespace pictor::metadata::signatures {

// 256 bits. Bit k (0..255) is DCT coefficient (k / 16, k % 16), row (vertical frequency) major,
// stored in words[k / 64] at bit k % 64. hex() writes the 256-bit number most significant digit
// first: the layout of the reference's hex strings.
struct PdqHash {
  std::array<uint64_t, 4> words{};

  bool bit(int k) const { return (words[k / 64] >> (k % 64)) & 1; }
  void set(int k) { words[k / 64] |= uint64_t{1} << (k % 64); }
  std::string hex() const;  // 64 lowercase hex digits
  static std::optional<PdqHash> from_hex(std::string_view hex);
  bool operator==(const PdqHash&) const = default;
};

int hamming(const PdqHash& a, const PdqHash& b);
int hamming(uint64_t a, uint64_t b);
std::string phash_hex(uint64_t phash);  // 16 lowercase hex digits

// The eight symmetries of the square, as transforms of the image. dihedral[t] is (up to float
// rounding) the PDQ hash of the image transformed by t. Rotations are clockwise.
enum class Dihedral {
  kOriginal,
  kRotate90,
  kRotate180,
  kRotate270,
  kFlipHorizontal,  // mirror left-right
  kFlipVertical,    // mirror top-bottom
  kTranspose,       // across the main diagonal (x, y) -> (y, x)
  kTransverse,      // across the anti-diagonal
};
inline constexpr int kDihedralCount = 8;
std::string_view dihedral_name(Dihedral t);  // "original", "rotate90", "flip_horizontal", ...

// Match thresholds on these hashes (inclusive), chosen with bench/signatures_bench.cc
// (bench/RESULTS.md): a Hamming distance at or below means "the same picture".
inline constexpr int kPdqMatchThreshold = 40;
inline constexpr int kPhashMatchThreshold = 8;
// PDQ hashes of images with a quality below this are unreliable (flat, featureless images).
inline constexpr int kPdqMinQuality = 50;

struct Signatures {
  PdqHash pdq;
  int pdq_quality = 0;  // 0..100
  uint64_t phash = 0;
  std::array<PdqHash, kDihedralCount> dihedral;  // indexed by Dihedral; [0] == pdq
};

// Row-major luma (0..255) of a w x h image; w, h >= 1.
Signatures compute(std::span<const float> luma, int w, int h);

// The building blocks, exposed for tests and the benchmark.

// Exact area average of a w x h buffer to out_w x out_h (each output pixel is the mean of the
// input area it covers, fractional pixels weighted by coverage). Commutes with flips and
// transposition, which the dihedral hashes rely on.
std::vector<float> area_resize(std::span<const float> in, int w, int h, int out_w, int out_h);
// 2-D DCT-II (orthonormal) of an n x n row-major buffer, keeping frequencies
// first..first+count-1 in each direction: count x count coefficients, row = vertical frequency.
std::vector<double> dct2d(std::span<const float> in, int n, int first, int count);
// The mean of the two middle values (see the median rule above).
double median(std::vector<double> values);
// PDQ's quality score of a 64x64 luma buffer.
int pdq_quality(std::span<const float> luma64);
// The 16x16 PDQ coefficients as seen by the image transformed by t.
std::vector<double> dihedral_coefficients(std::span<const double> dct16, Dihedral t);
// Bits: coefficient > median, bit k = coefficient k.
PdqHash threshold_pdq(std::span<const double> dct16);

// The signatures of an encoded image: probe with `limits`, the info extractors' shared preview,
// then compute(). Implemented in signatures_extractor.cc (it decodes with libvips); used by
// `pictor similar`.
Result<Signatures> image_signatures(std::span<const uint8_t> bytes, const Limits& limits);

}  // namespace pictor::metadata::signatures
