#include "codecs/metadata.h"

#include <exiv2/exiv2.hpp>

#include <mutex>

#include "pictor/metadata.h"

namespace pictor::codecs {

void init_exiv2() {
  static std::once_flag once;
  std::call_once(once, [] {
    Exiv2::LogMsg::setLevel(Exiv2::LogMsg::mute);
    Exiv2::enableBMFF(true);
    Exiv2::XmpParser::initialize();
  });
}

CopyrightNotice read_copyright(std::span<const uint8_t> image) {
  init_exiv2();
  CopyrightNotice notice;
  try {
    auto file = Exiv2::ImageFactory::open(image.data(), static_cast<long>(image.size()));
    file->readMetadata();
    const Exiv2::ExifData& exif = file->exifData();
    auto artist = exif.findKey(Exiv2::ExifKey("Exif.Image.Artist"));
    if (artist != exif.end()) notice.artist = artist->toString();
    auto copyright = exif.findKey(Exiv2::ExifKey("Exif.Image.Copyright"));
    if (copyright != exif.end()) notice.copyright = copyright->toString();
  } catch (const std::exception&) {
    // Unreadable metadata simply means there is no notice to carry.
  }
  return notice;
}

Result<std::vector<uint8_t>> rewrite_metadata(std::vector<uint8_t> encoded, const CopyrightNotice& notice,
                                              bool keep_icc) {
  init_exiv2();
  try {
    auto file = Exiv2::ImageFactory::open(encoded.data(), static_cast<long>(encoded.size()));
    file->readMetadata();
    Exiv2::ExifData exif;
    if (!notice.artist.empty()) exif["Exif.Image.Artist"] = notice.artist;
    if (!notice.copyright.empty()) exif["Exif.Image.Copyright"] = notice.copyright;
    file->setExifData(exif);
    file->clearXmpData();
    file->clearIptcData();
    if (!keep_icc) file->clearIccProfile();
    file->writeMetadata();
    Exiv2::BasicIo& io = file->io();
    io.seek(0, Exiv2::BasicIo::beg);
    std::vector<uint8_t> out(io.size());
    io.read(out.data(), static_cast<long>(out.size()));
    return out;
  } catch (const std::exception& error) {
    return Result<std::vector<uint8_t>>(ErrorCode::kInternal, std::string("rewriting metadata: ") + error.what());
  }
}

}  // namespace pictor::codecs

namespace pictor {
namespace {

std::optional<int> digits(std::string_view text, size_t at, size_t count) {
  if (at + count > text.size()) return std::nullopt;
  int value = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// Seconds east of UTC from "Z", "+HH:MM", "-HHMM"; nullopt when malformed.
std::optional<int> zone_seconds(std::string_view zone) {
  if (zone.empty() || zone == "Z") return 0;
  if (zone[0] != '+' && zone[0] != '-') return std::nullopt;
  auto hours = digits(zone, 1, 2);
  const size_t minute_at = zone.size() > 3 && zone[3] == ':' ? 4 : 3;
  auto minutes = digits(zone, minute_at, 2);
  if (!hours || !minutes || *hours > 14 || *minutes > 59 || zone.size() != minute_at + 2) return std::nullopt;
  const int seconds = *hours * 3600 + *minutes * 60;
  return zone[0] == '-' ? -seconds : seconds;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace

std::optional<int64_t> parse_timestamp(std::string_view text, std::string_view offset) {
  // Positions are the same in both spellings: YYYY?MM?DD?HH?MM?SS
  if (text.size() < 19) return std::nullopt;
  const bool exif = text[4] == ':' && text[7] == ':' && text[10] == ' ';
  const bool iso = text[4] == '-' && text[7] == '-' && (text[10] == 'T' || text[10] == ' ');
  if (!(exif || iso) || text[13] != ':' || text[16] != ':') return std::nullopt;
  auto year = digits(text, 0, 4), month = digits(text, 5, 2), day = digits(text, 8, 2);
  auto hour = digits(text, 11, 2), minute = digits(text, 14, 2), second = digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  if (*year < 1800 || *month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;  // also rejects the "0000:00:00 00:00:00" cameras write when unset
  }
  std::string_view rest = text.substr(19);
  if (!rest.empty() && rest[0] == '.') {  // fractional seconds
    size_t i = 1;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') ++i;
    rest = rest.substr(i);
  }
  auto zone = zone_seconds(rest.empty() ? offset : rest);
  if (!zone) return std::nullopt;
  return days_from_civil(*year, *month, *day) * 86400 + *hour * 3600 + *minute * 60 + *second - *zone;
}

std::optional<int64_t> read_capture_time(std::span<const uint8_t> image) {
  codecs::init_exiv2();
  try {
    auto file = Exiv2::ImageFactory::open(image.data(), static_cast<long>(image.size()));
    file->readMetadata();
    const Exiv2::ExifData& exif = file->exifData();
    auto text = [&](const char* key) -> std::string {
      try {
        auto it = exif.findKey(Exiv2::ExifKey(key));
        return it == exif.end() ? std::string() : it->toString();
      } catch (const std::exception&) {
        return "";  // a key this exiv2 does not know (OffsetTime* came with EXIF 2.31)
      }
    };
    for (const auto& [time_key, offset_key] :
         {std::pair{"Exif.Photo.DateTimeOriginal", "Exif.Photo.OffsetTimeOriginal"},
          std::pair{"Exif.Photo.DateTimeDigitized", "Exif.Photo.OffsetTimeDigitized"}}) {
      if (auto seconds = parse_timestamp(text(time_key), text(offset_key))) return seconds;
    }
  } catch (const std::exception&) {
    // Unreadable metadata: no capture time.
  }
  return std::nullopt;
}

}  // namespace pictor
