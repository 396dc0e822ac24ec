// libjpeg error handling for code that calls libjpeg-turbo directly (codecs/jpeg_direct.cc,
// metadata/jpeg_quality.cc).
//
// libjpeg reports fatal errors through error_exit, which must not return: it jumps back to the
// setjmp in the function that drives the codec. Such functions keep only trivially destructible
// locals between setjmp and their end, so the jump skips no destructor.
#pragma once

// jpeglib.h needs FILE and size_t declared first.
// clang-format off
#include <csetjmp>
#include <cstdio>
#include <jpeglib.h>
// clang-format on

namespace pictor::codecs {

struct LibjpegErrors {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
};

inline void libjpeg_jump_on_error(j_common_ptr cinfo) {
  std::longjmp(reinterpret_cast<LibjpegErrors*>(cinfo->err)->jump, 1);
}

// Warnings are counted in num_warnings and judged by the caller, never printed.
inline void libjpeg_ignore_message(j_common_ptr) {}

// The error manager for one codec run; the caller then calls setjmp on errors->jump itself (the
// jump must land in a frame that is still running).
inline jpeg_error_mgr* jumping_errors(LibjpegErrors* errors) {
  jpeg_error_mgr* manager = jpeg_std_error(&errors->pub);
  manager->error_exit = libjpeg_jump_on_error;
  manager->output_message = libjpeg_ignore_message;
  return manager;
}

}  // namespace pictor::codecs
