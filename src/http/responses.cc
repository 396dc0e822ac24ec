#include "http/responses.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace pictor::http {

namespace bhttp = boost::beast::http;
using json = nlohmann::json;

Response json_response(unsigned status, const json& body) {
  // Client-supplied text (file names, fields) may not be UTF-8: replace, never throw.
  const std::string text = body.dump(-1, ' ', false, json::error_handler_t::replace);
  Response res{static_cast<bhttp::status>(status), 11};
  res.set(bhttp::field::content_type, "application/json");
  res.body().assign(text.begin(), text.end());
  return res;
}

json error_json(const Status& status) {
  return {{"code", error_code_name(status.code())}, {"message", status.message()}};
}

std::string percent_decode(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && std::isxdigit(static_cast<unsigned char>(in[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += in[i] == '+' ? ' ' : in[i];
    }
  }
  return out;
}

std::optional<std::string> Target::param(std::string_view key) const {
  for (const auto& [k, v] : query) {
    if (k == key) return v;
  }
  return std::nullopt;
}

std::optional<std::string> Target::unknown(std::initializer_list<std::string_view> known) const {
  for (const auto& [k, v] : query) {
    if (std::find(known.begin(), known.end(), k) == known.end()) return k;
  }
  return std::nullopt;
}

Target parse_target(std::string_view target) {
  Target t;
  const size_t q = target.find('?');
  t.path = std::string(target.substr(0, q));
  if (q == std::string_view::npos) return t;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const size_t eq = pair.find('=');
    if (!pair.empty()) {
      t.query.emplace_back(percent_decode(pair.substr(0, eq)),
                           eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1)));
    }
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return t;
}

Routed failed(std::string route, const Status& status) {
  return Routed{error_response(status), std::move(route), "",
                std::string(error_code_name(status.code()))};
}

Status unknown_parameter(const std::string& name) {
  return {ErrorCode::kUnknownParameter, fmt::format("unknown query parameter '{:.40}'", name)};
}

Result<int> limit_param(const Target& target) {
  const std::optional<std::string> limit = target.param("limit");
  if (!limit) return 50;
  if (limit->empty() || limit->size() > 4 ||
      limit->find_first_not_of("0123456789") != std::string::npos || std::stoi(*limit) < 1 ||
      std::stoi(*limit) > 1000) {
    return Result<int>(ErrorCode::kInvalidValue, "limit must be 1..1000");
  }
  return std::stoi(*limit);
}

Response error_response(const Status& status) {
  return json_response(static_cast<unsigned>(http_status(status.code())),
                       {{"error", error_json(status)}});
}

}  // namespace pictor::http
