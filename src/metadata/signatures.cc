// PDQ and pHash on luma buffers (see signatures.h for the algorithms and their sources).
#include "metadata/signatures.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <numbers>

namespace pictor::metadata::signatures {
namespace {

constexpr int kPdqSide = 64;    // PDQ's downsampled image
constexpr int kPdqBlock = 16;   // DCT frequencies 1..16 kept
constexpr int kPhashSide = 32;  // pHash's downsampled image
constexpr int kPhashBlock = 8;  // DCT frequencies 1..8 kept

// For each output index, the first input index it covers and the weight of each covered input
// (its overlap with the output's span of w / out input pixels, divided by that span).
struct Taps {
  std::vector<int> first;
  std::vector<std::vector<double>> weights;
};

Taps area_taps(int in, int out) {
  Taps taps;
  const double scale = static_cast<double>(in) / out;
  for (int i = 0; i < out; ++i) {
    const double lo = i * scale, hi = (i + 1) * scale;
    const int first = static_cast<int>(std::floor(lo));
    const int last = std::min(in - 1, static_cast<int>(std::ceil(hi)) - 1);
    std::vector<double> w;
    for (int j = first; j <= last; ++j) {
      w.push_back((std::min<double>(hi, j + 1) - std::max<double>(lo, j)) / scale);
    }
    taps.first.push_back(first);
    taps.weights.push_back(std::move(w));
  }
  return taps;
}

// The sign a coefficient of frequency index k (frequency k + 1 for PDQ) takes when the image is
// mirrored along that axis: cos of an odd frequency is antisymmetric about the centre.
double mirror_sign(int k) {
  return k % 2 == 0 ? -1.0 : 1.0;
}

}  // namespace

std::string PdqHash::hex() const {
  return fmt::format("{:016x}{:016x}{:016x}{:016x}", words[3], words[2], words[1], words[0]);
}

std::optional<PdqHash> PdqHash::from_hex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  PdqHash hash;
  for (int i = 0; i < 64; ++i) {
    const char c = hex[i];
    int digit;
    if (c >= '0' && c <= '9')
      digit = c - '0';
    else if (c >= 'a' && c <= 'f')
      digit = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      digit = c - 'A' + 10;
    else
      return std::nullopt;
    const int word = 3 - i / 16;  // most significant word first
    hash.words[word] = (hash.words[word] << 4) | static_cast<uint64_t>(digit);
  }
  return hash;
}

int hamming(const PdqHash& a, const PdqHash& b) {
  int distance = 0;
  for (size_t i = 0; i < a.words.size(); ++i) distance += std::popcount(a.words[i] ^ b.words[i]);
  return distance;
}

int hamming(uint64_t a, uint64_t b) {
  return std::popcount(a ^ b);
}

std::string phash_hex(uint64_t phash) {
  return fmt::format("{:016x}", phash);
}

std::string_view dihedral_name(Dihedral t) {
  switch (t) {
    case Dihedral::kOriginal:
      return "original";
    case Dihedral::kRotate90:
      return "rotate90";
    case Dihedral::kRotate180:
      return "rotate180";
    case Dihedral::kRotate270:
      return "rotate270";
    case Dihedral::kFlipHorizontal:
      return "flip_horizontal";
    case Dihedral::kFlipVertical:
      return "flip_vertical";
    case Dihedral::kTranspose:
      return "transpose";
    case Dihedral::kTransverse:
      return "transverse";
  }
  return "?";
}

std::vector<float> area_resize(std::span<const float> in, int w, int h, int out_w, int out_h) {
  const Taps cols = area_taps(w, out_w), rows = area_taps(h, out_h);
  // Horizontal pass: h rows of out_w.
  std::vector<double> mid(static_cast<size_t>(out_w) * h);
  for (int y = 0; y < h; ++y) {
    const float* row = &in[static_cast<size_t>(y) * w];
    for (int x = 0; x < out_w; ++x) {
      double sum = 0;
      const auto& weights = cols.weights[x];
      for (size_t k = 0; k < weights.size(); ++k) sum += weights[k] * row[cols.first[x] + k];
      mid[static_cast<size_t>(y) * out_w + x] = sum;
    }
  }
  std::vector<float> out(static_cast<size_t>(out_w) * out_h);
  for (int y = 0; y < out_h; ++y) {
    const auto& weights = rows.weights[y];
    for (int x = 0; x < out_w; ++x) {
      double sum = 0;
      for (size_t k = 0; k < weights.size(); ++k)
        sum += weights[k] * mid[static_cast<size_t>(rows.first[y] + k) * out_w + x];
      out[static_cast<size_t>(y) * out_w + x] = static_cast<float>(sum);
    }
  }
  return out;
}

std::vector<double> dct2d(std::span<const float> in, int n, int first, int count) {
  // basis[k][x]: orthonormal DCT-II row for frequency first + k.
  std::vector<double> basis(static_cast<size_t>(count) * n);
  for (int k = 0; k < count; ++k) {
    const int f = first + k;
    const double scale = std::sqrt((f == 0 ? 1.0 : 2.0) / n);
    for (int x = 0; x < n; ++x)
      basis[k * n + x] = scale * std::cos(std::numbers::pi * f * (2 * x + 1) / (2.0 * n));
  }
  // Separable: columns first (count x n), then rows (count x count).
  std::vector<double> tmp(static_cast<size_t>(count) * n, 0.0);
  for (int k = 0; k < count; ++k)
    for (int y = 0; y < n; ++y) {
      const double b = basis[k * n + y];
      for (int x = 0; x < n; ++x) tmp[k * n + x] += b * in[static_cast<size_t>(y) * n + x];
    }
  std::vector<double> out(static_cast<size_t>(count) * count, 0.0);
  for (int u = 0; u < count; ++u)
    for (int v = 0; v < count; ++v) {
      double sum = 0;
      for (int x = 0; x < n; ++x) sum += tmp[u * n + x] * basis[v * n + x];
      out[u * count + v] = sum;
    }
  return out;
}

double median(std::vector<double> values) {
  const size_t half = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + half, values.end());
  const double upper = values[half];
  if (values.size() % 2 == 1) return upper;
  const double lower = *std::max_element(values.begin(), values.begin() + half);
  return (lower + upper) / 2;
}

int pdq_quality(std::span<const float> luma64) {
  // The reference's integer steps: each neighbour difference in percent of full scale,
  // truncated, so that sensor noise of under 2.55 levels counts for nothing.
  auto step = [](float a, float b) { return std::abs(static_cast<int>((a - b) * 100 / 255)); };
  int sum = 0;
  for (int y = 0; y < kPdqSide; ++y)
    for (int x = 0; x < kPdqSide; ++x) {
      const float here = luma64[y * kPdqSide + x];
      if (y + 1 < kPdqSide) sum += step(luma64[(y + 1) * kPdqSide + x], here);
      if (x + 1 < kPdqSide) sum += step(luma64[y * kPdqSide + x + 1], here);
    }
  return std::min(100, sum / 90);
}

std::vector<double> dihedral_coefficients(std::span<const double> dct16, Dihedral t) {
  const bool transpose = t == Dihedral::kTranspose || t == Dihedral::kTransverse ||
                         t == Dihedral::kRotate90 || t == Dihedral::kRotate270;
  // After the optional transposition, which axes are mirrored. Rotating 90° clockwise is a
  // transposition then a left-right mirror; 270° a transposition then a top-bottom mirror.
  const bool mirror_x = t == Dihedral::kFlipHorizontal || t == Dihedral::kRotate180 ||
                        t == Dihedral::kRotate90 || t == Dihedral::kTransverse;
  const bool mirror_y = t == Dihedral::kFlipVertical || t == Dihedral::kRotate180 ||
                        t == Dihedral::kRotate270 || t == Dihedral::kTransverse;
  std::vector<double> out(dct16.size());
  for (int u = 0; u < kPdqBlock; ++u)
    for (int v = 0; v < kPdqBlock; ++v) {
      double c = transpose ? dct16[v * kPdqBlock + u] : dct16[u * kPdqBlock + v];
      if (mirror_x) c *= mirror_sign(v);
      if (mirror_y) c *= mirror_sign(u);
      out[u * kPdqBlock + v] = c;
    }
  return out;
}

PdqHash threshold_pdq(std::span<const double> dct16) {
  const double m = median({dct16.begin(), dct16.end()});
  PdqHash hash;
  for (int k = 0; k < kPdqBlock * kPdqBlock; ++k)
    if (dct16[k] > m) hash.set(k);
  return hash;
}

Signatures compute(std::span<const float> luma, int w, int h) {
  Signatures s;
  const std::vector<float> small = area_resize(luma, w, h, kPdqSide, kPdqSide);
  s.pdq_quality = pdq_quality(small);
  const std::vector<double> dct = dct2d(small, kPdqSide, 1, kPdqBlock);
  for (int t = 0; t < kDihedralCount; ++t)
    s.dihedral[t] = threshold_pdq(dihedral_coefficients(dct, static_cast<Dihedral>(t)));
  s.pdq = s.dihedral[0];

  const std::vector<float> tiny = area_resize(luma, w, h, kPhashSide, kPhashSide);
  const std::vector<double> low = dct2d(tiny, kPhashSide, 1, kPhashBlock);
  const double m = median(low);
  for (int k = 0; k < kPhashBlock * kPhashBlock; ++k)
    if (low[k] > m) s.phash |= uint64_t{1} << k;
  return s;
}

}  // namespace pictor::metadata::signatures
