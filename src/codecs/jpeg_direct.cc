#include "codecs/jpeg_direct.h"

#include <glib.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstring>

#include "codecs/libjpeg_errors.h"  // with <jpeglib.h>

namespace pictor::codecs {
namespace {

// Larger images stream through libvips rather than being held whole in memory. Decodes are
// bounded lower than encodes: a server runs one per worker, and big originals are
// shrunk on load far below this anyway.
constexpr size_t kMaxDecodedBytes = 32u << 20;
constexpr size_t kMaxDirectBytes = 64u << 20;
// The deadline is checked every this many rows: often enough to stop within a millisecond or
// two, rarely enough to cost nothing.
constexpr unsigned kRowsPerDeadlineCheck = 16;
constexpr int kIccMarker = JPEG_APP0 + 2;

bool past(const Deadline* deadline) {
  return deadline && std::chrono::steady_clock::now() > *deadline;
}

void free_pixels(VipsImage*, void* pixels) {
  g_free(pixels);
}

enum class DecodeOutcome { kDecoded, kNotForUs, kTimedOut };

// Header checks, then the scanlines into `pixels` (allocated here with g_malloc, owned by the
// caller afterwards even on failure).
DecodeOutcome decode_rows(std::span<const uint8_t> bytes, int shrink, const Deadline* deadline,
                          uint8_t** pixels, int* width, int* height, int* bands, double* xres,
                          double* yres) {
  jpeg_decompress_struct cinfo{};  // zeroed: destroying it before create is then harmless
  LibjpegErrors errors;
  cinfo.err = jumping_errors(&errors);
  if (setjmp(errors.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return DecodeOutcome::kNotForUs;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_save_markers(&cinfo, kIccMarker, 16);  // enough to read the signature
  jpeg_read_header(&cinfo, TRUE);
  bool supported = (cinfo.jpeg_color_space == JCS_YCbCr && cinfo.num_components == 3) ||
                   (cinfo.jpeg_color_space == JCS_GRAYSCALE && cinfo.num_components == 1);
  for (jpeg_saved_marker_ptr m = cinfo.marker_list; m; m = m->next) {
    // libvips converts a profile to sRGB when needed (APP2 also carries FlashPix data).
    if (m->marker == kIccMarker && m->data_length >= 12 &&
        std::memcmp(m->data, "ICC_PROFILE", 12) == 0) {
      supported = false;
    }
  }
  cinfo.out_color_space = cinfo.num_components == 3 ? JCS_RGB : JCS_GRAYSCALE;
  cinfo.scale_num = 1;
  cinfo.scale_denom = static_cast<unsigned>(shrink);
  jpeg_calc_output_dimensions(&cinfo);
  const size_t decoded_bytes =
      size_t(cinfo.output_width) * cinfo.output_height * cinfo.output_components;
  if (!supported || decoded_bytes == 0 || decoded_bytes > kMaxDecodedBytes) {
    jpeg_destroy_decompress(&cinfo);
    return DecodeOutcome::kNotForUs;
  }
  jpeg_start_decompress(&cinfo);
  // libjpeg rounds a scaled size up; libvips drops the partial last column and row, and so do we.
  const unsigned kept_width = std::max(1u, cinfo.image_width / cinfo.scale_denom);
  const unsigned kept_height = std::max(1u, cinfo.image_height / cinfo.scale_denom);
  *width = static_cast<int>(std::min(kept_width, cinfo.output_width));
  *height = static_cast<int>(std::min(kept_height, cinfo.output_height));
  *bands = cinfo.output_components;
  // JFIF density, as libvips reads it, in pixels per millimetre; 72 dpi when absent.
  *xres = *yres = 72.0 / 25.4;
  if (cinfo.saw_JFIF_marker && cinfo.X_density > 0 && cinfo.Y_density > 0 &&
      cinfo.density_unit > 0) {
    const double per_mm = cinfo.density_unit == 1 ? 1 / 25.4 : 1 / 10.0;
    *xres = cinfo.X_density * per_mm;
    *yres = cinfo.Y_density * per_mm;
  }
  // Rows are decoded at libjpeg's width into the buffer and packed to the kept width as they
  // come (the packed row never overtakes the one being written); rows past the kept height go
  // to a scratch row, still decoded so damage at the very end is noticed.
  const size_t decoded_row = size_t(cinfo.output_width) * cinfo.output_components;
  const size_t kept_row = size_t(*width) * *bands;
  *pixels = static_cast<uint8_t*>(g_malloc(kept_row * *height + decoded_row));
  while (cinfo.output_scanline < cinfo.output_height) {
    if (cinfo.output_scanline % kRowsPerDeadlineCheck == 0 && past(deadline)) {
      jpeg_destroy_decompress(&cinfo);
      return DecodeOutcome::kTimedOut;
    }
    const unsigned y =
        std::min<unsigned>(cinfo.output_scanline, *height);  // *height: the scratch row
    JSAMPROW row = *pixels + kept_row * y;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  // Corrupt data is only a warning to libjpeg (it fills in grey); libvips decides what that means.
  const bool clean = errors.pub.num_warnings == 0;
  jpeg_destroy_decompress(&cinfo);
  return clean ? DecodeOutcome::kDecoded : DecodeOutcome::kNotForUs;
}

// Compressed bytes go straight into a vector owned by the caller, so an error part-way leaves
// nothing to free (libjpeg's own memory destination leaks or double-frees its buffer then).
struct VectorDestination {
  jpeg_destination_mgr pub;
  std::vector<uint8_t>* out;
};

void start_output(j_compress_ptr cinfo) {
  auto* dest = reinterpret_cast<VectorDestination*>(cinfo->dest);
  dest->out->resize(std::max<size_t>(dest->out->capacity(), 16384));
  dest->pub.next_output_byte = dest->out->data();
  dest->pub.free_in_buffer = dest->out->size();
}

boolean grow_output(j_compress_ptr cinfo) {
  auto* dest = reinterpret_cast<VectorDestination*>(cinfo->dest);
  const size_t used = dest->out->size();  // libjpeg calls this only when the buffer is full
  dest->out->resize(used * 2);
  dest->pub.next_output_byte = dest->out->data() + used;
  dest->pub.free_in_buffer = used;
  return TRUE;
}

void finish_output(j_compress_ptr cinfo) {
  auto* dest = reinterpret_cast<VectorDestination*>(cinfo->dest);
  dest->out->resize(dest->out->size() - dest->pub.free_in_buffer);
}

enum class EncodeOutcome { kEncoded, kFailed, kTimedOut };

EncodeOutcome encode_rows(const uint8_t* pixels, int width, int height, int bands, double xres,
                          double yres, const JpegSettings& settings, const Deadline* deadline,
                          std::vector<uint8_t>* out) {
  jpeg_compress_struct cinfo{};
  LibjpegErrors errors;
  VectorDestination destination{{nullptr, 0, start_output, grow_output, finish_output}, out};
  cinfo.err = jumping_errors(&errors);
  if (setjmp(errors.jump)) {
    jpeg_destroy_compress(&cinfo);
    return EncodeOutcome::kFailed;
  }
  jpeg_create_compress(&cinfo);
  cinfo.dest = &destination.pub;
  cinfo.image_width = static_cast<JDIMENSION>(width);
  cinfo.image_height = static_cast<JDIMENSION>(height);
  cinfo.input_components = bands;
  cinfo.in_color_space = bands == 3 ? JCS_RGB : JCS_GRAYSCALE;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, settings.quality, TRUE);
  cinfo.optimize_coding = TRUE;
  // libjpeg's default is 4:2:0 for colour; 4:4:4 when asked, or when `auto` and q >= 90.
  const bool subsample =
      settings.subsample == "on" || (settings.subsample == "auto" && settings.quality < 90);
  if (bands == 3 && !subsample) {
    for (int i = 0; i < cinfo.num_components; ++i) {
      cinfo.comp_info[i].h_samp_factor = 1;
      cinfo.comp_info[i].v_samp_factor = 1;
    }
  }
  if (settings.progressive) jpeg_simple_progression(&cinfo);
  cinfo.density_unit = 1;  // dots per inch, as libvips writes it
  cinfo.X_density = static_cast<UINT16>(std::lround(std::clamp(xres * 25.4, 1.0, 65535.0)));
  cinfo.Y_density = static_cast<UINT16>(std::lround(std::clamp(yres * 25.4, 1.0, 65535.0)));
  jpeg_start_compress(&cinfo, TRUE);
  const size_t row_bytes = size_t(width) * bands;
  while (cinfo.next_scanline < cinfo.image_height) {
    if (cinfo.next_scanline % kRowsPerDeadlineCheck == 0 && past(deadline)) {
      jpeg_destroy_compress(&cinfo);
      return EncodeOutcome::kTimedOut;
    }
    JSAMPROW row = const_cast<uint8_t*>(pixels + row_bytes * cinfo.next_scanline);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  return EncodeOutcome::kEncoded;
}

std::atomic<bool> direct_jpeg_enabled{true};
std::atomic<uint64_t> direct_decodes{0};
std::atomic<uint64_t> direct_encodes{0};

}  // namespace

void set_direct_jpeg(bool enabled) {
  direct_jpeg_enabled = enabled;
}
bool direct_jpeg() {
  return direct_jpeg_enabled;
}
DirectJpegCounts direct_jpeg_counts() {
  return {direct_decodes.load(), direct_encodes.load()};
}

DirectDecode decode_jpeg_direct(std::span<const uint8_t> bytes, int shrink,
                                const Deadline* deadline) {
  if (shrink != 1 && shrink != 2 && shrink != 4 && shrink != 8) return {};
  uint8_t* pixels = nullptr;
  int width = 0, height = 0, bands = 0;
  double xres = 0, yres = 0;
  const DecodeOutcome outcome =
      decode_rows(bytes, shrink, deadline, &pixels, &width, &height, &bands, &xres, &yres);
  if (outcome != DecodeOutcome::kDecoded) {
    g_free(pixels);
    return {std::nullopt, outcome == DecodeOutcome::kTimedOut};
  }
  VipsImage* image = vips_image_new_from_memory(pixels, size_t(width) * height * bands, width,
                                                height, bands, VIPS_FORMAT_UCHAR);
  if (!image) {
    g_free(pixels);
    return {};
  }
  g_signal_connect(image, "postclose", G_CALLBACK(free_pixels), pixels);
  image->Type = bands == 3 ? VIPS_INTERPRETATION_sRGB : VIPS_INTERPRETATION_B_W;
  image->Xres = xres;
  image->Yres = yres;
  direct_decodes++;
  return {vips::VImage(image), false};
}

bool can_encode_jpeg_direct(const vips::VImage& image) {
  return image.format() == VIPS_FORMAT_UCHAR && (image.bands() == 3 || image.bands() == 1) &&
         image.coding() == VIPS_CODING_NONE &&
         size_t(image.width()) * image.height() * image.bands() <= kMaxDirectBytes;
}

Result<std::vector<uint8_t>> encode_jpeg_direct(const vips::VImage& image,
                                                const JpegSettings& settings,
                                                const Deadline* deadline) {
  // Throws (caught by the caller's libvips guard) when the deadline stops the computation.
  const vips::VImage memory = image.copy_memory();
  const auto* pixels = static_cast<const uint8_t*>(vips_image_get_data(memory.get_image()));
  if (!pixels) return {ErrorCode::kInternal, "image pixels are not in memory"};
  std::vector<uint8_t> bytes;
  // About the size of a thumbnail, so most encodes never grow the buffer.
  bytes.reserve(
      std::max<size_t>(16384, size_t(memory.width()) * memory.height() * memory.bands() / 8));
  const EncodeOutcome outcome =
      encode_rows(pixels, memory.width(), memory.height(), memory.bands(), memory.xres(),
                  memory.yres(), settings, deadline, &bytes);
  if (outcome == EncodeOutcome::kTimedOut)
    return {ErrorCode::kTimeout, "encode cancelled at the deadline"};
  if (outcome == EncodeOutcome::kFailed) return {ErrorCode::kInternal, "the JPEG encoder failed"};
  direct_encodes++;
  return bytes;
}

}  // namespace pictor::codecs
