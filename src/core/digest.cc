#include "core/digest.h"

#include <openssl/evp.h>

namespace pictor {
namespace {

std::string digest_hex(const EVP_MD* md, const void* data, size_t size) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data, size, out, &length, md, nullptr);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(size_t(length) * 2, '0');
  for (unsigned int i = 0; i < length; ++i) {
    hex[2 * i] = kDigits[out[i] >> 4];
    hex[2 * i + 1] = kDigits[out[i] & 15];
  }
  return hex;
}

}  // namespace

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
