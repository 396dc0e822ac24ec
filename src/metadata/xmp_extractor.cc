// xmp: the XMP fields photo managers write (rating, label, subject keywords, title, description,
// creator, rights), read with exiv2. Arrays (bags and sequences) stay arrays; language
// alternatives give their default ("x-default") text. Reads metadata only, so it also runs on
// files whose image data is damaged.
#include <cmath>
#include <exiv2/exiv2.hpp>
#include <optional>
#include <span>
#include <string_view>

#include "metadata/exiv2_tags.h"
#include "metadata/extractor.h"

namespace pictor::metadata {
namespace {

using nlohmann::json;

const Exiv2::Xmpdatum* find(const Exiv2::XmpData& xmp, const char* key) {
  for (const Exiv2::Xmpdatum& datum : xmp) {
    if (datum.key() == key) return &datum;
  }
  return nullptr;
}

// A simple property's text, or a language alternative's default entry (the first one when
// there is no "x-default").
std::optional<std::string> text(const Exiv2::XmpData& xmp, const char* key) {
  const Exiv2::Xmpdatum* datum = find(xmp, key);
  if (!datum || datum->count() == 0) return std::nullopt;
  std::string value;
  if (const auto* alt = dynamic_cast<const Exiv2::LangAltValue*>(&datum->value())) {
    if (alt->value_.empty()) return std::nullopt;
    auto chosen = alt->value_.find("x-default");
    value = clean_text(chosen != alt->value_.end() ? chosen->second : alt->value_.begin()->second,
                       kMaxText);
  } else {
    value = datum_text(*datum, 0);
  }
  if (value.empty()) return std::nullopt;
  return value;
}

// Every item of a bag or sequence (a simple property counts as one item).
std::vector<std::string> items(const Exiv2::XmpData& xmp, const char* key) {
  std::vector<std::string> out;
  const Exiv2::Xmpdatum* datum = find(xmp, key);
  if (!datum) return out;
  const long count = std::min<long>(datum->count(), kMaxRawTags);
  for (long i = 0; i < count; ++i) {
    std::string item = datum_text(*datum, i);
    if (!item.empty()) out.push_back(std::move(item));
  }
  return out;
}

void put_text(json& out, const Exiv2::XmpData& xmp, const char* name, const char* key) {
  if (auto value = text(xmp, key)) out[name] = *value;
}

void put_items(json& out, const Exiv2::XmpData& xmp, const char* name, const char* key) {
  auto all = items(xmp, key);
  if (!all.empty()) out[name] = all;
}

// xmp:Rating is -1 (rejected) or 0..5; other values are not a rating.
void put_rating(json& out, const Exiv2::XmpData& xmp) {
  auto value = text(xmp, "Xmp.xmp.Rating");
  if (!value) return;
  try {
    size_t used = 0;
    const double rating = std::stod(*value, &used);
    if (used != value->size() || rating < -1 || rating > 5) return;
    // Whole stars as an integer (what every writer uses); a fractional rating stays as it is.
    if (rating == std::floor(rating)) {
      out["rating"] = static_cast<int>(rating);
    } else {
      out["rating"] = rating;
    }
  } catch (const std::exception&) {
  }
}

json read_xmp(const Exiv2::XmpData& xmp) {
  json out = json::object();
  put_rating(out, xmp);
  put_text(out, xmp, "label", "Xmp.xmp.Label");
  put_items(out, xmp, "subject", "Xmp.dc.subject");
  put_items(out, xmp, "hierarchical_subject", "Xmp.lr.hierarchicalSubject");
  put_text(out, xmp, "title", "Xmp.dc.title");
  put_text(out, xmp, "description", "Xmp.dc.description");
  put_items(out, xmp, "creator", "Xmp.dc.creator");
  put_text(out, xmp, "rights", "Xmp.dc.rights");
  put_text(out, xmp, "headline", "Xmp.photoshop.Headline");
  put_text(out, xmp, "city", "Xmp.photoshop.City");
  put_text(out, xmp, "country", "Xmp.photoshop.Country");
  put_text(out, xmp, "create_date", "Xmp.xmp.CreateDate");
  put_text(out, xmp, "creator_tool", "Xmp.xmp.CreatorTool");
  return out;
}

// The XMP packet as plain text anywhere in the file: how GIF (an application extension whose
// "sub-blocks" are the packet's own bytes) and other containers exiv2 does not read carry it.
std::optional<std::string_view> find_xmp_packet(std::span<const uint8_t> bytes) {
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  constexpr std::string_view kOpen = "<x:xmpmeta", kClose = "</x:xmpmeta>";
  const size_t begin = text.find(kOpen);
  if (begin == std::string_view::npos) return std::nullopt;
  const size_t end = text.find(kClose, begin);
  if (end == std::string_view::npos) return std::nullopt;
  return text.substr(begin, end + kClose.size() - begin);
}

json answer(const Exiv2::XmpData& xmp, bool raw) {
  json out = read_xmp(xmp);
  if (raw) out["raw"] = raw_tags(xmp);
  return out;
}

class XmpExtractor final : public Extractor {
 public:
  std::string_view name() const override { return "xmp"; }
  bool needs_header() const override { return false; }
  bool lists_raw_tags() const override { return true; }

  Result<json> extract(const InfoInput& in) const override {
    const bool raw = in.options && in.options->raw_tags;
    auto file = in.exiv2();
    if (file.ok() && !(*file)->xmpData().empty()) return answer((*file)->xmpData(), raw);
    if (auto packet = find_xmp_packet(in.bytes)) {
      Exiv2::XmpData xmp;
      if (Exiv2::XmpParser::decode(xmp, std::string(*packet)) == 0) return answer(xmp, raw);
    }
    if (!file.ok()) return file.status();
    return json::object();
  }
};

}  // namespace

const Extractor& xmp_extractor() {
  static const XmpExtractor extractor;
  return extractor;
}

}  // namespace pictor::metadata
