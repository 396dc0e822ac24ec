// The `signatures` extractor and its algorithms (src/metadata/signatures.h): the DCT against
// the textbook formula, the dihedral hashes against hashes of really transformed pixels, and the
// hashes of the test corpus' photos and of copies made with libvips (resized, recompressed,
// re-encoded by other tools, flipped).
#include "metadata/signatures.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <numbers>
#include <random>
#include <regex>

#include "pictor/info.h"
#include "test_support.h"

namespace pictor {
namespace {

namespace sig = metadata::signatures;
using testing::corpus_file;
using testing::encode;
using testing::read_bytes;

class Signatures : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(initialize().ok()); }
};

sig::Signatures of_bytes(std::span<const uint8_t> bytes) {
  auto s = sig::image_signatures(bytes, {});
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : sig::Signatures{};
}


std::vector<std::string> corpus_photos() {
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(corpus_file("photo")))
    paths.push_back(entry.path().string());
  std::sort(paths.begin(), paths.end());
  return paths;
}

std::vector<float> random_luma(int w, int h, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> level(0, 255);
  std::vector<float> luma(static_cast<size_t>(w) * h);
  for (float& v : luma) v = level(rng);
  return luma;
}

// The luma buffer of a w x h image transformed by t (the pixel rules of the enum's comments).
std::vector<float> transformed(const std::vector<float>& in, int w, int h, sig::Dihedral t,
                               int* out_w, int* out_h) {
  using D = sig::Dihedral;
  const bool swap =
      t == D::kRotate90 || t == D::kRotate270 || t == D::kTranspose || t == D::kTransverse;
  const int ow = swap ? h : w, oh = swap ? w : h;
  std::vector<float> out(in.size());
  for (int y = 0; y < oh; ++y)
    for (int x = 0; x < ow; ++x) {
      int sx = x, sy = y;  // the source pixel of output (x, y)
      switch (t) {
        case D::kOriginal:
          break;
        case D::kRotate90:
          sx = y, sy = h - 1 - x;
          break;
        case D::kRotate180:
          sx = w - 1 - x, sy = h - 1 - y;
          break;
        case D::kRotate270:
          sx = w - 1 - y, sy = x;
          break;
        case D::kFlipHorizontal:
          sx = w - 1 - x;
          break;
        case D::kFlipVertical:
          sy = h - 1 - y;
          break;
        case D::kTranspose:
          sx = y, sy = x;
          break;
        case D::kTransverse:
          sx = w - 1 - y, sy = h - 1 - x;
          break;
      }
      out[static_cast<size_t>(y) * ow + x] = in[static_cast<size_t>(sy) * w + sx];
    }
  *out_w = ow;
  *out_h = oh;
  return out;
}

int popcount(const sig::PdqHash& h) {
  int n = 0;
  for (uint64_t w : h.words) n += std::popcount(w);
  return n;
}

TEST(SignaturesAlgorithm, DctMatchesTheDirectFormula) {
  for (const auto& [n, first, count] : {std::tuple{8, 0, 8}, {8, 1, 4}, {12, 1, 6}}) {
    const std::vector<float> in = random_luma(n, n, 7u + n + first);
    const std::vector<double> fast = sig::dct2d(in, n, first, count);
    ASSERT_EQ(fast.size(), static_cast<size_t>(count * count));
    // O(n^4): every coefficient as the double sum of the orthonormal DCT-II definition.
    auto c = [n](int f) { return std::sqrt((f == 0 ? 1.0 : 2.0) / n); };
    for (int u = first; u < first + count; ++u)
      for (int v = first; v < first + count; ++v) {
        double sum = 0;
        for (int y = 0; y < n; ++y)
          for (int x = 0; x < n; ++x)
            sum += in[y * n + x] * std::cos(std::numbers::pi * u * (2 * y + 1) / (2.0 * n)) *
                   std::cos(std::numbers::pi * v * (2 * x + 1) / (2.0 * n));
        EXPECT_NEAR(fast[(u - first) * count + (v - first)], c(u) * c(v) * sum, 1e-9)
            << n << " " << u << " " << v;
      }
  }
  // Orthonormal: the DC term of a constant image is n times its level, the rest 0.
  const std::vector<float> flat(64, 3.0f);
  const std::vector<double> dc = sig::dct2d(flat, 8, 0, 2);
  EXPECT_NEAR(dc[0], 24.0, 1e-12);
  EXPECT_NEAR(dc[1], 0.0, 1e-12);
  EXPECT_NEAR(dc[3], 0.0, 1e-12);
}

TEST(SignaturesAlgorithm, AreaResizeAveragesWhatEachPixelCovers) {
  // An integer factor: each output is the mean of its block.
  const std::vector<float> in = random_luma(6, 4, 3);
  const std::vector<float> out = sig::area_resize(in, 6, 4, 3, 2);
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x) {
      const float mean = (in[(2 * y) * 6 + 2 * x] + in[(2 * y) * 6 + 2 * x + 1] +
                          in[(2 * y + 1) * 6 + 2 * x] + in[(2 * y + 1) * 6 + 2 * x + 1]) /
                         4;
      EXPECT_NEAR(out[y * 3 + x], mean, 1e-4);
    }
  // A fractional factor keeps the overall mean (each input pixel's area is spent exactly once).
  const std::vector<float> big = random_luma(101, 67, 4);
  const std::vector<float> small = sig::area_resize(big, 101, 67, 64, 64);
  double in_mean = 0, out_mean = 0;
  for (float v : big) in_mean += v / big.size();
  for (float v : small) out_mean += v / small.size();
  EXPECT_NEAR(in_mean, out_mean, 1e-3);
}

TEST(SignaturesAlgorithm, MedianThresholdSetsExactlyHalfTheBits) {
  EXPECT_DOUBLE_EQ(sig::median({5, 1, 3}), 3);
  EXPECT_DOUBLE_EQ(sig::median({4, 1, 3, 2}), 2.5);
  for (unsigned seed = 1; seed <= 20; ++seed) {
    const sig::Signatures s = sig::compute(random_luma(90, 70, seed), 90, 70);
    EXPECT_EQ(popcount(s.pdq), 128) << seed;
    for (const sig::PdqHash& h : s.dihedral) EXPECT_EQ(popcount(h), 128) << seed;
    EXPECT_EQ(std::popcount(s.phash), 32) << seed;
  }
  // The tie rule: values equal to the median give 0 bits, so with ties fewer than half are set.
  std::vector<double> ties(256, 1.0);
  for (int k = 0; k < 100; ++k) ties[k] = k % 2 ? 0.0 : 2.0;  // 50 above, 50 below, 156 equal
  EXPECT_EQ(sig::median(ties), 1.0);
  const sig::PdqHash tied = sig::threshold_pdq(ties);
  EXPECT_EQ(popcount(tied), 50);
  for (int k = 0; k < 256; ++k) EXPECT_EQ(tied.bit(k), k < 100 && k % 2 == 0) << k;
}

// Each dihedral hash equals the hash of the really transformed pixels, on a non-square image (so
// that rotations change the shape) and for an independent check of the sign and transposition
// rules. Float summation order may move a coefficient that sits on the median: allow 2 bits.
TEST(SignaturesAlgorithm, DihedralHashesEqualHashesOfTransformedPixels) {
  const int w = 120, h = 80;
  std::vector<float> luma = random_luma(w, h, 11);
  const sig::Signatures original = sig::compute(luma, w, h);
  EXPECT_EQ(original.dihedral[0], original.pdq);
  for (int t = 0; t < sig::kDihedralCount; ++t) {
    const auto transform = static_cast<sig::Dihedral>(t);
    SCOPED_TRACE(std::string(sig::dihedral_name(transform)));
    int tw = 0, th = 0;
    const std::vector<float> moved = transformed(luma, w, h, transform, &tw, &th);
    const sig::Signatures direct = sig::compute(moved, tw, th);
    EXPECT_LE(sig::hamming(direct.pdq, original.dihedral[t]), 2);
    if (t != 0) {
      EXPECT_GT(sig::hamming(direct.pdq, original.pdq), 64);
    }
  }
}

TEST(SignaturesAlgorithm, HexAndHamming) {
  sig::PdqHash h;
  h.set(0);
  h.set(255);
  h.set(64);
  EXPECT_EQ(h.hex(), "8" + std::string(31, '0') + "00000000000000010000000000000001");
  EXPECT_EQ(sig::PdqHash::from_hex(h.hex()), h);
  EXPECT_EQ(sig::PdqHash::from_hex(std::string(64, 'F'))->hex(), std::string(64, 'f'));
  EXPECT_FALSE(sig::PdqHash::from_hex("abc"));
  EXPECT_FALSE(sig::PdqHash::from_hex(std::string(63, '0') + "g"));
  EXPECT_EQ(sig::hamming(h, sig::PdqHash{}), 3);
  EXPECT_EQ(sig::hamming(*sig::PdqHash::from_hex(std::string(64, 'f')), sig::PdqHash{}), 256);
  EXPECT_EQ(sig::phash_hex(0xabcull), "0000000000000abc");
  EXPECT_EQ(sig::hamming(0xffull, 0x0full), 4);
}

TEST_F(Signatures, ExtractorAnswersInTheDocumentedShape) {
  const std::vector<std::string> features = info_features();
  EXPECT_NE(std::ranges::find(features, "signatures"), features.end());
  const auto bytes = read_bytes(corpus_file("photo/lomiri16__sunset_by_Aitzol_Berasategi.jpg"));
  auto info = extract_info(bytes, {{}, {"signatures"}});
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  const nlohmann::json& s = (*info)["signatures"];
  EXPECT_EQ((*info)["errors"], nlohmann::json::object());
  ASSERT_TRUE(s.is_object()) << info->dump();
  EXPECT_TRUE(std::regex_match(s["pdq"].get<std::string>(), std::regex("[0-9a-f]{64}")));
  EXPECT_TRUE(std::regex_match(s["phash"].get<std::string>(), std::regex("[0-9a-f]{16}")));
  ASSERT_TRUE(s["pdq_quality"].is_number_integer());
  EXPECT_GE(s["pdq_quality"].get<int>(), sig::kPdqMinQuality);  // a detailed photo
  EXPECT_LE(s["pdq_quality"].get<int>(), 100);
  // The extractor and image_signatures() agree, and hashing is deterministic.
  const sig::Signatures direct = of_bytes(bytes);
  EXPECT_EQ(s["pdq"], direct.pdq.hex());
  EXPECT_EQ(s["phash"], sig::phash_hex(direct.phash));
  EXPECT_EQ(sig::hamming(direct.pdq, of_bytes(bytes).pdq), 0);
  EXPECT_EQ(popcount(direct.pdq), 128);
  // A file cut inside its header: the signatures fail on their own, with the probe's code.
  auto cut = extract_info(std::span(bytes).first(100), {{}, {"signatures"}});
  ASSERT_TRUE(cut.ok());
  EXPECT_TRUE((*cut)["signatures"].is_null());
  EXPECT_EQ((*cut)["errors"]["signatures"]["code"], "corrupt_image");
}

// Copies of every corpus photo made with libvips (half size, JPEG q50 at full size, both) stay
// under both thresholds; every pair of distinct photos is over them.
TEST_F(Signatures, CopiesAreCloseAndDistinctPhotosFar) {
  std::vector<sig::Signatures> originals;
  int copies = 0;
  for (const std::string& path : corpus_photos()) {
    SCOPED_TRACE(path);
    const auto bytes = read_bytes(path);
    const sig::Signatures s = of_bytes(bytes);
    originals.push_back(s);
    const vips::VImage image = testing::decode(bytes).autorot();
    for (const char* how : {"half", "q50", "half+q50"}) {
      vips::VImage copy = image;
      if (std::string_view(how).starts_with("half")) copy = copy.resize(0.5);
      const auto encoded =
          encode(copy, std::string_view(how).ends_with("q50") ? ".jpg[Q=50]" : ".png");
      const sig::Signatures c = of_bytes(encoded);
      EXPECT_LE(sig::hamming(s.pdq, c.pdq), sig::kPdqMatchThreshold) << how;
      EXPECT_LE(sig::hamming(s.phash, c.phash), sig::kPhashMatchThreshold) << how;
      ++copies;
    }
  }
  ASSERT_GE(originals.size(), 12u);
  EXPECT_EQ(copies, 3 * static_cast<int>(originals.size()));
  for (size_t i = 0; i < originals.size(); ++i)
    for (size_t j = i + 1; j < originals.size(); ++j) {
      EXPECT_GT(sig::hamming(originals[i].pdq, originals[j].pdq), sig::kPdqMatchThreshold)
          << i << " " << j;
      EXPECT_GT(sig::hamming(originals[i].phash, originals[j].phash), sig::kPhashMatchThreshold)
          << i << " " << j;
    }
}

// The corpus' copies made by other tools (cwebp, heif-enc with x265 and aom, jpegtran with an
// EXIF orientation, a CMYK conversion) hash like their originals: the shared preview decodes,
// orients and converts them to sRGB before hashing.
TEST_F(Signatures, CopiesInOtherFormatsMatchTheirOriginals) {
  const std::pair<const char*, const char*> pairs[] = {
      {"extra/webp-derived__sunset-q80.webp", "photo/lomiri16__sunset_by_Aitzol_Berasategi.jpg"},
      {"extra/heic-derived__life-q50.heic", "photo/lomiri16__life_by_Aitzol_Berasategi.jpg"},
      {"extra/avif-derived__life-q50.avif", "photo/lomiri16__life_by_Aitzol_Berasategi.jpg"},
      {"extra/orient6-derived__friends.jpg", "photo/lomiri16__friends_by_Aitzol_Berasategi.jpg"},
      {"extra/cmyk-derived__Wine.jpg", "photo/lomiri16__Wine_by_Jakkub_Mede.jpg"},
  };
  for (const auto& [copy, original] : pairs) {
    SCOPED_TRACE(copy);
    const sig::Signatures a = of_bytes(read_bytes(corpus_file(copy)));
    const sig::Signatures b = of_bytes(read_bytes(corpus_file(original)));
    EXPECT_LE(sig::hamming(a.pdq, b.pdq), sig::kPdqMatchThreshold);
    EXPECT_LE(sig::hamming(a.phash, b.phash), sig::kPhashMatchThreshold);
  }
}

// A mirrored copy is far by the plain hash, and the dihedral set finds it with the right
// transform; so does a copy rotated by 90°.
TEST_F(Signatures, FlippedCopyIsFoundByTheDihedralHashes) {
  for (const char* name : {"photo/lomiri16__Bridge_by_Sander_Klootwijk.jpg",
                           "photo/lomiri16__friends_by_Aitzol_Berasategi.jpg"}) {
    SCOPED_TRACE(name);
    const auto bytes = read_bytes(corpus_file(name));
    const sig::Signatures s = of_bytes(bytes);
    const vips::VImage image = testing::decode(bytes).autorot();
    const std::pair<vips::VImage, sig::Dihedral> copies[] = {
        {image.flip(VIPS_DIRECTION_HORIZONTAL), sig::Dihedral::kFlipHorizontal},
        {image.flip(VIPS_DIRECTION_VERTICAL), sig::Dihedral::kFlipVertical},
        {image.rot90(), sig::Dihedral::kRotate90},
    };
    for (const auto& [pixels, transform] : copies) {
      SCOPED_TRACE(std::string(sig::dihedral_name(transform)));
      const sig::Signatures c = of_bytes(encode(pixels, ".jpg[Q=85]"));
      EXPECT_GT(sig::hamming(s.pdq, c.pdq), sig::kPdqMatchThreshold);
      int best = 256, best_t = -1;
      for (int t = 0; t < sig::kDihedralCount; ++t) {
        const int d = sig::hamming(s.dihedral[t], c.pdq);
        if (d < best) best = d, best_t = t;
      }
      EXPECT_LE(best, sig::kPdqMatchThreshold);
      EXPECT_EQ(best_t, static_cast<int>(transform));
    }
  }
}

TEST_F(Signatures, FlatImagesHaveLowQuality) {
  // A constant grey, and a smooth gradient (almost no steps of 1 % between 64x64 neighbours).
  const vips::VImage grey =
      vips::VImage::black(300, 200, vips::VImage::option()->set("bands", 3)) + 128;
  const sig::Signatures flat = of_bytes(encode(grey.cast(VIPS_FORMAT_UCHAR), ".png"));
  EXPECT_EQ(flat.pdq_quality, 0);
  const vips::VImage ramp = vips::VImage::xyz(300, 200)[0] * (60.0 / 300) + 100;
  const sig::Signatures smooth = of_bytes(encode(ramp.cast(VIPS_FORMAT_UCHAR), ".png"));
  EXPECT_LT(smooth.pdq_quality, sig::kPdqMinQuality);
  // Photos are well above.
  for (const std::string& path : corpus_photos()) {
    EXPECT_GE(of_bytes(read_bytes(path)).pdq_quality, sig::kPdqMinQuality) << path;
  }
}

TEST_F(Signatures, BadInputIsAnError) {
  const std::string text = "not an image";
  auto s = sig::image_signatures(
      std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()), {});
  EXPECT_EQ(s.status().code(), ErrorCode::kUnsupportedFormat);
  EXPECT_EQ(sig::image_signatures({}, {}).status().code(), ErrorCode::kEmptyInput);
  auto huge =
      sig::image_signatures(read_bytes(corpus_file("extra/huge-blank__gdkpixbuf-large.jpg")), {});
  EXPECT_EQ(huge.status().code(), ErrorCode::kImageTooLarge);
}

}  // namespace
}  // namespace pictor
