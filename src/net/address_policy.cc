// AddressPolicy: the SSRF guard. A client names a URL; without this, that URL could reach the
// server's own loopback services, the cloud metadata endpoint (169.254.169.254) or the private
// network behind it. Addresses are compared as bytes against CIDR blocks; the refused table below
// is deliberately broad (every non-global range we know of), and net.allow_hosts carves exceptions.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>

#include "net/http_client.h"

namespace pictor::net {
namespace {

using Block = AddressPolicy::Block;
using Bytes = std::array<uint8_t, 16>;

// "10.0.0.0/8", "::1" (a whole address when there is no prefix); nullopt when malformed.
std::optional<Block> parse_block(std::string_view entry) {
  const size_t slash = entry.find('/');
  const std::string address(entry.substr(0, slash));
  Block block;
  if (inet_pton(AF_INET, address.c_str(), block.bytes.data()) == 1) {
    block.prefix = 32;
  } else if (inet_pton(AF_INET6, address.c_str(), block.bytes.data()) == 1) {
    block.v6 = true;
    block.prefix = 128;
  } else {
    return std::nullopt;
  }
  if (slash == std::string_view::npos) return block;
  // from_chars alone would accept "8abc" as 8; insist on 1-3 digits and nothing else.
  const std::string_view digits = entry.substr(slash + 1);
  int prefix = -1;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
  if (digits.empty() || digits.size() > 3 || error != std::errc() ||
      end != digits.data() + digits.size() || prefix < 0 || prefix > block.prefix) {
    return std::nullopt;
  }
  block.prefix = prefix;
  return block;
}

bool contains(const Block& block, bool v6, const Bytes& address) {
  if (block.v6 != v6) return false;
  const int whole = block.prefix / 8;
  if (!std::equal(address.begin(), address.begin() + whole, block.bytes.begin())) return false;
  const int bits = block.prefix % 8;
  if (bits == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - bits));
  return (address[whole] & mask) == (block.bytes[whole] & mask);
}

// Everything that is not a plain global unicast address. IPv6 forms that embed an IPv4 address
// (mapped, compatible, translated, NAT64, 6to4, Teredo) are refused whole: the embedded address
// could be any of the IPv4 ranges above, and no legitimate image host needs them.
const std::vector<Block>& refused_blocks() {
  static const std::vector<Block> blocks = [] {
    constexpr const char* kRefused[] = {
        "0.0.0.0/8",        // "this network"; 0.0.0.0 reaches the local host on Linux
        "10.0.0.0/8",       // private
        "100.64.0.0/10",    // carrier-grade NAT
        "127.0.0.0/8",      // loopback
        "169.254.0.0/16",   // link-local, cloud metadata endpoints
        "172.16.0.0/12",    // private
        "192.0.0.0/24",     // IETF protocol assignments
        "192.0.2.0/24",     // documentation
        "192.168.0.0/16",   // private
        "198.18.0.0/15",    // benchmarking
        "198.51.100.0/24",  // documentation
        "203.0.113.0/24",   // documentation
        "224.0.0.0/4",      // multicast
        "240.0.0.0/4",      // reserved, and 255.255.255.255 broadcast
        "::/96",            // unspecified, loopback, IPv4-compatible
        "::ffff:0:0/96",    // IPv4-mapped
        "::ffff:0:0:0/96",  // IPv4-translated
        "64:ff9b::/96",     // NAT64
        "64:ff9b:1::/48",   // local-use NAT64
        "100::/64",         // discard-only
        "2001::/32",        // Teredo
        "2001:db8::/32",    // documentation
        "2002::/16",        // 6to4
        "fc00::/7",         // unique local (private)
        "fe80::/10",        // link-local
        "fec0::/10",        // deprecated site-local
        "ff00::/8",         // multicast
    };
    std::vector<Block> out;
    for (const char* entry : kRefused) out.push_back(*parse_block(entry));
    return out;
  }();
  return blocks;
}

bool in_any(const std::vector<Block>& blocks, bool v6, const Bytes& address) {
  return std::any_of(blocks.begin(), blocks.end(),
                     [&](const Block& block) { return contains(block, v6, address); });
}

}  // namespace

Result<AddressPolicy> AddressPolicy::parse(const std::vector<std::string>& allow_hosts) {
  AddressPolicy policy;
  for (const std::string& entry : allow_hosts) {
    auto block = parse_block(entry);
    if (!block) {
      return Result<AddressPolicy>(
          ErrorCode::kConfigError,
          fmt::format("net.allow_hosts: \"{}\" is not an IP address or CIDR block", entry));
    }
    policy.allowed_.push_back(*block);
  }
  return policy;
}

bool AddressPolicy::refused(const sockaddr* address) const {
  Bytes bytes{};
  bool v6 = false;
  if (address->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(address);
    std::memcpy(bytes.data(), &in->sin_addr, 4);
  } else if (address->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
    std::memcpy(bytes.data(), &in6->sin6_addr, 16);
    v6 = true;
  } else {
    return true;  // Unix sockets and the like: never a remote host
  }
  if (in_any(allowed_, v6, bytes)) return false;
  return in_any(refused_blocks(), v6, bytes);
}

bool AddressPolicy::refused(std::string_view ip_literal) const {
  const std::string text(ip_literal);
  sockaddr_storage storage{};
  auto* in = reinterpret_cast<sockaddr_in*>(&storage);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (inet_pton(AF_INET, text.c_str(), &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
  } else if (inet_pton(AF_INET6, text.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
  } else {
    return false;
  }
  return refused(reinterpret_cast<const sockaddr*>(&storage));
}

}  // namespace pictor::net
