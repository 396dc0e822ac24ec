// Text from untrusted sources (metadata tags, form fields) made safe to put in JSON: valid UTF-8,
// bounded length.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pictor {

bool is_valid_utf8(std::string_view text);

// Each byte as the ISO-8859-1 character of that code.
std::string latin1_to_utf8(std::string_view text);

// A metadata string as services want it: cut at the first NUL (C strings in fixed-size fields),
// surrounding white space trimmed, decoded as UTF-8 when valid and as ISO-8859-1 otherwise (what
// older cameras and IPTC writers without a declared charset use), and at most `max_bytes` long,
// cut on a character boundary.
std::string clean_text(std::string_view raw, size_t max_bytes);

}  // namespace pictor
