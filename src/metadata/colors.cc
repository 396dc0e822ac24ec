// Colour analysis on 8-bit sRGB pixels (colors.h). The BlurHash code follows the reference
// TypeScript implementation (npm `blurhash` 2.0.5) operation for operation, in double precision
// and in the same summation order, so that the strings are identical (tests/unit/colors_test.cc
// runs the reference under node).
#include "metadata/colors.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace pictor::metadata::colors {
namespace {

constexpr double kPi = std::numbers::pi;

// D65 white of sRGB in XYZ (Y = 1), and the linear sRGB -> XYZ matrix (IEC 61966-2-1).
constexpr double kWhite[3] = {0.95047, 1.0, 1.08883};
constexpr double kToXyz[3][3] = {{0.4124564, 0.3575761, 0.1804375},
                                 {0.2126729, 0.7151522, 0.0721750},
                                 {0.0193339, 0.1191920, 0.9503041}};
constexpr double kFromXyz[3][3] = {{3.2404542, -1.5371385, -0.4985314},
                                   {-0.9692660, 1.8760108, 0.0415560},
                                   {0.0556434, -0.2040259, 1.0572252}};

constexpr double kDelta = 6.0 / 29.0;

double lab_f(double t) {
  return t > kDelta * kDelta * kDelta ? std::cbrt(t) : t / (3 * kDelta * kDelta) + 4.0 / 29.0;
}

double lab_f_inverse(double t) {
  return t > kDelta ? t * t * t : 3 * kDelta * kDelta * (t - 4.0 / 29.0);
}

const std::array<double, 256>& linear_table() {
  static const std::array<double, 256> table = [] {
    std::array<double, 256> t{};
    // v / 255 first, as the reference BlurHash code does: the same doubles, bit for bit.
    for (int i = 0; i < 256; ++i) t[i] = srgb_to_linear(i / 255.0);
    return t;
  }();
  return table;
}

}  // namespace

double srgb_to_linear(double v) {
  return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
}

double linear_to_srgb(double v) {
  return v <= 0.0031308 ? v * 12.92 : 1.055 * std::pow(v, 1 / 2.4) - 0.055;
}

double srgb8_to_linear(uint8_t v) {
  return linear_table()[v];
}

uint8_t linear_to_srgb8(double v) {
  // trunc(x + 0.5), as BlurHash does, so that the DC term equals average_color.
  const double c = std::clamp(v, 0.0, 1.0);
  return static_cast<uint8_t>(std::trunc(linear_to_srgb(c) * 255 + 0.5));
}

Lab linear_to_lab(const std::array<double, 3>& rgb) {
  double f[3];
  for (int i = 0; i < 3; ++i) {
    const double xyz = kToXyz[i][0] * rgb[0] + kToXyz[i][1] * rgb[1] + kToXyz[i][2] * rgb[2];
    f[i] = lab_f(xyz / kWhite[i]);
  }
  return {116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])};
}

std::array<double, 3> lab_to_linear(const Lab& lab) {
  const double fy = (lab.l + 16) / 116;
  const double xyz[3] = {kWhite[0] * lab_f_inverse(fy + lab.a / 500), kWhite[1] * lab_f_inverse(fy),
                         kWhite[2] * lab_f_inverse(fy - lab.b / 200)};
  std::array<double, 3> rgb{};
  for (int i = 0; i < 3; ++i)
    rgb[i] = kFromXyz[i][0] * xyz[0] + kFromXyz[i][1] * xyz[1] + kFromXyz[i][2] * xyz[2];
  return rgb;
}

Lab srgb8_to_lab(Rgb8 c) {
  return linear_to_lab({srgb8_to_linear(c.r), srgb8_to_linear(c.g), srgb8_to_linear(c.b)});
}

Rgb8 lab_to_srgb8(const Lab& lab) {
  const auto rgb = lab_to_linear(lab);
  return {linear_to_srgb8(rgb[0]), linear_to_srgb8(rgb[1]), linear_to_srgb8(rgb[2])};
}

double delta_e76(const Lab& x, const Lab& y) {
  return std::sqrt((x.l - y.l) * (x.l - y.l) + (x.a - y.a) * (x.a - y.a) +
                   (x.b - y.b) * (x.b - y.b));
}

std::string to_hex(Rgb8 c) {
  return fmt::format("#{:02x}{:02x}{:02x}", c.r, c.g, c.b);
}

Rgb8 average_color(RgbView image) {
  const size_t n = static_cast<size_t>(image.width) * image.height;
  if (n == 0) return {};
  double sum[3] = {0, 0, 0};
  for (size_t i = 0; i < n; ++i) {
    for (int c = 0; c < 3; ++c) sum[c] += srgb8_to_linear(image.pixels[3 * i + c]);
  }
  return {linear_to_srgb8(sum[0] / n), linear_to_srgb8(sum[1] / n), linear_to_srgb8(sum[2] / n)};
}

RgbImage box_downsample(RgbView image, int max_side) {
  const int longer = std::max(image.width, image.height);
  const int f = std::max(1, (longer + max_side - 1) / std::max(1, max_side));
  RgbImage out;
  out.width = (image.width + f - 1) / f;
  out.height = (image.height + f - 1) / f;
  if (f == 1) {
    out.pixels.assign(image.pixels.begin(), image.pixels.end());
    return out;
  }
  out.pixels.resize(static_cast<size_t>(out.width) * out.height * 3);
  std::vector<double> sums(static_cast<size_t>(out.width) * 3);
  std::vector<int> counts(out.width);
  for (int oy = 0; oy < out.height; ++oy) {
    std::fill(sums.begin(), sums.end(), 0.0);
    std::fill(counts.begin(), counts.end(), 0);
    for (int y = oy * f; y < std::min(image.height, (oy + 1) * f); ++y) {
      const uint8_t* row = image.pixels.data() + static_cast<size_t>(y) * image.width * 3;
      for (int x = 0; x < image.width; ++x) {
        for (int c = 0; c < 3; ++c) sums[(x / f) * 3 + c] += srgb8_to_linear(row[3 * x + c]);
        ++counts[x / f];
      }
    }
    uint8_t* dst = out.pixels.data() + static_cast<size_t>(oy) * out.width * 3;
    for (int ox = 0; ox < out.width; ++ox) {
      for (int c = 0; c < 3; ++c) dst[3 * ox + c] = linear_to_srgb8(sums[3 * ox + c] / counts[ox]);
    }
  }
  return out;
}

// --- Dominant colours -------------------------------------------------------------------------

namespace {

using Point = std::array<double, 3>;  // L, a, b

double distance2(const Point& x, const Point& y) {
  const double d0 = x[0] - y[0], d1 = x[1] - y[1], d2 = x[2] - y[2];
  return d0 * d0 + d1 * d1 + d2 * d2;
}

// A median-cut box: a range of the index permutation, its mean and its error.
struct Box {
  size_t begin, end;
  Point mean;
  double sse;  // sum of squared distances to the mean
  int axis;    // the axis of largest variance
};

Box make_box(const std::vector<Point>& points, const std::vector<uint32_t>& order, size_t begin,
             size_t end) {
  Box box{begin, end, {0, 0, 0}, 0, 0};
  const double n = static_cast<double>(end - begin);
  for (size_t i = begin; i < end; ++i)
    for (int c = 0; c < 3; ++c) box.mean[c] += points[order[i]][c];
  for (double& m : box.mean) m /= n;
  Point variance{0, 0, 0};
  for (size_t i = begin; i < end; ++i)
    for (int c = 0; c < 3; ++c) {
      const double d = points[order[i]][c] - box.mean[c];
      variance[c] += d * d;
    }
  box.sse = variance[0] + variance[1] + variance[2];
  box.axis =
      static_cast<int>(std::max_element(variance.begin(), variance.end()) - variance.begin());
  return box;
}

// Variance-based median cut: repeatedly split the box with the largest error at the mean of its
// widest axis. Deterministic, and a good start for k-means: one box per separate colour mass.
std::vector<Point> median_cut(const std::vector<Point>& points, int k) {
  std::vector<uint32_t> order(points.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<uint32_t>(i);
  std::vector<Box> boxes{make_box(points, order, 0, order.size())};
  std::vector<bool> final_box{false};
  while (static_cast<int>(boxes.size()) < k) {
    int pick = -1;
    for (size_t i = 0; i < boxes.size(); ++i) {
      if (!final_box[i] && boxes[i].sse > 1e-9 && (pick < 0 || boxes[i].sse > boxes[pick].sse))
        pick = static_cast<int>(i);
    }
    if (pick < 0) break;
    const Box box = boxes[pick];
    const auto first = order.begin() + box.begin, last = order.begin() + box.end;
    const auto middle = std::stable_partition(
        first, last, [&](uint32_t i) { return points[i][box.axis] < box.mean[box.axis]; });
    if (middle == first || middle == last) {  // rounding: no value on one side of the mean
      final_box[pick] = true;
      continue;
    }
    const size_t split = static_cast<size_t>(middle - order.begin());
    boxes[pick] = make_box(points, order, box.begin, split);
    boxes.push_back(make_box(points, order, split, box.end));
    final_box.push_back(false);
  }
  std::vector<Point> centres;
  for (const Box& box : boxes) centres.push_back(box.mean);
  return centres;
}

// Lloyd's iterations until no point changes cluster. Drops clusters that end up empty; returns
// the pixel count of each remaining one.
std::vector<size_t> lloyd(const std::vector<Point>& points, std::vector<Point>& centres,
                          int max_iterations) {
  std::vector<uint8_t> label(points.size(), 0xff);
  std::vector<size_t> counts;
  for (int iteration = 0; iteration < max_iterations; ++iteration) {
    bool changed = false;
    for (size_t i = 0; i < points.size(); ++i) {
      uint8_t best = 0;
      double best_d = distance2(points[i], centres[0]);
      for (size_t c = 1; c < centres.size(); ++c) {
        const double d = distance2(points[i], centres[c]);
        if (d < best_d) best_d = d, best = static_cast<uint8_t>(c);
      }
      changed |= label[i] != best;
      label[i] = best;
    }
    std::vector<Point> sums(centres.size(), Point{0, 0, 0});
    counts.assign(centres.size(), 0);
    for (size_t i = 0; i < points.size(); ++i) {
      for (int c = 0; c < 3; ++c) sums[label[i]][c] += points[i][c];
      ++counts[label[i]];
    }
    std::vector<Point> next;
    std::vector<size_t> kept;
    for (size_t c = 0; c < centres.size(); ++c) {
      if (counts[c] == 0) continue;
      next.push_back({sums[c][0] / counts[c], sums[c][1] / counts[c], sums[c][2] / counts[c]});
      kept.push_back(counts[c]);
    }
    const bool dropped = next.size() != centres.size();
    centres = std::move(next);
    counts = std::move(kept);
    if (!changed && !dropped) break;
    if (dropped) std::fill(label.begin(), label.end(), 0xff);  // indices moved
  }
  return counts;
}

// The closest pair of centres, if closer than `limit` (CIE76).
std::optional<std::pair<size_t, size_t>> closest_pair(const std::vector<Point>& centres,
                                                      double limit) {
  std::optional<std::pair<size_t, size_t>> best;
  double best_d = limit * limit;
  for (size_t i = 0; i < centres.size(); ++i)
    for (size_t j = i + 1; j < centres.size(); ++j) {
      const double d = distance2(centres[i], centres[j]);
      if (d < best_d) best_d = d, best = std::pair{i, j};
    }
  return best;
}

}  // namespace

std::vector<PaletteColor> dominant_colors(RgbView image, const PaletteOptions& options) {
  const size_t n = static_cast<size_t>(image.width) * image.height;
  if (n == 0) return {};
  std::vector<Point> points(n);
  for (size_t i = 0; i < n; ++i) {
    const Lab lab =
        srgb8_to_lab({image.pixels[3 * i], image.pixels[3 * i + 1], image.pixels[3 * i + 2]});
    points[i] = {lab.l, lab.a, lab.b};
  }
  std::vector<Point> centres = median_cut(points, std::clamp(options.max_colors, 1, 64));
  const int iterations = std::max(1, options.max_iterations);
  std::vector<size_t> counts = lloyd(points, centres, iterations);
  // Merge the closest pair (weighted), let k-means settle again, until all are distinct.
  while (auto pair = closest_pair(centres, options.merge_delta_e)) {
    const auto [i, j] = *pair;
    const double wi = static_cast<double>(counts[i]), wj = static_cast<double>(counts[j]);
    for (int c = 0; c < 3; ++c)
      centres[i][c] = (centres[i][c] * wi + centres[j][c] * wj) / (wi + wj);
    centres.erase(centres.begin() + static_cast<std::ptrdiff_t>(j));
    counts = lloyd(points, centres, iterations);
  }
  std::vector<PaletteColor> palette;
  for (size_t c = 0; c < centres.size(); ++c) {
    const Rgb8 rgb = lab_to_srgb8({centres[c][0], centres[c][1], centres[c][2]});
    palette.push_back({rgb, srgb8_to_lab(rgb), static_cast<double>(counts[c]) / n});
  }
  std::sort(palette.begin(), palette.end(), [](const PaletteColor& x, const PaletteColor& y) {
    if (x.share != y.share) return x.share > y.share;
    return to_hex(x.rgb) < to_hex(y.rgb);
  });
  return palette;
}

// --- BlurHash ---------------------------------------------------------------------------------

namespace {

constexpr std::string_view kBase83 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";

double sign_pow(double value, double exponent) {
  return (value < 0 ? -1 : 1) * std::pow(std::abs(value), exponent);
}

int quantise_ac(double value, double maximum) {
  return static_cast<int>(std::floor(
      std::max(0.0, std::min(18.0, std::floor(sign_pow(value / maximum, 0.5) * 9 + 9.5)))));
}

// cos(pi * component * position / size) for every component and position, computed exactly as
// the reference computes it inline: its encoder multiplies pi by the component first, its
// decoder by the position first, and the last bit of the product can differ.
enum class Order { kComponentFirst, kPositionFirst };
std::vector<double> cosines(int components, int size, Order order) {
  std::vector<double> table(static_cast<size_t>(components) * size);
  for (int c = 0; c < components; ++c) {
    for (int p = 0; p < size; ++p) {
      const double angle =
          order == Order::kComponentFirst ? kPi * c * p / size : kPi * p * c / size;
      table[static_cast<size_t>(c) * size + p] = std::cos(angle);
    }
  }
  return table;
}

}  // namespace

std::string base83_encode(uint32_t value, int length) {
  std::string out;
  uint64_t divisor = 1;
  for (int i = 1; i < length; ++i) divisor *= 83;
  for (int i = 0; i < length; ++i, divisor /= 83) out += kBase83[(value / divisor) % 83];
  return out;
}

std::optional<uint32_t> base83_decode(std::string_view digits) {
  if (digits.size() > 4) return std::nullopt;
  uint32_t value = 0;
  for (char ch : digits) {
    const size_t digit = kBase83.find(ch);
    if (digit == std::string_view::npos) return std::nullopt;
    value = value * 83 + static_cast<uint32_t>(digit);
  }
  return value;
}

std::array<int, 2> blurhash_components(int width, int height) {
  constexpr int kLong = 4;
  const int longer = std::max(width, height), shorter = std::min(width, height);
  const int scaled =
      longer > 0 ? static_cast<int>(std::lround(kLong * double(shorter) / longer)) : 1;
  const int other = std::clamp(scaled, 1, kLong);
  return width >= height ? std::array{kLong, other} : std::array{other, kLong};
}

Result<std::string> blurhash_encode(RgbView image, int x_components, int y_components,
                                    AcScale scale) {
  if (x_components < 1 || x_components > 9 || y_components < 1 || y_components > 9)
    return Result<std::string>(ErrorCode::kInvalidValue, "BlurHash components must be 1..9");
  if (image.width <= 0 || image.height <= 0)
    return Result<std::string>(ErrorCode::kInvalidValue, "BlurHash of an empty image");
  const int w = image.width, h = image.height, count = x_components * y_components;
  const std::vector<double> cx = cosines(x_components, w, Order::kComponentFirst);
  const std::vector<double> cy = cosines(y_components, h, Order::kComponentFirst);
  // factors[j * nx + i][channel]; summed over x, then y within x, as the reference does.
  std::vector<std::array<double, 3>> factors(count, {0, 0, 0});
  for (int x = 0; x < w; ++x) {
    for (int y = 0; y < h; ++y) {
      const uint8_t* p = image.pixels.data() + (static_cast<size_t>(y) * w + x) * 3;
      const double linear[3] = {srgb8_to_linear(p[0]), srgb8_to_linear(p[1]),
                                srgb8_to_linear(p[2])};
      for (int j = 0; j < y_components; ++j) {
        for (int i = 0; i < x_components; ++i) {
          const double normalisation = i == 0 && j == 0 ? 1 : 2;
          const double basis = normalisation * cx[static_cast<size_t>(i) * w + x] *
                               cy[static_cast<size_t>(j) * h + y];
          auto& f = factors[j * x_components + i];
          for (int c = 0; c < 3; ++c) f[c] += basis * linear[c];
        }
      }
    }
  }
  const double norm = 1.0 / (static_cast<double>(w) * h);
  for (auto& f : factors)
    for (double& v : f) v *= norm;

  std::string hash = base83_encode((x_components - 1) + (y_components - 1) * 9, 1);
  double maximum = 1;
  if (count > 1) {
    double actual = scale == AcScale::kMagnitude ? 0 : -HUGE_VAL;
    for (int k = 1; k < count; ++k)
      for (double v : factors[k])
        actual = std::max(actual, scale == AcScale::kMagnitude ? std::abs(v) : v);
    const int quantised =
        static_cast<int>(std::floor(std::max(0.0, std::min(82.0, std::floor(actual * 166 - 0.5)))));
    maximum = (quantised + 1) / 166.0;
    hash += base83_encode(quantised, 1);
  } else {
    hash += base83_encode(0, 1);
  }
  const auto& dc = factors[0];
  hash += base83_encode(
      (linear_to_srgb8(dc[0]) << 16) + (linear_to_srgb8(dc[1]) << 8) + linear_to_srgb8(dc[2]), 4);
  for (int k = 1; k < count; ++k) {
    const auto& f = factors[k];
    hash += base83_encode(quantise_ac(f[0], maximum) * 19 * 19 + quantise_ac(f[1], maximum) * 19 +
                              quantise_ac(f[2], maximum),
                          2);
  }
  return hash;
}

Result<RgbImage> blurhash_decode(std::string_view hash, int width, int height) {
  auto invalid = [&](const std::string& why) {
    return Result<RgbImage>(ErrorCode::kInvalidValue, "invalid BlurHash: " + why);
  };
  if (width < 1 || height < 1 || width > 4096 || height > 4096) return invalid("size");
  if (hash.size() < 6) return invalid("shorter than 6 characters");
  const auto size_flag = base83_decode(hash.substr(0, 1));
  if (!size_flag) return invalid("alphabet");
  const int nx = static_cast<int>(*size_flag % 9) + 1, ny = static_cast<int>(*size_flag / 9) + 1;
  if (hash.size() != static_cast<size_t>(4 + 2 * nx * ny)) return invalid("length");
  const auto quantised_max = base83_decode(hash.substr(1, 1));
  const auto dc = base83_decode(hash.substr(2, 4));
  if (!quantised_max || !dc || *dc > 0xffffff) return invalid("header");
  const double maximum = (*quantised_max + 1) / 166.0;

  std::vector<std::array<double, 3>> colours(static_cast<size_t>(nx) * ny);
  colours[0] = {srgb8_to_linear(*dc >> 16), srgb8_to_linear((*dc >> 8) & 255),
                srgb8_to_linear(*dc & 255)};
  for (size_t k = 1; k < colours.size(); ++k) {
    const auto ac = base83_decode(hash.substr(4 + 2 * k, 2));
    if (!ac || *ac >= 19 * 19 * 19) return invalid("AC component");
    const int q[3] = {static_cast<int>(*ac / (19 * 19)), static_cast<int>(*ac / 19 % 19),
                      static_cast<int>(*ac % 19)};
    for (int c = 0; c < 3; ++c) colours[k][c] = sign_pow((q[c] - 9) / 9.0, 2.0) * maximum;
  }
  const std::vector<double> cx = cosines(nx, width, Order::kPositionFirst);
  const std::vector<double> cy = cosines(ny, height, Order::kPositionFirst);
  RgbImage out;
  out.width = width;
  out.height = height;
  out.pixels.resize(static_cast<size_t>(width) * height * 3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      double sum[3] = {0, 0, 0};
      for (int j = 0; j < ny; ++j) {
        for (int i = 0; i < nx; ++i) {
          const double basis =
              cx[static_cast<size_t>(i) * width + x] * cy[static_cast<size_t>(j) * height + y];
          for (int c = 0; c < 3; ++c) sum[c] += colours[static_cast<size_t>(j) * nx + i][c] * basis;
        }
      }
      uint8_t* p = out.pixels.data() + (static_cast<size_t>(y) * width + x) * 3;
      for (int c = 0; c < 3; ++c) p[c] = linear_to_srgb8(sum[c]);
    }
  }
  return out;
}

}  // namespace pictor::metadata::colors
