// The compound command language: an ordered chain of operations with typed named parameters.
//
//   chain = op *("/" op)
//   op    = name [":" param *("," param)]
//   param = key "=" value
//
// e.g. `resize:w=320,h=240,fit=cover/rotate:deg=90/format:type=webp,q=80`. A segment may also be
// a named thumbnail type (`w320`, `f320_240`, `ff320_240`, `s100`, `h240`, or a custom type from
// the configuration), which expands to its chain. Every chain has one canonical text: named
// types expanded, defaults dropped, parameters sorted; parse(canonical(c)) == c.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pictor/limits.h"
#include "pictor/named_types.h"
#include "pictor/params.h"
#include "pictor/status.h"

namespace pictor {

struct Chain {
  std::vector<OpArgs> ops;
  bool operator==(const Chain&) const = default;
};

struct ParseOptions {
  uint32_t max_operations = Limits{}.max_operations;
  // Custom named types in addition to the built-in patterns; may be null.
  const NamedTypes* types = nullptr;
};

Result<Chain> parse_chain(std::string_view text, const ParseOptions& options = {});
// The chain of a named type alone (kUnknownType when `name` is not a type).
Result<Chain> parse_type(std::string_view name, const ParseOptions& options = {});
std::string to_canonical(const Chain& chain);

// Every registered operation descriptor, sorted by name.
const std::vector<const OpDescriptor*>& all_operations();
const OpDescriptor* find_operation(std::string_view name);

}  // namespace pictor
