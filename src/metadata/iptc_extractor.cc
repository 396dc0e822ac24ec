// iptc: the IPTC-IIM fields newsrooms and photo libraries fill in (caption, keywords, byline,
// location, credit), read with exiv2. Repeatable fields are arrays. Text declared or found to be
// UTF-8 stays so; other text is read as ISO-8859-1 (IIM's common undeclared charset). Reads
// metadata only, so it also runs on files whose image data is damaged.
#include <exiv2/exiv2.hpp>

#include "metadata/exiv2_tags.h"
#include "metadata/extractor.h"

namespace pictor::metadata {
namespace {

using nlohmann::json;

// Every value of `key`, in file order (IIM repeats a dataset for each value), at most
// kMaxRawTags of them.
std::vector<std::string> values(const Exiv2::IptcData& iptc, const char* key) {
  std::vector<std::string> out;
  for (const Exiv2::Iptcdatum& datum : iptc) {
    if (datum.key() != key || out.size() >= kMaxRawTags) continue;
    std::string text = datum_text(datum);
    if (!text.empty()) out.push_back(std::move(text));
  }
  return out;
}

void put_first(json& out, const Exiv2::IptcData& iptc, const char* name, const char* key) {
  auto all = values(iptc, key);
  if (!all.empty()) out[name] = all.front();
}

void put_all(json& out, const Exiv2::IptcData& iptc, const char* name, const char* key) {
  auto all = values(iptc, key);
  if (!all.empty()) out[name] = all;
}

// DateCreated "2015-10-29" (exiv2's rendering of CCYYMMDD) and TimeCreated "15:44:44+02:00"
// as ISO 8601.
void put_date_created(json& out, const Exiv2::IptcData& iptc) {
  auto date = values(iptc, "Iptc.Application2.DateCreated");
  if (date.empty() || date.front().size() != 10 || date.front().starts_with("0000")) return;
  std::string when = date.front();
  auto time = values(iptc, "Iptc.Application2.TimeCreated");
  if (!time.empty() && time.front().size() >= 8) when += "T" + time.front();
  out["date_created"] = when;
}

json read_iptc(const Exiv2::IptcData& iptc) {
  json out = json::object();
  put_first(out, iptc, "caption", "Iptc.Application2.Caption");
  put_all(out, iptc, "keywords", "Iptc.Application2.Keywords");
  put_all(out, iptc, "byline", "Iptc.Application2.Byline");
  put_all(out, iptc, "byline_title", "Iptc.Application2.BylineTitle");
  put_first(out, iptc, "headline", "Iptc.Application2.Headline");
  put_first(out, iptc, "object_name", "Iptc.Application2.ObjectName");
  put_first(out, iptc, "credit", "Iptc.Application2.Credit");
  put_first(out, iptc, "source", "Iptc.Application2.Source");
  put_first(out, iptc, "copyright", "Iptc.Application2.Copyright");
  put_first(out, iptc, "city", "Iptc.Application2.City");
  put_first(out, iptc, "sublocation", "Iptc.Application2.SubLocation");
  put_first(out, iptc, "province_state", "Iptc.Application2.ProvinceState");
  put_first(out, iptc, "country", "Iptc.Application2.CountryName");
  put_first(out, iptc, "country_code", "Iptc.Application2.CountryCode");
  put_date_created(out, iptc);
  return out;
}

class IptcExtractor final : public Extractor {
 public:
  std::string_view name() const override { return "iptc"; }
  bool needs_header() const override { return false; }
  bool lists_raw_tags() const override { return true; }

  Result<json> extract(const InfoInput& in) const override {
    auto file = in.exiv2();
    if (!file.ok()) return file.status();
    const Exiv2::IptcData& iptc = (*file)->iptcData();
    json out = read_iptc(iptc);
    if (in.options && in.options->raw_tags) out["raw"] = raw_tags(iptc);
    return out;
  }
};

}  // namespace

const Extractor& iptc_extractor() {
  static const IptcExtractor extractor;
  return extractor;
}

}  // namespace pictor::metadata
