// Lanczos-3 reduction: one SIMD kernel (a weighted sum of rows) used for both axes. Rows are
// filtered vertically in strips, each strip is transposed so that columns become rows, and the
// same kernel filters them horizontally. Highway compiles the kernel for every x86 target and
// picks the best one the CPU has at run time.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/lanczos3.cc"
#include <hwy/foreach_target.h>  // re-includes this file once per target

#include <hwy/highway.h>

#include "kernels/lanczos3.h"

HWY_BEFORE_NAMESPACE();
namespace pictor::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <class D>
HWY_INLINE hn::Vec<D> load_as_float(D d, const float* p) {
  return hn::LoadU(d, p);
}

template <class D>
HWY_INLINE hn::Vec<D> load_as_float(D d, const uint8_t* p) {
  const hn::Rebind<uint8_t, D> bytes;
  const hn::RebindToSigned<D> ints;
  return hn::ConvertTo(d, hn::PromoteTo(ints, hn::LoadU(bytes, p)));
}

// out[x] = sum over k < taps of weights[k] * rows[k][x], for x < n.
template <typename T>
HWY_INLINE void weighted_sum(const T* const* rows, const float* weights, int taps, size_t n,
                             float* out) {
  const hn::ScalableTag<float> d;
  const size_t lanes = hn::Lanes(d);
  size_t x = 0;
  for (; x + lanes <= n; x += lanes) {
    auto sum = hn::Zero(d);
    for (int k = 0; k < taps; ++k) {
      sum = hn::MulAdd(hn::Set(d, weights[k]), load_as_float(d, rows[k] + x), sum);
    }
    hn::StoreU(sum, d, out + x);
  }
  for (; x < n; ++x) {
    float sum = 0;
    for (int k = 0; k < taps; ++k) sum += weights[k] * static_cast<float>(rows[k][x]);
    out[x] = sum;
  }
}

void weighted_sum_u8(const uint8_t* const* rows, const float* weights, int taps, size_t n,
                     float* out) {
  weighted_sum(rows, weights, taps, n, out);
}

void weighted_sum_f32(const float* const* rows, const float* weights, int taps, size_t n,
                      float* out) {
  weighted_sum(rows, weights, taps, n, out);
}

}  // namespace pictor::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <algorithm>
#include <cmath>
#include <numbers>

namespace pictor::kernels {

HWY_EXPORT(weighted_sum_u8);
HWY_EXPORT(weighted_sum_f32);

namespace {

constexpr int kLobes = 3;
// Output rows filtered per strip: enough for long SIMD runs in the horizontal pass, small enough
// that a strip of a wide image stays in cache.
constexpr int kStripRows = 32;

double lanczos3(double x) {
  if (x == 0) return 1;
  if (std::abs(x) >= kLobes) return 0;
  const double px = std::numbers::pi * x;
  return kLobes * std::sin(px) * std::sin(px / kLobes) / (px * px);
}

void grow(std::vector<float>& buffer, size_t size) {
  if (buffer.size() < size) buffer.resize(size);
}

uint8_t to_byte(float value) {
  const int rounded = static_cast<int>(value + 0.5f);
  return static_cast<uint8_t>(std::clamp(rounded, 0, 255));
}

// The bands of one pixel, with the count known at compile time for the common cases (a
// run-time count turned these copies into memmove calls).
template <int kBands>
void copy_pixel(const float* from, float* to, int) {
  for (int c = 0; c < kBands; ++c) to[c] = from[c];
}
template <>
void copy_pixel<0>(const float* from, float* to, int bands) {
  for (int c = 0; c < bands; ++c) to[c] = from[c];
}

// rows: `strip` rows of `width` pixels -> columns: `width` runs of `strip` pixels.
template <int kBands>
void transpose_strip_as(const float* rows, int width, int strip, int bands, float* columns) {
  const size_t row_floats = static_cast<size_t>(width) * bands;
  for (int x = 0; x < width; ++x) {
    float* column = columns + static_cast<size_t>(x) * strip * bands;
    const float* pixel = rows + static_cast<size_t>(x) * bands;
    for (int i = 0; i < strip; ++i, pixel += row_floats, column += bands) {
      copy_pixel<kBands>(pixel, column, bands);
    }
  }
}

void transpose_strip(const float* rows, int width, int strip, int bands, float* columns) {
  switch (bands) {
    case 1: return transpose_strip_as<1>(rows, width, strip, bands, columns);
    case 3: return transpose_strip_as<3>(rows, width, strip, bands, columns);
    case 4: return transpose_strip_as<4>(rows, width, strip, bands, columns);
    default: return transpose_strip_as<0>(rows, width, strip, bands, columns);
  }
}

// filtered: `out_width` runs of `strip` pixels -> `strip` output rows of bytes.
void store_strip(const float* filtered, int out_width, int strip, int bands, uint8_t* out) {
  const size_t column_floats = static_cast<size_t>(strip) * bands;
  for (int i = 0; i < strip; ++i) {
    uint8_t* out_row = out + static_cast<size_t>(i) * out_width * bands;
    const float* pixel = filtered + static_cast<size_t>(i) * bands;
    for (int ox = 0; ox < out_width; ++ox, pixel += column_floats) {
      for (int c = 0; c < bands; ++c) *out_row++ = to_byte(pixel[c]);
    }
  }
}

}  // namespace

Taps lanczos3_taps(int in_size, int out_size) {
  Taps taps;
  taps.first.resize(out_size);
  taps.count.resize(out_size);
  if (in_size == out_size) {  // identity: one tap of weight 1
    taps.max_taps = 1;
    taps.weight.assign(out_size, 1.0f);
    for (int o = 0; o < out_size; ++o) taps.first[o] = o, taps.count[o] = 1;
    return taps;
  }
  const double scale = static_cast<double>(in_size) / out_size;  // >= 1: the kernel widens
  const double support = kLobes * scale;
  taps.max_taps = std::min(in_size, static_cast<int>(std::ceil(2 * support)) + 1);
  taps.weight.assign(static_cast<size_t>(out_size) * taps.max_taps, 0.0f);
  std::vector<double> sums(taps.max_taps);
  for (int o = 0; o < out_size; ++o) {
    const double centre = (o + 0.5) * scale - 0.5;  // output sample centre in input coordinates
    const int lo = static_cast<int>(std::ceil(centre - support));
    const int hi = static_cast<int>(std::floor(centre + support));
    const int first = std::clamp(lo, 0, in_size - 1);
    const int last = std::clamp(hi, 0, in_size - 1);
    std::fill(sums.begin(), sums.end(), 0.0);
    double total = 0;
    for (int i = lo; i <= hi; ++i) {
      const double w = lanczos3((i - centre) / scale);
      sums[std::clamp(i, first, last) - first] += w;  // beyond an edge: the edge sample
      total += w;
    }
    taps.first[o] = first;
    taps.count[o] = last - first + 1;
    for (int k = 0; k < taps.count[o]; ++k) {
      taps.weight[static_cast<size_t>(o) * taps.max_taps + k] = static_cast<float>(sums[k] / total);
    }
  }
  return taps;
}

void reduce_lanczos3(const PixelsView& in, int out_width, int out_height, uint8_t* out) {
  const int bands = in.bands;
  const size_t row_floats = static_cast<size_t>(in.width) * bands;
  const Taps vertical = lanczos3_taps(in.height, out_height);
  const Taps horizontal = lanczos3_taps(in.width, out_width);

  // Scratch buffers live with the thread: fresh ones cost page faults and zeroing (a third of
  // the time for a thumbnail-sized reduction), and they stay small (a few strips of floats).
  thread_local std::vector<float> rows, columns, filtered;
  grow(rows, row_floats * kStripRows);  // a strip, vertically filtered
  grow(columns, row_floats * kStripRows);  // the same strip, transposed
  grow(filtered, static_cast<size_t>(out_width) * kStripRows * bands);
  std::vector<const uint8_t*> in_rows(vertical.max_taps);
  std::vector<const float*> in_columns(horizontal.max_taps);

  for (int y0 = 0; y0 < out_height; y0 += kStripRows) {
    const int strip = std::min(kStripRows, out_height - y0);
    for (int i = 0; i < strip; ++i) {
      const int oy = y0 + i;
      for (int k = 0; k < vertical.count[oy]; ++k) {
        in_rows[k] = in.data + static_cast<size_t>(vertical.first[oy] + k) * in.stride;
      }
      HWY_DYNAMIC_DISPATCH(weighted_sum_u8)(
          in_rows.data(), &vertical.weight[static_cast<size_t>(oy) * vertical.max_taps],
          vertical.count[oy], row_floats, &rows[i * row_floats]);
    }
    // columns[x] holds the strip's pixels of input column x, row after row.
    const size_t column_floats = static_cast<size_t>(strip) * bands;
    transpose_strip(rows.data(), in.width, strip, bands, columns.data());
    for (int ox = 0; ox < out_width; ++ox) {
      for (int k = 0; k < horizontal.count[ox]; ++k) {
        in_columns[k] = &columns[(horizontal.first[ox] + k) * column_floats];
      }
      HWY_DYNAMIC_DISPATCH(weighted_sum_f32)(
          in_columns.data(), &horizontal.weight[static_cast<size_t>(ox) * horizontal.max_taps],
          horizontal.count[ox], column_floats, &filtered[ox * column_floats]);
    }
    store_strip(filtered.data(), out_width, strip, bands,
                out + static_cast<size_t>(y0) * out_width * bands);
  }
}

}  // namespace pictor::kernels
#endif  // HWY_ONCE
