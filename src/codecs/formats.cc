#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "pictor/engine.h"

namespace pictor {
namespace {

struct FormatInfo {
  Format format;
  std::string_view name, mime, extension;
};

constexpr std::array kFormats = {
    FormatInfo{Format::kJpeg, "jpeg", "image/jpeg", ".jpg"},
    FormatInfo{Format::kPng, "png", "image/png", ".png"},
    FormatInfo{Format::kWebp, "webp", "image/webp", ".webp"},
    FormatInfo{Format::kGif, "gif", "image/gif", ".gif"},
    FormatInfo{Format::kHeic, "heic", "image/heic", ".heic"},
    FormatInfo{Format::kAvif, "avif", "image/avif", ".avif"},
};

const FormatInfo* find(Format format) {
  for (const FormatInfo& info : kFormats) {
    if (info.format == format) return &info;
  }
  return nullptr;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

std::string_view format_name(Format format) {
  const FormatInfo* info = find(format);
  return info ? info->name : "unknown";
}
std::string_view format_mime(Format format) {
  const FormatInfo* info = find(format);
  return info ? info->mime : "application/octet-stream";
}
std::string_view format_extension(Format format) {
  const FormatInfo* info = find(format);
  return info ? info->extension : "";
}

std::optional<Format> format_from_name(std::string_view name) {
  const std::string n = lower(name);
  if (n == "jpg") return Format::kJpeg;
  if (n == "heif") return Format::kHeic;
  for (const FormatInfo& info : kFormats) {
    if (info.name == n) return info.format;
  }
  return std::nullopt;
}

std::optional<Format> format_from_extension(std::string_view path) {
  const size_t dot = path.rfind('.');
  const size_t slash = path.find_last_of('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) {
    return std::nullopt;
  }
  const std::string ext = lower(path.substr(dot + 1));
  if (ext == "jpe") return Format::kJpeg;
  return format_from_name(ext);
}

}  // namespace pictor
