#include "http/auth.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <vector>

namespace pictor::http {
namespace {

bool equal_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool is_configured_key(const ServerConfig& config, std::string_view key) {
  bool found = false;
  for (const std::string& k : config.api_keys) found |= equal_constant_time(k, key);  // no early exit
  return !key.empty() && found;
}

std::string base64url(const unsigned char* data, size_t size) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  for (size_t i = 0; i < size; i += 3) {
    const uint32_t n = (uint32_t(data[i]) << 16) | (i + 1 < size ? uint32_t(data[i + 1]) << 8 : 0) |
                       (i + 2 < size ? uint32_t(data[i + 2]) : 0);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    if (i + 1 < size) out += kAlphabet[(n >> 6) & 63];
    if (i + 2 < size) out += kAlphabet[n & 63];
  }
  return out;
}

struct SplitTarget {
  std::string unsigned_text;  // path + "?" + every parameter except sig, in the original order
  std::string sig;
  std::string exp;
  int sig_count = 0;
};

// Splits the raw target without decoding, so the signed text is exactly what the client signed.
SplitTarget split_target(std::string_view target) {
  SplitTarget out;
  const size_t q = target.find('?');
  out.unsigned_text = std::string(target.substr(0, q));
  if (q == std::string_view::npos) return out;
  std::vector<std::string_view> kept;
  std::string_view rest = target.substr(q + 1);
  while (true) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    if (pair.starts_with("sig=")) {
      out.sig = std::string(pair.substr(4));
      ++out.sig_count;
    } else if (!pair.empty()) {
      if (pair.starts_with("exp=")) out.exp = std::string(pair.substr(4));
      kept.push_back(pair);
    }
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  if (!kept.empty()) out.unsigned_text += fmt::format("?{}", fmt::join(kept, "&"));
  return out;
}

}  // namespace

std::string presented_key(std::string_view authorization, std::string_view x_api_key) {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() > kBearer.size() && authorization.substr(0, kBearer.size()) == kBearer) {
    return std::string(authorization.substr(kBearer.size()));
  }
  return std::string(x_api_key);
}

Status authorize_write(const ServerConfig& config, std::string_view key, bool loopback_listener) {
  if (config.api_keys.empty()) {
    if (loopback_listener) return Status::Ok();
    return {ErrorCode::kUnauthorized,
            "writes are refused on a non-loopback listener until server.api_keys is configured"};
  }
  if (is_configured_key(config, key)) return Status::Ok();
  return {ErrorCode::kUnauthorized, key.empty() ? "this route needs an API key (Authorization: Bearer KEY)"
                                                : "the API key is not valid"};
}

Status authorize_read(const ServerConfig& config, std::string_view key) {
  if (config.public_reads || is_configured_key(config, key)) return Status::Ok();
  return {ErrorCode::kUnauthorized, "reads need an API key or a signed URL"};
}

std::string sign(std::string_view key, std::string_view path_and_query) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(path_and_query.data()),
       path_and_query.size(), mac, &size);
  return base64url(mac, size);
}

Status verify_signature(const ServerConfig& config, std::string_view target, int64_t now) {
  const SplitTarget split = split_target(target);
  if (split.sig_count == 0) return {ErrorCode::kInvalidSignature, "this URL must be signed (sig=...)"};
  if (split.sig_count > 1) return {ErrorCode::kInvalidSignature, "more than one sig parameter"};
  bool valid = false;
  for (const std::string& key : config.signing_keys) valid |= equal_constant_time(sign(key, split.unsigned_text), split.sig);
  if (!valid) return {ErrorCode::kInvalidSignature, "the signature does not match this URL"};
  if (!split.exp.empty()) {
    char* end = nullptr;
    const long long exp = std::strtoll(split.exp.c_str(), &end, 10);
    if (*end != '\0') return {ErrorCode::kInvalidSignature, "exp must be Unix seconds"};
    if (exp < now) return {ErrorCode::kSignatureExpired, fmt::format("the URL expired {} s ago", now - exp)};
  }
  return Status::Ok();
}

Result<std::string> sign_target(const ServerConfig& config, std::string_view target, int64_t expires_at) {
  if (config.signing_keys.empty()) return Result<std::string>(ErrorCode::kConfigError, "no server.signing_keys configured");
  std::string text(target);
  if (text.find("sig=") != std::string::npos && split_target(text).sig_count > 0) {
    return Result<std::string>(ErrorCode::kInvalidValue, "the URL is already signed");
  }
  if (expires_at > 0) text += fmt::format("{}exp={}", text.find('?') == std::string::npos ? '?' : '&', expires_at);
  const std::string sig = sign(config.signing_keys.front(), split_target(text).unsigned_text);
  return text + (text.find('?') == std::string::npos ? "?" : "&") + "sig=" + sig;
}

}  // namespace pictor::http
