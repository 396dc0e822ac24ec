// Signing callbacks and spacing their retries.
//
// Every callback carries `Pictor-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
// "<t>.<body>")>` (the Stripe scheme: the timestamp is signed with the body, so a captured request
// cannot be replayed later than the receiver's tolerance). Each API key has its own secret, derived
// from the server's callback secret; docs/analyses.md shows how receivers verify.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "pictor/status.h"

namespace pictor::jobs {

// "t=...,v1=..." for a body sent at `unix_seconds`.
std::string callback_signature(std::string_view secret, int64_t unix_seconds,
                               std::string_view body);
// Whether a Pictor-Signature header is valid for the body, signed with `secret` no more than
// `tolerance_seconds` away from `now` (what a receiver does).
bool verify_callback_signature(std::string_view secret, std::string_view header,
                               std::string_view body, int64_t now, int64_t tolerance_seconds = 300);

// The secret that signs callbacks of jobs submitted with `api_key` ("" = without a key):
// hex HMAC-SHA256(server secret, "callback:" + api_key). Keys never see each other's secrets.
std::string callback_secret_for(std::string_view server_secret, std::string_view api_key);

// The server's callback secret: `configured` when set, else the one in `path`, created there
// (32 random bytes as hex, mode 0600) on first use.
Result<std::string> load_or_create_secret(const std::string& configured, const std::string& path);

// When to try again after failed attempt number `attempt` (1 = the first), or nullopt when that
// was the last one. Each wait in `delays_ms` is jittered uniformly by +-20 % so that receivers
// coming back after an outage are not hit by every retry at once.
std::optional<int64_t> next_attempt_delay(int attempt, const std::vector<int64_t>& delays_ms,
                                          std::mt19937_64& random);

}  // namespace pictor::jobs
