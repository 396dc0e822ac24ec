// The one place where libvips errors become Pictor Status values.
#pragma once

#include <exception>
#include <string>

#include "pictor/status.h"

namespace pictor::codecs {

// Which phase failed decides the code when the message alone does not.
enum class Stage { kLoad, kProcess, kEncode };

Status translate_vips_error(const std::exception& error, Stage stage);

// Runs `body` (returning Result<T> or Status) and turns any exception into a Status.
template <class F>
auto guard_vips(Stage stage, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& error) {
    return translate_vips_error(error, stage);
  }
}

}  // namespace pictor::codecs
