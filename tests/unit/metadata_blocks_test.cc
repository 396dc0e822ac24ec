// The iptc and xmp extractors: against exiftool (an independent reader) on every test-corpus
// file that carries those blocks, text in ISO-8859-1, raw tag lists, the stored-once behaviour's
// building blocks (versions), and hostile metadata (entity expansion, huge and malformed XMP).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "core/text.h"
#include "pictor/info.h"
#include "test_support.h"

namespace pictor {
namespace {

using nlohmann::json;
using testing::command_output;
using testing::corpus_file;
using testing::read_bytes;

class MetadataBlocks : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(initialize().ok()); }
};

// exiftool prints a one-item list as a scalar and numbers as numbers: both sides as lists of text.
std::vector<std::string> as_list(const json& value) {
  std::vector<std::string> out;
  if (value.is_array()) {
    for (const json& item : value) {
      for (auto& text : as_list(item)) out.push_back(text);
    }
  } else if (value.is_string()) {
    out.push_back(clean_text(value.get<std::string>(), 1 << 20));
  } else if (!value.is_null()) {
    out.push_back(value.dump());
  }
  return out;
}

TEST_F(MetadataBlocks, IptcAndXmpAgreeWithExiftool) {
  struct Field {
    const char* exiftool;  // -G1 group:tag
    const char* block;
    const char* ours;
  };
  const Field fields[] = {
      {"IPTC:Caption-Abstract", "iptc", "caption"},
      {"IPTC:Keywords", "iptc", "keywords"},
      {"IPTC:By-line", "iptc", "byline"},
      {"IPTC:By-lineTitle", "iptc", "byline_title"},
      {"IPTC:Headline", "iptc", "headline"},
      {"IPTC:ObjectName", "iptc", "object_name"},
      {"IPTC:Credit", "iptc", "credit"},
      {"IPTC:Source", "iptc", "source"},
      {"IPTC:CopyrightNotice", "iptc", "copyright"},
      {"IPTC:City", "iptc", "city"},
      {"IPTC:Sub-location", "iptc", "sublocation"},
      {"IPTC:Province-State", "iptc", "province_state"},
      {"IPTC:Country-PrimaryLocationName", "iptc", "country"},
      {"XMP-xmp:Rating", "xmp", "rating"},
      {"XMP-xmp:Label", "xmp", "label"},
      {"XMP-dc:Subject", "xmp", "subject"},
      {"XMP-lr:HierarchicalSubject", "xmp", "hierarchical_subject"},
      {"XMP-dc:Title", "xmp", "title"},
      {"XMP-dc:Description", "xmp", "description"},
      {"XMP-dc:Creator", "xmp", "creator"},
      {"XMP-dc:Rights", "xmp", "rights"},
      {"XMP-photoshop:Headline", "xmp", "headline"},
      {"XMP-photoshop:City", "xmp", "city"},
      {"XMP-photoshop:Country", "xmp", "country"},
      {"XMP-xmp:CreatorTool", "xmp", "creator_tool"},
  };
  std::string dirs;
  for (const char* dir : {"photo", "extra", "metadata", "exif"}) dirs += " " + corpus_file(dir);
  const std::string out = command_output("exiftool -j -G1 -n -q -q -IPTC:all -XMP:all" + dirs);
  ASSERT_FALSE(out.empty()) << "exiftool did not run";
  int compared = 0, equal = 0, files = 0;
  for (const json& entry : json::parse(out)) {
    const std::string path = entry["SourceFile"];
    auto info = extract_info(read_bytes(path), {{}, {"iptc", "xmp"}});
    if (!info.ok()) continue;
    bool any = false;
    for (const Field& f : fields) {
      if (!entry.contains(f.exiftool) || as_list(entry[f.exiftool]).empty()) continue;
      const json& block = (*info)[f.block];
      const json ours = block.is_object() && block.contains(f.ours) ? block[f.ours] : json();
      ++compared;
      any = true;
      if (as_list(ours) == as_list(entry[f.exiftool])) {
        ++equal;
      } else {
        ADD_FAILURE() << path << " " << f.exiftool << ": exiftool " << entry[f.exiftool].dump()
                      << ", ours " << ours.dump();
      }
    }
    files += any;
  }
  std::printf("iptc/xmp vs exiftool: %d of %d fields equal over %d files\n", equal, compared,
              files);
  EXPECT_GE(files, 3);
  EXPECT_GE(compared, 19);
  EXPECT_EQ(equal, compared);
}

TEST_F(MetadataBlocks, UndeclaredIptcTextIsReadAsLatin1) {
  auto info = extract_info(read_bytes(corpus_file("metadata/iptc-latin1-derived__Bridge.jpg")),
                           {{}, {"iptc", "xmp"}});
  ASSERT_TRUE(info.ok());
  EXPECT_EQ((*info)["iptc"]["caption"], "Café crème à Noël");
  EXPECT_EQ((*info)["iptc"]["keywords"], json::array({"Café"}));
  EXPECT_EQ((*info)["xmp"]["rating"], -1);  // rejected
  // Printable in JSON without any replacement.
  EXPECT_NO_THROW((void)info->dump());
}

TEST_F(MetadataBlocks, TypedFieldsAndRawTagsOnRequest) {
  const auto bytes = read_bytes(corpus_file("metadata/iptc-xmp-derived__Bridge.jpg"));
  auto plain = extract_info(bytes, {{}, {"iptc", "xmp", "exif"}});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ((*plain)["iptc"]["date_created"], "2016-04-21T19:45:10+02:00");
  EXPECT_EQ((*plain)["xmp"]["rating"], 4);
  EXPECT_TRUE((*plain)["xmp"]["rating"].is_number_integer());
  for (const char* block : {"iptc", "xmp", "exif"}) EXPECT_FALSE((*plain)[block].contains("raw"));

  auto raw = extract_info(bytes, {{}, {"iptc", "xmp"}, true});
  ASSERT_TRUE(raw.ok());
  const json& iptc_raw = (*raw)["iptc"]["raw"];
  EXPECT_EQ(iptc_raw["Iptc.Application2.Keywords"], json::array({"bridge", "river", "Zürich"}));
  EXPECT_EQ(iptc_raw["Iptc.Application2.City"], "Utrecht");
  EXPECT_EQ((*raw)["xmp"]["raw"]["Xmp.xmp.Label"], "Green");
  EXPECT_TRUE((*raw)["xmp"]["raw"].contains("Xmp.dc.subject"));

  // A camera file: EXIF raw tags include the maker's IFD, binary blobs only by size.
  auto camera = extract_info(read_bytes(corpus_file("extra/orient6__goexif-has-lens-info.jpg")),
                             {{}, {"exif"}, true});
  ASSERT_TRUE(camera.ok());
  const json& exif_raw = (*camera)["exif"]["raw"];
  EXPECT_GT(exif_raw.size(), 20u);
  EXPECT_EQ(exif_raw["Exif.Image.Orientation"], "6");
  for (const auto& [key, value] : exif_raw.items()) {
    for (const std::string& text : as_list(value)) EXPECT_LE(text.size(), 256u) << key;
  }
}

TEST_F(MetadataBlocks, FeatureListCarriesVersionsAndRawCapability) {
  int raw = 0;
  for (const InfoFeature& f : info_feature_list()) {
    EXPECT_GE(f.version, 1) << f.name;
    raw += f.lists_raw_tags;
    EXPECT_EQ(f.lists_raw_tags, f.name == "exif" || f.name == "iptc" || f.name == "xmp") << f.name;
  }
  EXPECT_EQ(raw, 3);
}

// A JPEG with `packet` as its XMP (APP1 "http://ns.adobe.com/xap/1.0/") right after SOI.
std::vector<uint8_t> with_xmp(const std::vector<uint8_t>& jpeg, const std::string& packet) {
  const std::string header = std::string("http://ns.adobe.com/xap/1.0/") + '\0';
  const size_t length = 2 + header.size() + packet.size();
  std::vector<uint8_t> out(jpeg.begin(), jpeg.begin() + 2);
  out.insert(out.end(), {0xFF, 0xE1, uint8_t(length >> 8), uint8_t(length & 0xFF)});
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), packet.begin(), packet.end());
  out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
  return out;
}

std::string xmp_packet(const std::string& doctype, const std::string& body) {
  return "<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?>" + doctype +
         "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF "
         "xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><rdf:Description "
         "xmlns:dc='http://purl.org/dc/elements/1.1/' xmlns:xmp='http://ns.adobe.com/xap/1.0/'>" +
         body + "</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end='w'?>";
}

// Hostile XMP: every case gives an answer (partial, or an error for that extractor only), the
// other extractors still run, and nothing crashes or hangs (the test's timeout would catch it).
TEST_F(MetadataBlocks, HostileXmpGivesPartialResults) {
  const auto jpeg = read_bytes(corpus_file("metadata/iptc-latin1-derived__Bridge.jpg"));
  std::string laughs = "<!DOCTYPE x [<!ENTITY a0 'lol'>";
  for (int i = 1; i <= 12; ++i) {
    laughs += "<!ENTITY a" + std::to_string(i) + " '";
    for (int k = 0; k < 10; ++k) laughs += "&a" + std::to_string(i - 1) + ";";
    laughs += "'>";
  }
  laughs += "]>";
  std::string many_subjects = "<dc:subject><rdf:Bag>";
  for (int i = 0; i < 3000; ++i) many_subjects += "<rdf:li>k" + std::to_string(i) + "</rdf:li>";
  many_subjects += "</rdf:Bag></dc:subject>";
  std::string deep;
  for (int i = 0; i < 5000; ++i) deep += "<dc:x>";
  const std::string huge_title = "<dc:title><rdf:Alt><rdf:li xml:lang='x-default'>" +
                                 std::string(60000, 'T') + "</rdf:li></rdf:Alt></dc:title>";
  const struct {
    const char* name;
    std::string packet;
  } cases[] = {
      {"entity expansion", xmp_packet(laughs, "<dc:title>&a12;</dc:title>")},
      {"3000 subjects", xmp_packet("", many_subjects + "<xmp:Rating>9</xmp:Rating>")},
      {"5000 unclosed levels", xmp_packet("", deep)},
      {"60 kB title", xmp_packet("", huge_title)},
      {"not XML", std::string(5000, '<')},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto info = extract_info(with_xmp(jpeg, c.packet), {{}, {}, true});
    ASSERT_TRUE(info.ok()) << info.status().message();
    EXPECT_TRUE((*info)["file"].is_object()) << "the other extractors still run";
    EXPECT_EQ((*info)["iptc"]["caption"], "Café crème à Noël");
    const json& xmp = (*info)["xmp"];
    EXPECT_TRUE(xmp.is_object() || (*info)["errors"].contains("xmp"));
    if (xmp.is_object()) {
      if (xmp.contains("rating")) {
        EXPECT_NE(xmp["rating"], 9) << "9 is not a rating";
      }
      if (xmp.contains("subject")) {
        EXPECT_LE(xmp["subject"].size(), 1000u);
      }
      if (xmp.contains("title")) {
        EXPECT_LE(xmp["title"].get<std::string>().size(), 2048u);
      }
      if (xmp.contains("raw")) {
        EXPECT_LE(xmp["raw"].size(), 1001u);
      }
    }
    EXPECT_NO_THROW((void)info->dump());
  }
}

// A JPEG with `iim` (IPTC-IIM datasets) in a Photoshop APP13 segment, its 8BIM resource
// claiming `resource_size` bytes (the real size when negative).
std::vector<uint8_t> with_iptc(const std::vector<uint8_t>& jpeg, const std::string& iim,
                               long resource_size = -1) {
  std::string segment =
      std::string("Photoshop 3.0") + '\0' + "8BIM" + '\x04' + '\x04' + '\0' + '\0';
  const uint32_t size = resource_size < 0 ? iim.size() : uint32_t(resource_size);
  for (int shift : {24, 16, 8, 0}) segment += char((size >> shift) & 0xFF);
  segment += iim;
  if (segment.size() % 2) segment += '\0';
  const size_t length = segment.size() + 2;
  std::vector<uint8_t> out(jpeg.begin(), jpeg.begin() + 2);
  out.insert(out.end(), {0xFF, 0xED, uint8_t(length >> 8), uint8_t(length & 0xFF)});
  out.insert(out.end(), segment.begin(), segment.end());
  out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
  return out;
}

// One IIM dataset: tag marker, record 2, dataset number, 16-bit length, value.
std::string dataset(int number, const std::string& value, int claimed_length = -1) {
  const int length = claimed_length < 0 ? int(value.size()) : claimed_length;
  return std::string{'\x1c', '\x02', char(number), char((length >> 8) & 0xFF),
                     char(length & 0xFF)} +
         value;
}

// Hostile IPTC: lengths past the end, an extended length of 4 GB, a resource claiming more than
// the segment, 5000 keywords. Partial answers, bounded, the other extractors unaffected.
TEST_F(MetadataBlocks, HostileIptcGivesPartialResults) {
  const auto jpeg = read_bytes(corpus_file("photo/lomiri16__Bridge_by_Sander_Klootwijk.jpg"));
  std::string many;
  for (int i = 0; i < 5000; ++i) many += dataset(25, "k" + std::to_string(i));
  const struct {
    const char* name;
    std::vector<uint8_t> bytes;
  } cases[] = {
      {"length past the end", with_iptc(jpeg, dataset(120, "short", 0x7FFF))},
      {"4 GB extended length",
       with_iptc(jpeg, dataset(120, "ok") + std::string{'\x1c', '\x02', 120, '\x80', '\x04', '\xff',
                                                        '\xff', '\xff', '\xff'})},
      {"resource larger than the segment", with_iptc(jpeg, dataset(120, "caption"), 1 << 30)},
      {"5000 keywords", with_iptc(jpeg, dataset(120, "caption") + many)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto info = extract_info(c.bytes, {{}, {"file", "iptc", "xmp", "exif"}, true});
    ASSERT_TRUE(info.ok()) << info.status().message();
    EXPECT_TRUE((*info)["file"].is_object());
    const json& iptc = (*info)["iptc"];
    EXPECT_TRUE(iptc.is_object() || (*info)["errors"].contains("iptc"));
    if (iptc.is_object() && iptc.contains("keywords")) {
      EXPECT_LE(iptc["keywords"].size(), 1000u);
    }
    if (iptc.is_object() && iptc.contains("raw")) {
      EXPECT_LE(iptc["raw"].size(), 1001u);
    }
    EXPECT_NO_THROW((void)info->dump());
  }
  // The well-formed part of the last case is read.
  auto many_keywords = extract_info(cases[3].bytes, {{}, {"iptc"}});
  ASSERT_TRUE(many_keywords.ok());
  EXPECT_EQ((*many_keywords)["iptc"]["caption"], "caption");
  EXPECT_EQ((*many_keywords)["iptc"]["keywords"].size(), 1000u);
}

TEST(Text, CleanTextMakesValidBoundedUtf8) {
  EXPECT_TRUE(is_valid_utf8("Zürich — ok"));
  EXPECT_FALSE(is_valid_utf8("Caf\xe9"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));          // cut short
  EXPECT_EQ(clean_text("  Canon\0\0junk", 100), "Canon");
  EXPECT_EQ(clean_text("Caf\xe9 cr\xe8me", 100), "Café crème");
  EXPECT_EQ(clean_text("ééé", 5), "éé");  // cut between characters, not inside one
  EXPECT_EQ(clean_text(" \t\r\n", 10), "");
  EXPECT_TRUE(is_valid_utf8(clean_text(std::string("\xff\xfe\x80\x81", 4), 3)));
}

}  // namespace
}  // namespace pictor
