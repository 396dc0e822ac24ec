#include "pictor/named_types.h"

#include <fmt/format.h>

#include <cctype>

namespace pictor {
namespace {

// Parses 1-5 decimal digits without a leading zero at the start of `s`; returns the count used.
size_t parse_number(std::string_view s, int& value) {
  size_t n = 0;
  while (n < s.size() && n < 6 && std::isdigit(static_cast<unsigned char>(s[n]))) ++n;
  if (n == 0 || n > 5 || s[0] == '0') return 0;
  value = std::stoi(std::string(s.substr(0, n)));
  return n;
}

bool parse_single(std::string_view s, int& value) {
  return parse_number(s, value) == s.size() && !s.empty();
}

bool parse_pair(std::string_view s, int& width, int& height) {
  const size_t used = parse_number(s, width);
  if (used == 0 || used + 1 >= s.size() || s[used] != '_') return false;
  return parse_single(s.substr(used + 1), height);
}

}  // namespace

std::optional<std::string> expand_builtin_type(std::string_view name) {
  int a = 0, b = 0;
  if (name.starts_with("ff") && parse_pair(name.substr(2), a, b)) {
    return fmt::format("resize:fit=cover,h={},w={}", b, a);
  }
  if (name.starts_with("f") && parse_pair(name.substr(1), a, b)) {
    return fmt::format("resize:h={},w={}", b, a);
  }
  if (name.starts_with("w") && parse_single(name.substr(1), a)) return fmt::format("resize:w={}", a);
  if (name.starts_with("h") && parse_single(name.substr(1), a)) return fmt::format("resize:h={}", a);
  if (name.starts_with("s") && parse_single(name.substr(1), a)) {
    return fmt::format("resize:fit=cover,h={},w={}", a, a);
  }
  return std::nullopt;
}

std::optional<std::string> NamedTypes::expand(std::string_view name) const {
  auto it = custom_.find(std::string(name));
  if (it != custom_.end()) return it->second;
  return expand_builtin_type(name);
}

}  // namespace pictor
