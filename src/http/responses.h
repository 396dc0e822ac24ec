// What every route shares: request targets parsed into path and query, JSON answers and the one
// error shape.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "http/router.h"

namespace pictor::http {

// A request target split into its path and decoded query parameters (in order).
struct Target {
  std::string path;
  service::Pairs query;
  std::optional<std::string> param(std::string_view key) const;
  // The first parameter not in `known`, if any.
  std::optional<std::string> unknown(std::initializer_list<std::string_view> known) const;
};
Target parse_target(std::string_view target);
std::string percent_decode(std::string_view in);

// A JSON answer; text that is not UTF-8 is replaced, never thrown on.
Response json_response(unsigned status, const nlohmann::json& body);
// {"code", "message"} of a status.
nlohmann::json error_json(const Status& status);
// An error answer for `route` (metrics label) with the status's HTTP status.
Routed failed(std::string route, const Status& status);
// 400 unknown_parameter naming the parameter.
Status unknown_parameter(const std::string& name);
// ?limit= as 1..1000 (default 50).
Result<int> limit_param(const Target& target);

}  // namespace pictor::http
