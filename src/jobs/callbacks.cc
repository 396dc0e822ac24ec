#include "jobs/callbacks.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace pictor::jobs {
namespace {

std::string hmac_hex(std::string_view key, std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest, &length);
  std::string out;
  for (unsigned int i = 0; i < length; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

std::string trim(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

}  // namespace

std::string callback_signature(std::string_view secret, int64_t unix_seconds,
                               std::string_view body) {
  const std::string signed_text = fmt::format("{}.{}", unix_seconds, body);
  return fmt::format("t={},v1={}", unix_seconds, hmac_hex(secret, signed_text));
}

bool verify_callback_signature(std::string_view secret, std::string_view header,
                               std::string_view body, int64_t now, int64_t tolerance_seconds) {
  std::optional<int64_t> t;
  std::vector<std::string_view> signatures;
  while (!header.empty()) {
    const size_t comma = header.find(',');
    const std::string_view item = header.substr(0, comma);
    if (item.starts_with("t=")) {
      char* end = nullptr;
      const std::string digits(item.substr(2));
      const long long value = std::strtoll(digits.c_str(), &end, 10);
      if (!digits.empty() && *end == '\0') t = value;
    } else if (item.starts_with("v1=")) {
      signatures.push_back(item.substr(3));
    }
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  if (!t || std::llabs(now - *t) > tolerance_seconds) return false;
  const std::string expected = hmac_hex(secret, fmt::format("{}.{}", *t, body));
  for (std::string_view candidate : signatures) {
    if (candidate.size() == expected.size() &&
        CRYPTO_memcmp(candidate.data(), expected.data(), expected.size()) == 0) {
      return true;
    }
  }
  return false;
}

std::string callback_secret_for(std::string_view server_secret, std::string_view api_key) {
  return hmac_hex(server_secret, fmt::format("callback:{}", api_key));
}

Result<std::string> load_or_create_secret(const std::string& configured, const std::string& path) {
  if (!configured.empty()) return configured;
  {
    std::ifstream in(path);
    if (in) {
      std::stringstream text;
      text << in.rdbuf();
      std::string secret = trim(text.str());
      if (secret.size() >= 32) return secret;
      return Result<std::string>(ErrorCode::kConfigError,
                                 fmt::format("{} holds no usable secret (32+ characters)", path));
    }
  }
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1)
    return Result<std::string>(ErrorCode::kInternal, "no randomness for the callback secret");
  std::string secret;
  for (unsigned char b : raw) secret += fmt::format("{:02x}", b);
  // O_EXCL: when two processes start at once, one creates the file and the other reads it.
  const std::string temp = path + ".tmp" + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0)
    return Result<std::string>(ErrorCode::kIoError, fmt::format("cannot create {}", temp));
  const std::string line = secret + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written || ::link(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    if (written) return load_or_create_secret("", path);  // another process won the race
    return Result<std::string>(ErrorCode::kIoError, fmt::format("cannot write {}", path));
  }
  ::unlink(temp.c_str());
  return secret;
}

std::optional<int64_t> next_attempt_delay(int attempt, const std::vector<int64_t>& delays_ms,
                                          std::mt19937_64& random) {
  if (attempt < 1 || attempt > static_cast<int>(delays_ms.size())) return std::nullopt;
  const double base = static_cast<double>(delays_ms[attempt - 1]);
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  return static_cast<int64_t>(base * jitter(random));
}

}  // namespace pictor::jobs
