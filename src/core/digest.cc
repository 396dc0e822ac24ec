#include "core/digest.h"

#include <openssl/evp.h>

namespace pictor {
namespace {

std::string digest_hex(const EVP_MD* md, const void* data, size_t size) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data, size, out, &length, md, nullptr);
  return to_hex(std::span(out, length));
}

}  // namespace

std::string to_hex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(bytes.size() * 2, '0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    hex[2 * i] = kDigits[bytes[i] >> 4];
    hex[2 * i + 1] = kDigits[bytes[i] & 15];
  }
  return hex;
}

std::string md5_hex(std::span<const uint8_t> bytes) {
  return digest_hex(EVP_md5(), bytes.data(), bytes.size());
}
std::string sha256_hex(std::span<const uint8_t> bytes) {
  return digest_hex(EVP_sha256(), bytes.data(), bytes.size());
}
std::string sha256_hex(std::string_view text) {
  return digest_hex(EVP_sha256(), text.data(), text.size());
}

}  // namespace pictor
