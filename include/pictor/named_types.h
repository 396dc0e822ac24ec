// Named thumbnail types (NAVER style): short names that stand for a chain.
//
// Built in: w{N} fit to width N; h{N} fit to height N; f{W}_{H} fit inside WxH; ff{W}_{H} fill
// WxH with a centre crop; s{N} square crop NxN. Custom types map a name to a chain text.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace pictor {

class NamedTypes {
 public:
  // Adds a custom type. Names must be [a-z0-9_-]+ and must not shadow an operation.
  void add(std::string name, std::string chain) { custom_[std::move(name)] = std::move(chain); }
  const std::map<std::string, std::string>& custom() const { return custom_; }

  // The chain text a type name stands for, or nullopt when the name is not a type.
  std::optional<std::string> expand(std::string_view name) const;

 private:
  std::map<std::string, std::string> custom_;
};

// Expansion of the built-in patterns alone (nullopt when `name` matches none).
std::optional<std::string> expand_builtin_type(std::string_view name);

}  // namespace pictor
