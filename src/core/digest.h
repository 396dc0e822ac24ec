// Content digests as lowercase hex (OpenSSL's EVP), for ids, ETags and the info API.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace pictor {

// Bytes as lowercase hex, two digits each.
std::string to_hex(std::span<const uint8_t> bytes);

std::string md5_hex(std::span<const uint8_t> bytes);
std::string sha256_hex(std::span<const uint8_t> bytes);
std::string sha256_hex(std::string_view text);

}  // namespace pictor
