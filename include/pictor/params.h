// Typed parameters and operation descriptors: the self-description every operation publishes.
//
// A descriptor drives parsing, validation, canonical printing, `pictor ops`, and the generated
// documentation, so an operation is described in exactly one place.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace pictor {

struct Color {
  uint8_t r = 0, g = 0, b = 0, a = 255;
  bool operator==(const Color&) const = default;
};

enum class ParamType { kInt, kFloat, kBool, kEnum, kColor };

// The value of one parameter. Enums are stored as their canonical choice string.
using ParamValue = std::variant<int64_t, double, bool, std::string, Color>;

struct ParamSpec {
  std::string key;
  ParamType type = ParamType::kInt;
  std::string doc;
  ParamValue default_value = int64_t{0};
  double min = 0;  // inclusive bounds for kInt / kFloat
  double max = 0;
  std::vector<std::string> choices;                           // kEnum: canonical values
  std::vector<std::pair<std::string, std::string>> aliases;  // kEnum: alias -> canonical choice
  bool required = false;
  // True when the default means "not set" (e.g. w=0: derive from the other side).
  bool default_means_unset = false;
};

struct OpDescriptor {
  std::string name;
  std::string doc;      // one line
  std::string example;  // a valid chain using the operation
  std::vector<ParamSpec> params;  // sorted by key
  bool last_only = false;         // may only stand last in a chain (e.g. format)

  const ParamSpec* find_param(std::string_view key) const;
};

// Explicitly given parameter values of one operation in a chain. Values equal to the default
// are never stored (required parameters always are), which makes equal chains compare equal and
// print identically.
class OpArgs {
 public:
  explicit OpArgs(const OpDescriptor* op = nullptr) : op_(op) {}

  bool has(const std::string& key) const { return values_.count(key) != 0; }
  void set(const std::string& key, ParamValue value);

  // Value or the descriptor's default.
  int64_t get_int(const std::string& key) const;
  double get_float(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  const std::string& get_enum(const std::string& key) const;
  Color get_color(const std::string& key) const;

  const std::map<std::string, ParamValue>& values() const { return values_; }
  const OpDescriptor& op() const { return *op_; }
  bool operator==(const OpArgs& other) const { return op_ == other.op_ && values_ == other.values_; }

 private:
  const ParamValue& get(const std::string& key) const;
  const OpDescriptor* op_;
  std::map<std::string, ParamValue> values_;
};

// Canonical text of a value ("320", "0.5", "true", "cover", "ff8800").
std::string format_value(const ParamValue& value);

}  // namespace pictor
