// The info extractors (include/pictor/info.h): the `file` extractor against ImageMagick on every
// corpus file, the JPEG quality estimate on our own encodes, digests on published vectors,
// feature selection, and bad input.
#include "pictor/info.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include "core/digest.h"
#include "metadata/jpeg_quality.h"
#include "test_support.h"

namespace pictor {
namespace {

using testing::command_output;
using testing::corpus_file;
using testing::read_bytes;

class Info : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(initialize().ok()); }
};


TEST(Digest, PublishedTestVectors) {
  const std::string abc = "abc";
  const std::span bytes(reinterpret_cast<const uint8_t*>(abc.data()), abc.size());
  EXPECT_EQ(md5_hex(bytes), "900150983cd24fb0d6963f7d28e17f72");  // RFC 1321
  EXPECT_EQ(sha256_hex(bytes),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");  // FIPS 180-2
  EXPECT_EQ(sha256_hex(std::string_view(abc)), sha256_hex(bytes));
}

// ImageMagick (identify) is an independent reader: same size and frame count, and its JPEG
// quality estimate within ±2 of ours, on every corpus file it reads.
TEST_F(Info, FileAgreesWithImageMagickOnTheCorpus) {
  int compared = 0, jpegs = 0;
  for (const char* dir : {"photo", "extra"}) {
    for (const auto& entry : std::filesystem::directory_iterator(corpus_file(dir))) {
      const std::string path = entry.path().string();
      SCOPED_TRACE(path);
      const std::string im = command_output("identify -ping -format '%w %h %Q\\n' '" + path + "'");
      if (im.empty()) continue;  // ImageMagick 6 here reads no HEIF
      int w = 0, h = 0, q = 0, frames = 0;
      ASSERT_EQ(std::sscanf(im.c_str(), "%d %d %d", &w, &h, &q), 3);
      for (char c : im) frames += c == '\n';
      const auto bytes = read_bytes(path);
      auto info = extract_info(bytes, {});
      if (!info.ok() && info.status().code() == ErrorCode::kImageTooLarge)
        continue;  // the 749 MP file
      ASSERT_TRUE(info.ok()) << info.status().message();
      const nlohmann::json& file = (*info)["file"];
      EXPECT_EQ((*info)["errors"], nlohmann::json::object());
      EXPECT_EQ(file["width"], w);
      EXPECT_EQ(file["height"], h);
      EXPECT_EQ(file["frames"], frames);
      EXPECT_EQ(file["bytes"], bytes.size());
      EXPECT_EQ(file["sha256"], sha256_hex(bytes));
      if (file["format"] == "jpeg") {
        EXPECT_NEAR(file["jpeg"]["quality"].get<int>(), q, 2);
        ++jpegs;
      }
      ++compared;
    }
  }
  EXPECT_GE(compared, 20);
  EXPECT_GE(jpegs, 16);
}

TEST_F(Info, JpegQualityOfOurOwnEncodesIsExact) {
  const auto photo = read_bytes(corpus_file("photo/lomiri16__Dragonfly_by_Bolly.jpg"));
  for (int q : {5, 10, 25, 35, 50, 75, 80, 90, 97, 100}) {
    for (const char* subsample : {"on", "off"}) {
      const Encoded out = testing::run_chain(
          photo, fmt::format("resize:w=200/format:type=jpeg,q={},subsample={}", q, subsample));
      EXPECT_EQ(metadata::estimate_jpeg_quality(out.bytes), q) << subsample;
    }
  }
  vips::VImage grey = vips::VImage::thumbnail(corpus_file("photo/goexif__sample1.jpg").c_str(), 100)
                          .colourspace(VIPS_INTERPRETATION_B_W);
  void* data = nullptr;
  size_t size = 0;
  grey.write_to_buffer(".jpg[Q=65]", &data, &size);
  const std::vector<uint8_t> grey_bytes(static_cast<uint8_t*>(data),
                                        static_cast<uint8_t*>(data) + size);
  g_free(data);
  EXPECT_EQ(metadata::estimate_jpeg_quality(grey_bytes), 65);  // one table only
  EXPECT_FALSE(metadata::estimate_jpeg_quality(std::span(photo).subspan(4)));
}

TEST_F(Info, HeaderFieldsOfOtherContainers) {
  auto gif = extract_info(read_bytes(corpus_file("extra/gif-anim__1_partyanimsm2.gif")), {});
  ASSERT_TRUE(gif.ok());
  EXPECT_EQ((*gif)["file"]["frames"], 45);
  EXPECT_EQ((*gif)["file"]["loop"], 0);  // forever
  EXPECT_EQ((*gif)["file"]["mime"], "image/gif");
  EXPECT_FALSE((*gif)["file"].contains("jpeg"));
  auto png = extract_info(read_bytes(corpus_file("extra/png-alpha-derived__Dragonfly.png")), {});
  ASSERT_TRUE(png.ok());
  EXPECT_EQ((*png)["file"]["alpha"], true);
  EXPECT_EQ((*png)["file"]["channels"], 4);
  auto rotated = extract_info(read_bytes(corpus_file("extra/orient6-derived__friends.jpg")), {});
  ASSERT_TRUE(rotated.ok());
  EXPECT_EQ((*rotated)["file"]["orientation"], 6);
  EXPECT_EQ((*rotated)["file"]["display_width"], (*rotated)["file"]["height"]);
  auto cmyk = extract_info(read_bytes(corpus_file("extra/cmyk-derived__Wine.jpg")), {});
  ASSERT_TRUE(cmyk.ok());
  EXPECT_EQ((*cmyk)["file"]["color_space"], "cmyk");
  EXPECT_EQ((*cmyk)["file"]["jpeg"]["chroma_subsampling"], "4:4:4:4");
  EXPECT_FALSE((*cmyk)["file"]["icc_profile"]["description"].get<std::string>().empty());
  auto heic = extract_info(read_bytes(corpus_file("extra/heic-derived__life-q50.heic")), {});
  ASSERT_TRUE(heic.ok());
  EXPECT_EQ((*heic)["file"]["format"], "heic");
  EXPECT_EQ((*heic)["file"]["width"], 1024);
}

// EXIF against exiftool (an independent reader) on every test-corpus file it reads: every field
// it reports must be equal after normalisation (numbers within exiftool's printed precision,
// text trimmed, dates as ISO 8601, GPS signed decimal degrees), but one documented divergence.
TEST_F(Info, ExifAgreesWithExiftool) {
  const std::string dirs =
      corpus_file("exif") + " " + corpus_file("photo") + " " + corpus_file("extra");
  const std::string out = command_output(
      "exiftool -j -n -q -q -EXIF:Make -EXIF:Model -EXIF:LensModel -EXIF:Software -EXIF:Artist "
      "-EXIF:Copyright -EXIF:ExposureTime -EXIF:FNumber -EXIF:ISO -EXIF:FocalLength "
      "-EXIF:FocalLengthIn35mmFormat -EXIF:Flash -EXIF:DateTimeOriginal -Composite:GPSLatitude "
      "-Composite:GPSLongitude -Composite:GPSAltitude " +
      dirs);
  ASSERT_FALSE(out.empty()) << "exiftool did not run";
  struct Field {
    const char* exiftool;
    const char* ours;
    double tolerance;  // < 0: text
  };
  const Field fields[] = {
      {"Make", "make", -1},
      {"Model", "model", -1},
      {"LensModel", "lens", -1},
      {"Software", "software", -1},
      {"Artist", "artist", -1},
      {"Copyright", "copyright", -1},
      {"ExposureTime", "exposure_time", 1e-4},
      {"FNumber", "f_number", 0.01},
      {"ISO", "iso", 0.5},
      {"FocalLength", "focal_length", 0.01},
      {"FocalLengthIn35mmFormat", "focal_length_35mm", 0.5},
      {"Flash", "flash", 0.5},
      {"DateTimeOriginal", "date_time_original", -1},
      {"GPSLatitude", "lat", 1e-6},
      {"GPSLongitude", "lon", 1e-6},
      {"GPSAltitude", "altitude", 0.01},
  };
  auto as_text = [](const nlohmann::json& v) {
    std::string t = v.is_string() ? v.get<std::string>() : v.dump();
    const size_t end = t.find_last_not_of(" \t\r\n");
    return end == std::string::npos ? std::string() : t.substr(0, end + 1);
  };
  int compared = 0, equal = 0, files = 0;
  for (const nlohmann::json& entry : nlohmann::json::parse(out)) {
    const std::string path = entry["SourceFile"];
    auto info = extract_info(read_bytes(path), {{}, {"exif"}});
    if (!info.ok()) continue;  // not an image at all (none in the corpus)
    const nlohmann::json& exif = (*info)["exif"];
    bool any = false;
    for (const Field& f : fields) {
      if (!entry.contains(f.exiftool)) continue;
      const nlohmann::json& theirs = entry[f.exiftool];
      if (f.tolerance < 0 && as_text(theirs).empty()) continue;
      // This file stores GPS as ASCII "52,00000,50,00000,34,01180" (decimal commas); exiftool
      // takes the first three numbers (52° 0' 50"), which is not what the camera meant: we
      // report no position rather than a guess.
      if (path.ends_with("goexif__geodegrees_as_string.jpg") &&
          std::string(f.exiftool).starts_with("GPS"))
        continue;
      std::string key = f.ours;
      const nlohmann::json* ours = nullptr;
      if (key == "lat" || key == "lon" || key == "altitude") {
        if (exif.contains("gps") && exif["gps"].contains(key)) ours = &exif["gps"][key];
      } else if (key == "flash") {
        if (exif.contains("flash")) ours = &exif["flash"]["value"];
      } else if (exif.contains(key)) {
        ours = &exif[key];
      }
      ++compared;
      any = true;
      bool same = false;
      if (ours && key == "date_time_original") {
        std::string t = as_text(theirs).substr(0, 19);
        if (t.size() == 19) t[4] = t[7] = '-', t[10] = 'T';
        same = ours->get<std::string>().substr(0, 19) == t;
      } else if (ours && f.tolerance < 0) {
        same = as_text(*ours) == as_text(theirs);
      } else if (ours && theirs.is_number()) {
        const double a = ours->get<double>(), b = theirs.get<double>();
        same =
            std::abs(a - b) <= f.tolerance * std::max(1.0, f.tolerance < 1e-3 ? std::abs(b) : 1.0);
      }
      if (same)
        ++equal;
      else
        ADD_FAILURE() << path << " " << f.exiftool << ": exiftool " << theirs.dump() << ", ours "
                      << (ours ? ours->dump() : "absent");
    }
    files += any;
  }
  std::printf("exif vs exiftool: %d of %d fields equal over %d files\n", equal, compared, files);
  // exiftool rejects goexif's cut-short samples as JPEGs (see the goexif comparison below), so
  // the files it reads here are few: every field must agree.
  EXPECT_GE(files, 3);
  EXPECT_GE(compared, 30);
  EXPECT_EQ(equal, compared);
}

// EXIF against goexif's own expected values (exif/goexif-regress-expected.go, an independent
// reader) for its 57 camera samples, most of which are cut short after their metadata (exiftool
// rejects those as JPEGs; the exif extractor finds the APP1 segment anyway). At least 99 % of
// the fields equal after normalisation.
TEST_F(Info, ExifAgreesWithGoexifOnItsSamples) {
  std::ifstream expected(corpus_file("exif/goexif-regress-expected.go"));
  ASSERT_TRUE(expected.good());
  const std::regex file_line("^\t\"(.+\\.jpg)\": map");
  const std::regex field_line("^\t\t(\\w+): +`(.*)`,$");
  std::map<std::string, std::map<std::string, std::string>> samples;
  std::string current, line;
  std::smatch m;
  while (std::getline(expected, line)) {
    if (std::regex_search(line, m, file_line))
      current = m[1];
    else if (!current.empty() && std::regex_search(line, m, field_line))
      samples[current][m[1]] = m[2];
  }
  ASSERT_GE(samples.size(), 50u);
  auto unquote = [](std::string v) {
    if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);
    const size_t end = v.find_last_not_of(' ');
    return end == std::string::npos ? std::string() : v.substr(0, end + 1);
  };
  auto rational = [&](const std::string& v) -> std::optional<double> {
    double a = 0, b = 0;
    if (std::sscanf(unquote(v).c_str(), "%lf/%lf", &a, &b) != 2 || b == 0) return std::nullopt;
    return a / b;
  };
  auto dms = [&](const std::string& v, const std::string& ref) -> std::optional<double> {
    double d[6];
    if (std::sscanf(v.c_str(), "[\"%lf/%lf\",\"%lf/%lf\",\"%lf/%lf\"]", &d[0], &d[1], &d[2], &d[3],
                    &d[4], &d[5]) != 6 ||
        d[1] == 0 || d[3] == 0 || d[5] == 0) {
      return std::nullopt;
    }
    const double value = d[0] / d[1] + d[2] / d[3] / 60 + d[4] / d[5] / 3600;
    return (unquote(ref) == "S" || unquote(ref) == "W") ? -value : value;
  };
  int compared = 0, equal = 0;
  for (const auto& [name, tags] : samples) {
    SCOPED_TRACE(name);
    auto info = extract_info(read_bytes(corpus_file("exif/goexif__" + name)), {{}, {"exif"}});
    ASSERT_TRUE(info.ok()) << info.status().message();
    const nlohmann::json& exif = (*info)["exif"];
    auto check = [&](const char* field, bool same, const std::string& theirs) {
      ++compared;
      if (same)
        ++equal;
      else
        std::printf("differs from goexif: %s %s: goexif %s, ours %s\n", name.c_str(), field,
                    theirs.c_str(), exif.dump().c_str());
    };
    auto get = [&](const std::string& key) {
      return tags.count(key) ? tags.at(key) : std::string();
    };
    for (const auto& [tag, ours] : {std::pair{"Make", "make"},
                                    {"Model", "model"},
                                    {"Software", "software"},
                                    {"Artist", "artist"},
                                    {"Copyright", "copyright"},
                                    {"LensModel", "lens"}}) {
      const std::string theirs = unquote(get(tag));
      if (theirs.empty()) continue;
      check(tag, exif.contains(ours) && exif[ours] == theirs, theirs);
    }
    for (const auto& [tag, ours] : {std::pair{"ExposureTime", "exposure_time"},
                                    {"FNumber", "f_number"},
                                    {"FocalLength", "focal_length"}}) {
      const auto theirs = rational(get(tag));
      if (!theirs) continue;
      check(tag,
            exif.contains(ours) &&
                std::abs(exif[ours].get<double>() - *theirs) <= 1e-9 * std::max(1.0, *theirs),
            get(tag));
    }
    for (const auto& [tag, ours] :
         {std::pair{"ISOSpeedRatings", "iso"}, {"FocalLengthIn35mmFilm", "focal_length_35mm"}}) {
      if (get(tag).empty() || get(tag)[0] == '[') continue;
      check(tag, exif.contains(ours) && exif[ours] == std::stol(get(tag)), get(tag));
    }
    if (!get("Flash").empty())
      check("Flash", exif.contains("flash") && exif["flash"]["value"] == std::stol(get("Flash")),
            get("Flash"));
    std::string taken = unquote(get("DateTimeOriginal"));
    if (taken.size() >= 19 && !taken.starts_with("0000")) {
      taken = taken.substr(0, 19);
      taken[4] = taken[7] = '-';
      taken[10] = 'T';
      check("DateTimeOriginal",
            exif.contains("date_time_original") &&
                exif["date_time_original"].get<std::string>().substr(0, 19) == taken,
            taken);
    }
    const auto lat = dms(get("GPSLatitude"), get("GPSLatitudeRef"));
    const auto lon = dms(get("GPSLongitude"), get("GPSLongitudeRef"));
    if (lat && lon) {
      check("GPS",
            exif.contains("gps") && std::abs(exif["gps"]["lat"].get<double>() - *lat) < 1e-9 &&
                std::abs(exif["gps"]["lon"].get<double>() - *lon) < 1e-9,
            get("GPSLatitude") + " " + get("GPSLongitude"));
    }
  }
  std::printf("exif vs goexif: %d of %d fields equal over %zu samples\n", equal, compared,
              samples.size());
  EXPECT_GE(compared, 300);
  EXPECT_GE(equal, compared * 99 / 100);
}

TEST_F(Info, IccProfileDescriptionIsRead) {
  vips::VImage p3 = vips::VImage::thumbnail(corpus_file("photo/goexif__sample1.jpg").c_str(), 64)
                        .icc_transform("p3");
  void* data = nullptr;
  size_t size = 0;
  p3.write_to_buffer(".jpg", &data, &size);
  const std::vector<uint8_t> bytes(static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
  g_free(data);
  auto info = extract_info(bytes, {});
  ASSERT_TRUE(info.ok());
  const nlohmann::json& icc = (*info)["file"]["icc_profile"];
  ASSERT_TRUE(icc.is_object());
  EXPECT_NE(icc["description"].get<std::string>().find("P3"), std::string::npos) << icc.dump();
  EXPECT_GT(icc["bytes"].get<int>(), 100);
}

TEST_F(Info, FeaturesSelectExtractors) {
  const std::vector<std::string> names = info_features();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  for (const char* name : {"exif", "file", "iptc", "xmp"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
  auto parsed = parse_features("file,,file");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, std::vector<std::string>{"file"});
  auto unknown = parse_features("file,nonsense");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), ErrorCode::kInvalidValue);
  EXPECT_NE(unknown.status().message().find("nonsense"), std::string::npos);
  const auto bytes = read_bytes(corpus_file("photo/goexif__sample1.jpg"));
  auto info = extract_info(bytes, {{}, {"file"}});
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->size(), 2u);  // file and errors
  EXPECT_FALSE(info->contains("exif"));
  InfoOptions bad;
  bad.features = {"no-such-extractor"};
  EXPECT_EQ(extract_info(bytes, bad).status().code(), ErrorCode::kInvalidValue);
}

TEST_F(Info, BadInputIsAnErrorOrAPartialAnswerNeverACrash) {
  EXPECT_EQ(extract_info({}, {}).status().code(), ErrorCode::kEmptyInput);
  const std::string text = "not an image at all";
  EXPECT_EQ(extract_info(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()), {})
                .status()
                .code(),
            ErrorCode::kUnsupportedFormat);
  const auto huge = read_bytes(corpus_file("extra/huge-blank__gdkpixbuf-large.jpg"));
  EXPECT_EQ(extract_info(huge, {}).status().code(), ErrorCode::kImageTooLarge);
  // Every truncation of a JPEG: refused whole while it is not even a JPEG, then a partial
  // answer (`file` failing as corrupt while the header is cut) and the camera fields as soon as
  // the EXIF segment is complete.
  const auto photo = read_bytes(corpus_file("photo/goexif__sample1.jpg"));
  int answered = 0, with_camera = 0;
  for (size_t length = 1; length < photo.size(); length += 997) {
    auto info = extract_info(std::span(photo).first(length), {});
    if (!info.ok()) continue;
    ++answered;
    const nlohmann::json& d = *info;
    if (d["file"].is_null())
      EXPECT_EQ(d["errors"]["file"]["code"], "corrupt_image") << length;
    else
      EXPECT_EQ(d["file"]["bytes"], length);
    if (!d["exif"].is_null() && d["exif"].value("make", "") == "NIKON CORPORATION") ++with_camera;
  }
  EXPECT_GT(answered, 70);
  EXPECT_GT(with_camera, 70);
}

// goexif's corrupt-EXIF cases: an IFD that points back at itself, a tag claiming a huge count,
// offsets of 2^32-1. Each gets an answer with per-extractor errors or values, never a crash or
// a hang (ctest's timeout would catch one), and the readable parts still come through.
TEST_F(Info, HostileExifGivesPartialAnswers) {
  for (const char* name : {"huge_tag_exif.jpg", "infinite_loop_exif.jpg", "max_uint32_exif.jpg"}) {
    SCOPED_TRACE(name);
    auto info = extract_info(read_bytes(corpus_file(std::string("hostile/goexif__") + name)), {});
    ASSERT_TRUE(info.ok()) << info.status().message();
    const nlohmann::json& d = *info;
    for (const char* key : {"exif", "file"}) {
      EXPECT_TRUE(d[key].is_object() || d["errors"].contains(key)) << key << ": " << d.dump();
    }
  }
  auto loop = extract_info(read_bytes(corpus_file("hostile/goexif__infinite_loop_exif.jpg")), {});
  ASSERT_TRUE(loop.ok());
  EXPECT_EQ((*loop)["exif"]["software"], "Adobe Photoshop CS2 Macintosh");
  EXPECT_EQ((*loop)["file"]["width"], 8);
}

}  // namespace
}  // namespace pictor
