#include "ops/in_memory.h"

#include <glib.h>


#include "kernels/lanczos3.h"

namespace pictor::ops {
namespace {

// Inputs up to this size (decoded bytes) are reduced in memory; larger ones stream through
// libvips. JPEG shrink-on-load and the pyramid keep ordinary thumbnails far below it.
constexpr size_t kMaxInMemoryBytes = 64u << 20;

void stop_at_deadline(VipsImage* image, VipsProgress*, void* deadline) {
  if (std::chrono::steady_clock::now() > *static_cast<const Deadline*>(deadline)) {
    vips_image_set_kill(image, TRUE);
  }
}

// The one piece of metadata the encoder may still write after a resize is the ICC profile
// (`keep=icc`; copyright is re-read from the source bytes, orientation is already applied).
// It is copied byte for byte: sharing libvips' metadata values between images here led to a
// use-after-free under ASan (the EXIF blob is re-parsed when set).
void copy_icc_profile(const vips::VImage& from, vips::VImage& to) {
  if (from.get_typeof(VIPS_META_ICC_NAME) == 0) return;
  size_t size = 0;
  const void* data = from.get_blob(VIPS_META_ICC_NAME, &size);
  vips_image_set_blob_copy(to.get_image(), VIPS_META_ICC_NAME, data, size);
}

void free_pixels(VipsImage*, void* pixels) { g_free(pixels); }

}  // namespace

vips::VImage copy_memory_until(const vips::VImage& image, const Deadline* deadline) {
  if (deadline) {
    vips_image_set_progress(image.get_image(), TRUE);
    g_signal_connect(image.get_image(), "eval", G_CALLBACK(stop_at_deadline),
                     const_cast<Deadline*>(deadline));
  }
  return image.copy_memory();
}

std::optional<vips::VImage> reduce_in_memory(const vips::VImage& image, Size target,
                                             const Deadline* deadline) {
  const size_t in_bytes = static_cast<size_t>(image.width()) * image.height() * image.bands();
  if (image.format() != VIPS_FORMAT_UCHAR || image.has_alpha() || image.bands() > 4 ||
      target.width > image.width() || target.height > image.height() ||
      target.width < 1 || target.height < 1 || in_bytes > kMaxInMemoryBytes ||
      vips_image_get_page_height(image.get_image()) != image.height()) {  // frames: libvips
    return std::nullopt;
  }
  const vips::VImage in = copy_memory_until(image, deadline);
  const kernels::PixelsView view{static_cast<const uint8_t*>(in.data()), in.width(), in.height(),
                                 in.bands(), static_cast<size_t>(VIPS_IMAGE_SIZEOF_LINE(in.get_image()))};
  const size_t out_bytes = static_cast<size_t>(target.width) * target.height * in.bands();
  auto* pixels = static_cast<uint8_t*>(g_malloc(out_bytes));
  kernels::reduce_lanczos3(view, target.width, target.height, pixels);
  VipsImage* wrapped = vips_image_new_from_memory(pixels, out_bytes, target.width, target.height,
                                                  in.bands(), VIPS_FORMAT_UCHAR);
  if (!wrapped) {
    g_free(pixels);
    throw vips::VError();
  }
  g_signal_connect(wrapped, "postclose", G_CALLBACK(free_pixels), pixels);
  vips::VImage out(wrapped);  // takes the reference
  out = out.copy(vips::VImage::option()
                     ->set("interpretation", in.interpretation())
                     ->set("xres", in.xres())
                     ->set("yres", in.yres()));
  copy_icc_profile(in, out);
  return out;
}

}  // namespace pictor::ops
