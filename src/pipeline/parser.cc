// Parser and canonical printer of the compound command language (grammar in pictor/chain.h).
#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>

#include "ops/operation.h"
#include "pictor/chain.h"

namespace pictor {
namespace {

std::string join_keys(const OpDescriptor& op) {
  std::string keys;
  for (const ParamSpec& p : op.params) keys += (keys.empty() ? "" : ", ") + p.key;
  return keys.empty() ? "(none: this operation takes no parameters)" : keys;
}

std::string join_operations() {
  std::string names;
  for (const OpDescriptor* op : all_operations()) names += (names.empty() ? "" : ", ") + op->name;
  return names;
}

std::string range_text(const ParamSpec& spec) {
  if (spec.type == ParamType::kInt) {
    return fmt::format("an integer from {} to {}", int64_t(spec.min), int64_t(spec.max));
  }
  return fmt::format("a number from {} to {}", spec.min, spec.max);
}

// Parses one value of a parameter, or explains what was expected.
Result<ParamValue> parse_value(const ParamSpec& spec, std::string_view text) {
  auto bad = [&](const std::string& expected) {
    return Result<ParamValue>(ErrorCode::kInvalidValue,
                              fmt::format("{}={} is invalid: expected {}", spec.key, text, expected));
  };
  switch (spec.type) {
    case ParamType::kInt: {
      int64_t v = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
        return bad(range_text(spec));
      }
      if (v < spec.min || v > spec.max) return bad(range_text(spec));
      return ParamValue{v};
    }
    case ParamType::kFloat: {
      double v = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
          !std::isfinite(v)) {
        return bad(range_text(spec));
      }
      if (v < spec.min || v > spec.max) return bad(range_text(spec));
      return ParamValue{v};
    }
    case ParamType::kBool:
      if (text == "true" || text == "1") return ParamValue{true};
      if (text == "false" || text == "0") return ParamValue{false};
      return bad("true, false, 1 or 0");
    case ParamType::kEnum: {
      for (const std::string& choice : spec.choices) {
        if (text == choice) return ParamValue{choice};
      }
      for (const auto& [alias, canonical] : spec.aliases) {
        if (text == alias) return ParamValue{canonical};
      }
      std::string choices;
      for (const std::string& c : spec.choices) choices += (choices.empty() ? "" : ", ") + c;
      return bad("one of " + choices);
    }
    case ParamType::kColor: {
      if (text.size() != 6 && text.size() != 8) return bad("a hex colour rrggbb or rrggbbaa");
      uint8_t channels[4] = {0, 0, 0, 255};
      for (size_t i = 0; i < text.size() / 2; ++i) {
        auto [end, ec] = std::from_chars(text.data() + 2 * i, text.data() + 2 * i + 2,
                                         channels[i], 16);
        if (ec != std::errc() || end != text.data() + 2 * i + 2) {
          return bad("a hex colour rrggbb or rrggbbaa");
        }
      }
      return ParamValue{Color{channels[0], channels[1], channels[2], channels[3]}};
    }
  }
  return bad("a value");
}

class ChainParser {
 public:
  ChainParser(const ParseOptions& options) : options_(options) {}

  Status parse(std::string_view text, Chain& chain, int depth) {
    if (text.empty()) return {ErrorCode::kInvalidChain, "the chain is empty"};
    size_t start = 0;
    while (true) {
      const size_t slash = text.find('/', start);
      const std::string_view segment =
          text.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
      PICTOR_RETURN_IF_ERROR(parse_segment(segment, start, chain, depth));
      if (slash == std::string_view::npos) break;
      start = slash + 1;
    }
    return Status::Ok();
  }

 private:
  Status error(ErrorCode code, size_t position, const std::string& what) const {
    return {code, fmt::format("at position {}: {}", position, what)};
  }

  Status parse_segment(std::string_view segment, size_t position, Chain& chain, int depth) {
    if (segment.empty()) {
      return error(ErrorCode::kInvalidChain, position, "empty operation (check for '//' or a trailing '/')");
    }
    const size_t colon = segment.find(':');
    const std::string_view name = segment.substr(0, colon);
    const ops::Operation* op = ops::find_registered(name);
    if (!op) {
      if (colon == std::string_view::npos) {
        std::optional<std::string> expansion = options_.types ? options_.types->expand(name)
                                                              : expand_builtin_type(name);
        if (expansion && depth < 2) {
          Status status = parse(*expansion, chain, depth + 1);
          if (!status.ok()) {
            return {status.code(), fmt::format("in type '{}' at position {}: {}", name, position,
                                               status.message())};
          }
          return Status::Ok();
        }
      }
      return error(ErrorCode::kUnknownOperation, position,
                   fmt::format("unknown operation '{}'; expected one of: {}; or a named type such "
                               "as w320, h240, f320_240, ff320_240, s100",
                               name, join_operations()));
    }
    if (!chain.ops.empty() && chain.ops.back().op().last_only) {
      return error(ErrorCode::kInvalidChain, position,
                   fmt::format("'{}' must be the last operation", chain.ops.back().op().name));
    }
    if (chain.ops.size() >= options_.max_operations) {
      return error(ErrorCode::kTooManyOperations, position,
                   fmt::format("more than {} operations", options_.max_operations));
    }
    OpArgs args(&op->descriptor());
    if (colon != std::string_view::npos) {
      PICTOR_RETURN_IF_ERROR(parse_params(segment.substr(colon + 1), position + colon + 1, args));
    }
    for (const ParamSpec& spec : args.op().params) {
      if (spec.required && !args.has(spec.key)) {
        return error(ErrorCode::kMissingParameter, position,
                     fmt::format("{} needs parameter {}", name, spec.key));
      }
    }
    Status valid = op->validate(args);
    if (!valid.ok()) return error(valid.code(), position, valid.message());
    chain.ops.push_back(std::move(args));
    return Status::Ok();
  }

  Status parse_params(std::string_view text, size_t position, OpArgs& args) {
    const OpDescriptor& op = args.op();
    if (text.empty()) {
      return error(ErrorCode::kInvalidChain, position, fmt::format("'{}:' has no parameters", op.name));
    }
    std::vector<std::string_view> seen;
    size_t start = 0;
    while (true) {
      const size_t comma = text.find(',', start);
      const std::string_view param =
          text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      const size_t at = position + start;
      const size_t eq = param.find('=');
      if (eq == std::string_view::npos || eq == 0) {
        return error(ErrorCode::kInvalidChain, at,
                     fmt::format("expected key=value in {}, got '{}'", op.name, param));
      }
      const std::string_view key = param.substr(0, eq);
      const ParamSpec* spec = op.find_param(key);
      if (!spec) {
        return error(ErrorCode::kUnknownParameter, at,
                     fmt::format("{} has no parameter '{}'; expected one of: {}", op.name, key,
                                 join_keys(op)));
      }
      for (std::string_view k : seen) {
        if (k == key) {
          return error(ErrorCode::kInvalidChain, at, fmt::format("{} {} given twice", op.name, key));
        }
      }
      seen.push_back(key);
      auto value = parse_value(*spec, param.substr(eq + 1));
      if (!value.ok()) {
        return error(value.status().code(), at, op.name + " " + value.status().message());
      }
      args.set(spec->key, std::move(value).value());
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    return Status::Ok();
  }

  const ParseOptions& options_;
};

}  // namespace

Result<Chain> parse_chain(std::string_view text, const ParseOptions& options) {
  Chain chain;
  ChainParser parser(options);
  Status status = parser.parse(text, chain, 0);
  if (!status.ok()) return status;
  return chain;
}

Result<Chain> parse_type(std::string_view name, const ParseOptions& options) {
  std::optional<std::string> expansion =
      options.types ? options.types->expand(name) : expand_builtin_type(name);
  if (!expansion) {
    return Result<Chain>(ErrorCode::kUnknownType,
                         fmt::format("unknown type '{}': expected w{{N}}, h{{N}}, f{{W}}_{{H}}, "
                                     "ff{{W}}_{{H}}, s{{N}} or a type defined in the configuration",
                                     name));
  }
  return parse_chain(*expansion, options);
}

std::string to_canonical(const Chain& chain) {
  std::string out;
  for (const OpArgs& args : chain.ops) {
    if (!out.empty()) out += '/';
    out += args.op().name;
    char separator = ':';
    for (const auto& [key, value] : args.values()) {
      out += separator;
      out += key;
      out += '=';
      out += format_value(value);
      separator = ',';
    }
  }
  return out;
}

}  // namespace pictor
