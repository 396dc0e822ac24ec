// The OpenAPI 3.1 description of the HTTP API (docs/openapi.json, compiled in), served at
// /v1/openapi.json.
#pragma once

#include <string_view>

namespace pictor::http {

std::string_view openapi_json();

}  // namespace pictor::http
