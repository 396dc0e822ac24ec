#include "metadata/jpeg_quality.h"

#include <algorithm>
#include <array>
#include <cmath>

// Brings <cstdio> and <jpeglib.h>, in the order jpeglib needs (FILE first).
#include "codecs/libjpeg_errors.h"

namespace pictor::metadata {
namespace {

constexpr int kTablesCompared = 2;           // luma and the first chroma table, as IJG writes them
using Table = std::array<double, DCTSIZE2>;  // log of each entry, natural order

// log(entry) of libjpeg's standard tables at each quality 1..100, computed once by libjpeg,
// both as baseline files store them (entries clamped to 255, which changes low qualities) and
// unclamped.
struct StandardTables {
  std::array<std::array<Table, kTablesCompared>, 101> at{};
  std::array<std::array<Table, kTablesCompared>, 101> baseline{};
  StandardTables() {
    jpeg_compress_struct cinfo{};
    jpeg_error_mgr errors;
    cinfo.err = jpeg_std_error(&errors);
    jpeg_create_compress(&cinfo);
    cinfo.in_color_space = JCS_RGB;
    cinfo.input_components = 3;
    jpeg_set_defaults(&cinfo);
    for (int q = 1; q <= 100; ++q) {
      for (bool clamp : {false, true}) {
        jpeg_set_quality(&cinfo, q, clamp ? TRUE : FALSE);
        auto& tables = clamp ? baseline[q] : at[q];
        for (int t = 0; t < kTablesCompared; ++t) {
          for (int i = 0; i < DCTSIZE2; ++i)
            tables[t][i] = std::log(double(cinfo.quant_tbl_ptrs[t]->quantval[i]));
        }
      }
    }
    jpeg_destroy_compress(&cinfo);
  }
};

// The file's tables as logs; returns how many were present (0 when the header is unreadable).
int read_tables(std::span<const uint8_t> bytes, std::array<Table, kTablesCompared>* tables) {
  jpeg_decompress_struct cinfo{};
  codecs::LibjpegErrors errors;
  cinfo.err = codecs::jumping_errors(&errors);
  if (setjmp(errors.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return 0;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&cinfo, TRUE);
  int count = 0;
  for (int t = 0; t < kTablesCompared && cinfo.quant_tbl_ptrs[t]; ++t, ++count) {
    for (int i = 0; i < DCTSIZE2; ++i) {
      (*tables)[t][i] = std::log(double(std::max<UINT16>(1, cinfo.quant_tbl_ptrs[t]->quantval[i])));
    }
  }
  jpeg_destroy_decompress(&cinfo);
  return count;
}

}  // namespace

std::optional<int> estimate_jpeg_quality(std::span<const uint8_t> bytes) {
  static const StandardTables standard;
  std::array<Table, kTablesCompared> tables{};
  const int count = read_tables(bytes, &tables);
  if (count == 0) return std::nullopt;
  int best_quality = 0;
  double best_error = INFINITY;
  auto distance = [&](const std::array<Table, kTablesCompared>& reference) {
    double sum = 0;
    for (int t = 0; t < count; ++t) {
      for (int i = 0; i < DCTSIZE2; ++i) {
        const double d = tables[t][i] - reference[t][i];
        sum += d * d;
      }
    }
    return sum;
  };
  for (int q = 1; q <= 100; ++q) {
    const double error = std::min(distance(standard.at[q]), distance(standard.baseline[q]));
    if (error < best_error) {
      best_error = error;
      best_quality = q;
    }
  }
  return best_quality;
}

}  // namespace pictor::metadata
