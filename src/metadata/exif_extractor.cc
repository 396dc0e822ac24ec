// exif: the camera fields services ask for, read with exiv2 and normalised (numbers as numbers,
// GPS as signed decimal degrees). A field the file does not carry is left out. Reads metadata
// only, so it also runs on files whose image data is damaged.
#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <exiv2/exiv2.hpp>
#include <optional>
#include <string>

#include "metadata/exiv2_tags.h"
#include "metadata/extractor.h"

namespace pictor::metadata {
namespace {

using nlohmann::json;

class ExifReader {
 public:
  explicit ExifReader(const Exiv2::ExifData& exif) : exif_(exif) {}

  const Exiv2::Exifdatum* find(const char* key) const {
    try {
      auto it = exif_.findKey(Exiv2::ExifKey(key));
      return it == exif_.end() ? nullptr : &*it;
    } catch (const std::exception&) {
      return nullptr;  // a key this exiv2 does not know
    }
  }

  std::optional<std::string> text(const char* key) const {
    const Exiv2::Exifdatum* d = find(key);
    if (!d || d->count() == 0) return std::nullopt;
    std::string value = datum_text(*d);
    if (value.empty()) return std::nullopt;
    return value;
  }

  // Component `i` of a numeric tag as a double; nothing for a zero denominator.
  std::optional<double> number(const char* key, long i = 0) const {
    const Exiv2::Exifdatum* d = find(key);
    if (!d || d->count() <= i) return std::nullopt;
    const Exiv2::TypeId type = d->typeId();
    if (type == Exiv2::unsignedRational || type == Exiv2::signedRational) {
      const Exiv2::Rational r = d->toRational(i);
      if (r.second == 0) return std::nullopt;
      return double(r.first) / r.second;
    }
    if (type == Exiv2::asciiString || type == Exiv2::undefined || type == Exiv2::comment)
      return std::nullopt;
    return double(d->toLong(i));
  }

  std::optional<long> integer(const char* key) const {
    auto v = number(key);
    return v ? std::optional<long>(std::lround(*v)) : std::nullopt;
  }

 private:
  const Exiv2::ExifData& exif_;
};

template <class T>
void put(json& out, const char* name, const std::optional<T>& value) {
  if (value) out[name] = *value;
}

// Degrees, minutes, seconds and a hemisphere reference ("S"/"W" negative) as decimal degrees.
std::optional<double> coordinate(const ExifReader& r, const char* key, const char* ref_key) {
  auto degrees = r.number(key, 0), minutes = r.number(key, 1), seconds = r.number(key, 2);
  if (!degrees || !minutes || !seconds) return std::nullopt;
  const double value = *degrees + *minutes / 60 + *seconds / 3600;
  const std::string ref = r.text(ref_key).value_or("");
  return (ref == "S" || ref == "W") ? -value : value;
}

// "2003:11:23 18:07:37" (+ "+09:00") as ISO 8601 "2003-11-23T18:07:37+09:00".
std::optional<std::string> iso_time(const std::optional<std::string>& exif_time,
                                    const std::optional<std::string>& offset) {
  if (!exif_time || exif_time->size() < 19) return std::nullopt;
  std::string t = exif_time->substr(0, 19);
  if (t[4] != ':' || t[7] != ':' || t[10] != ' ' || t.starts_with("0000")) return std::nullopt;
  t[4] = '-';
  t[7] = '-';
  t[10] = 'T';
  if (offset && offset->size() == 6 && ((*offset)[0] == '+' || (*offset)[0] == '-')) t += *offset;
  return t;
}

json read_exif(const Exiv2::ExifData& exif) {
  const ExifReader r(exif);
  json out = json::object();
  // Some phones (HTC) write Make and Model into the Exif sub-IFD instead of IFD0.
  put(out, "make",
      r.text("Exif.Image.Make") ? r.text("Exif.Image.Make") : r.text("Exif.Photo.0x010f"));
  put(out, "model",
      r.text("Exif.Image.Model") ? r.text("Exif.Image.Model") : r.text("Exif.Photo.0x0110"));
  put(out, "lens", r.text("Exif.Photo.LensModel"));
  put(out, "software", r.text("Exif.Image.Software"));
  put(out, "artist", r.text("Exif.Image.Artist"));
  put(out, "copyright", r.text("Exif.Image.Copyright"));
  put(out, "exposure_time", r.number("Exif.Photo.ExposureTime"));
  put(out, "f_number", r.number("Exif.Photo.FNumber"));
  put(out, "iso", r.integer("Exif.Photo.ISOSpeedRatings"));
  put(out, "focal_length", r.number("Exif.Photo.FocalLength"));
  put(out, "focal_length_35mm", r.integer("Exif.Photo.FocalLengthIn35mmFilm"));
  if (auto flash = r.integer("Exif.Photo.Flash"))
    out["flash"] = {{"value", *flash}, {"fired", (*flash & 1) != 0}};
  put(out, "date_time_original",
      iso_time(r.text("Exif.Photo.DateTimeOriginal"), r.text("Exif.Photo.OffsetTimeOriginal")));
  auto lat = coordinate(r, "Exif.GPSInfo.GPSLatitude", "Exif.GPSInfo.GPSLatitudeRef");
  auto lon = coordinate(r, "Exif.GPSInfo.GPSLongitude", "Exif.GPSInfo.GPSLongitudeRef");
  if (lat && lon && std::abs(*lat) <= 90 && std::abs(*lon) <= 180) {
    json gps{{"lat", *lat}, {"lon", *lon}};
    if (auto altitude = r.number("Exif.GPSInfo.GPSAltitude")) {
      gps["altitude"] =
          r.integer("Exif.GPSInfo.GPSAltitudeRef").value_or(0) == 1 ? -*altitude : *altitude;
    }
    out["gps"] = std::move(gps);
  }
  return out;
}

// The TIFF payload of a JPEG's "Exif" APP1 segment, found by walking the markers up to the
// image data. exiv2 reads whole files and gives up on one cut short after its metadata (a
// truncated upload still has its camera fields); this finds them anyway. Every step moves
// forward, so the walk ends.
std::optional<std::span<const uint8_t>> jpeg_exif_segment(std::span<const uint8_t> bytes) {
  if (bytes.size() < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8) return std::nullopt;
  size_t pos = 2;
  while (pos + 4 <= bytes.size() && bytes[pos] == 0xFF) {
    const uint8_t marker = bytes[pos + 1];
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) break;                 // start of scan, end of image
    if ((marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {  // markers without a length
      pos += 2;
      continue;
    }
    const size_t length = size_t(bytes[pos + 2]) << 8 | bytes[pos + 3];
    if (length < 2 || pos + 2 + length > bytes.size()) break;
    const std::span<const uint8_t> segment = bytes.subspan(pos + 4, length - 2);
    if (marker == 0xE1 && segment.size() > 6 && std::memcmp(segment.data(), "Exif\0\0", 6) == 0) {
      return segment.subspan(6);
    }
    pos += 2 + length;
  }
  return std::nullopt;
}

class ExifExtractor final : public Extractor {
 public:
  std::string_view name() const override { return "exif"; }
  bool needs_header() const override { return false; }
  bool lists_raw_tags() const override { return true; }

  Result<json> extract(const InfoInput& in) const override {
    const bool raw = in.options && in.options->raw_tags;
    auto file = in.exiv2();
    std::string failure = file.ok() ? "" : file.status().message();
    if (file.ok()) {
      try {
        const Exiv2::ExifData& exif = (*file)->exifData();
        json out = read_exif(exif);
        if (raw) out["raw"] = raw_tags(exif);
        return out;
      } catch (const std::exception& error) {
        failure = error.what();
      }
    }
    if (auto segment = jpeg_exif_segment(in.bytes)) {
      try {
        Exiv2::ExifData exif;
        Exiv2::ExifParser::decode(exif, segment->data(), static_cast<uint32_t>(segment->size()));
        json out = read_exif(exif);
        if (raw) out["raw"] = raw_tags(exif);
        return out;
      } catch (const std::exception& error) {
        failure = fmt::format("unreadable metadata: {}", error.what());
      }
    }
    return Result<json>(ErrorCode::kCorruptImage, failure);
  }
};

}  // namespace

const Extractor& exif_extractor() {
  static const ExifExtractor extractor;
  return extractor;
}

}  // namespace pictor::metadata
