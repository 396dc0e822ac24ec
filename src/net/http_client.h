// Outgoing HTTP for the service: fetching remote sources and posting callbacks.
//
// Every request goes to a URL a client chose, so every connection is checked against an
// AddressPolicy (SSRF): the check happens on the address curl is about to connect to, after DNS,
// so a name that resolves (or re-resolves) to a private address is refused too. URLs are also
// checked up front (check_url) so obviously bad ones fail without any network traffic.
#pragma once

#include <sys/socket.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pictor/status.h"

namespace pictor::net {

// Which addresses outgoing requests (remote sources, callbacks) may connect to.
class AddressPolicy {
 public:
  // An address block: IPv4 blocks use the first 4 bytes of `bytes`.
  struct Block {
    bool v6 = false;
    std::array<uint8_t, 16> bytes{};
    int prefix = 0;
  };

  // Entries of net.allow_hosts: IPv4/IPv6 addresses or CIDR blocks ("127.0.0.1", "10.0.0.0/8",
  // "::1", "fd00::/8"). kConfigError naming a bad entry.
  static Result<AddressPolicy> parse(const std::vector<std::string>& allow_hosts);

  // True when a connection to this address is refused: loopback, unspecified, private, link-local,
  // CGNAT, multicast/reserved/broadcast, IPv4-mapped and -compatible IPv6, NAT64, benchmarking and
  // documentation ranges (the table is in address_policy.cc), unless the address is inside an
  // allowed entry. IPv4 and IPv6 are separate: allowing 127.0.0.1 does not allow ::ffff:127.0.0.1.
  // Families other than IPv4/IPv6 are refused.
  bool refused(const sockaddr* address) const;
  // Parses with inet_pton; not an IP literal -> false.
  bool refused(std::string_view ip_literal) const;

  const std::vector<Block>& allowed() const { return allowed_; }

 private:
  std::vector<Block> allowed_;
};

// Checks a URL before any request: scheme http or https only, a host, at most 2048 bytes, no
// user:password@, no control chars/spaces. A host that is an IP literal (incl. bracketed IPv6 and
// the numeric IPv4 forms the resolver accepts, like "127.1" or "2130706433") refused by the policy,
// or the name "localhost" (or *.localhost) unless 127.0.0.1 is allowed -> kForbiddenAddress; other
// problems
// -> kInvalidValue.
Status check_url(std::string_view url, const AddressPolicy& policy);

struct FetchLimits {
  int64_t max_bytes = 50 << 20;
  std::chrono::milliseconds timeout{30000};  // for the whole fetch, all redirects included
  int max_redirects = 5;
};

// GETs the URL into memory. Every connection (every redirect hop) is checked against the policy
// (a refused hop -> kForbiddenAddress naming the address); each redirect target is also run through
// check_url (kForbiddenAddress as is; a target that is otherwise unacceptable -> kFetchFailed).
// Only http/https. More than max_redirects -> kFetchFailed. Body over max_bytes -> kInputTooLarge
// (the transfer stops as soon as the limit is passed). Timeout -> kTimeout. Non-2xx final status ->
// kFetchFailed naming the status. Connection/DNS errors -> kFetchFailed with curl's message. The
// URL itself failing check_url -> check_url's status.
Result<std::vector<uint8_t>> fetch(const std::string& url, const FetchLimits& limits,
                                   const AddressPolicy& policy);

struct PostOutcome {
  int status = 0;     // HTTP status, 0 when no response
  std::string error;  // "" on any HTTP response; else what failed (timeout, connection refused...)
  bool refused = false;  // the URL or its address was refused (check_url or the policy): permanent,
                         // do not retry
  bool timed_out = false;
  std::string response_excerpt;  // first 512 bytes of the response body (for diagnostics)
  bool ok() const { return error.empty() && status >= 200 && status < 300; }
};

// POSTs `body` with the given headers (name, value). Redirects are NOT followed (a 3xx is just a
// non-2xx status). Same address policy. Reads at most 64 KiB of response. No Content-Type is sent
// unless given in `headers`. A header name or value containing CR, LF or NUL -> error, refused.
PostOutcome post(const std::string& url,
                 const std::vector<std::pair<std::string, std::string>>& headers,
                 std::string_view body, std::chrono::milliseconds timeout,
                 const AddressPolicy& policy);

}  // namespace pictor::net
