// Who may do what: API keys for writes (and keyed reads), signed URLs for image reads.
//
// A signed URL carries `sig` = base64url(HMAC-SHA256(key, path + "?" + query without sig)),
// unpadded, and optionally `exp` (Unix seconds, inside the signed text). Every configured signing
// key verifies, so keys can be rotated by adding the new one first and removing the old later.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "pictor/config.h"
#include "pictor/status.h"

namespace pictor::http {

// The key a request presents: `Authorization: Bearer K` or `X-Api-Key: K` ("" when none).
std::string presented_key(std::string_view authorization, std::string_view x_api_key);

// Writes need a configured key; with no keys configured they are allowed only on a loopback
// listener. kUnauthorized otherwise.
Status authorize_write(const ServerConfig& config, std::string_view key, bool loopback_listener);
// Reads are public unless public_reads is off; then a configured key is needed.
Status authorize_read(const ServerConfig& config, std::string_view key);

// Signature of `path_and_query` (the query must not contain sig) with `key`.
std::string sign(std::string_view key, std::string_view path_and_query);

// Checks the sig (and exp) of a raw request target ("/v1/...?...&sig=..."). kInvalidSignature
// when missing or wrong, kSignatureExpired when exp is past `now`.
Status verify_signature(const ServerConfig& config, std::string_view target, int64_t now);

// `target` with `exp` (when expires_at > 0) and `sig` appended, signed with the first key.
Result<std::string> sign_target(const ServerConfig& config, std::string_view target, int64_t expires_at);

}  // namespace pictor::http
