// Perceptual goldens: small outputs of representative chains compared with committed PNGs by
// pixel difference with a tolerance (never by encoded bytes), and resize/rotate/flip compared with
// an independent implementation (ImageMagick).
//
// Regenerate after an intended change: PICTOR_UPDATE_GOLDENS=1 build/dev/tests/pictor_unit_tests
// --gtest_filter='PerceptualGolden*', then look at tests/golden/*.png before committing them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "test_support.h"

namespace pictor {
namespace {

using testing::corpus_file;
using testing::decode;
using testing::mean_abs_diff;
using testing::psnr;
using testing::read_bytes;
using testing::run_chain;
using testing::source_file;

struct Golden {
  std::string name;
  std::string chain;
};

const Golden kGoldens[] = {
    {"fit", "resize:w=160"},
    {"cover-attention", "resize:w=120,h=120,fit=cover,gravity=attention"},
    {"rotate33", "resize:w=140/rotate:deg=33,bg=ff8800"},
    {"extend", "resize:w=140/extend:top=6,right=12,bottom=6,left=12,bg=2040c0"},
    {"blur", "resize:w=160/blur:sigma=2"},
    {"sharpen", "resize:w=160/sharpen:sigma=1,jagged=4"},
    {"contain", "resize:w=160,h=160,fit=contain,bg=303030"},
    {"crop-box", "resize:w=400/crop:x=100,y=80,w=150,h=100"},
};

const std::pair<std::string, std::string> kPhotos[] = {
    {"free", "photo/lomiri16__free_by_Peter_Nerlich.jpg"},
    {"sunset", "photo/lomiri16__sunset_by_Aitzol_Berasategi.jpg"},
};

TEST(PerceptualGolden, ChainsMatchTheCommittedGoldens) {
  ASSERT_TRUE(initialize().ok());
  const bool update = std::getenv("PICTOR_UPDATE_GOLDENS") != nullptr;
  for (const auto& [photo_name, photo] : kPhotos) {
    const auto input = read_bytes(corpus_file(photo));
    for (const Golden& g : kGoldens) {
      SCOPED_TRACE(g.name + " on " + photo_name);
      const Encoded out = run_chain(input, g.chain + "/format:type=png");
      const std::string path = source_file("golden/" + g.name + "__" + photo_name + ".png");
      if (update) {
        decode(out.bytes).pngsave(path.c_str(), vips::VImage::option()->set("compression", 9));
        continue;
      }
      ASSERT_TRUE(std::filesystem::exists(path)) << "missing golden " << path;
      const vips::VImage golden = vips::VImage::new_from_file(path.c_str()).copy_memory();
      const vips::VImage actual = decode(out.bytes);
      EXPECT_LT(mean_abs_diff(actual, golden), 1.5);
      EXPECT_GT(psnr(actual, golden), 35.0);
    }
  }
}

class ImageMagickReference : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(initialize().ok());
    if (std::system("command -v convert-im6.q16 >/dev/null") != 0) {
      GTEST_FAIL() << "ImageMagick (convert-im6.q16) is missing: scripts/setup.sh installs it";
    }
    char pattern[] = "/tmp/pictor-im-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs ImageMagick on `input` (a PNG written to the temp dir) and returns its output.
  vips::VImage magick(const vips::VImage& input, const std::string& args) {
    const std::string in = dir_ + "/in.png", out = dir_ + "/out.png";
    input.pngsave(in.c_str(), vips::VImage::option()->set("compression", 1));
    const std::string command = "convert-im6.q16 " + in + " " + args + " " + out;
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    return vips::VImage::new_from_file(out.c_str()).copy_memory();
  }

  std::string dir_;
};

TEST_F(ImageMagickReference, ResizeAgreesWithAnIndependentImplementation) {
  for (const auto& [photo_name, photo] : kPhotos) {
    SCOPED_TRACE(photo_name);
    const auto input = read_bytes(corpus_file(photo));
    // Pictor shrinks on load (DCT-domain) then Lanczos-3; ImageMagick decodes fully and resizes.
    const vips::VImage ours = decode(run_chain(input, "resize:w=200/format:type=png").bytes);
    const vips::VImage theirs = magick(decode(input), "-resize 200x" + std::to_string(ours.height()) + "!");
    const double diff = mean_abs_diff(ours, theirs), db = psnr(ours, theirs);
    std::printf("resize vs ImageMagick on %s: mean abs diff %.2f, PSNR %.1f dB\n", photo_name.c_str(), diff, db);
    EXPECT_LT(diff, 3.0);
    EXPECT_GT(db, 28.0);
  }
}

TEST_F(ImageMagickReference, RotateFlipAndCropAgreeExactly) {
  const auto input = read_bytes(corpus_file(kPhotos[0].second));
  const vips::VImage base = decode(run_chain(input, "resize:w=200/format:type=png").bytes);
  const struct {
    std::string chain, magick_args;
  } cases[] = {{"rotate:deg=90", "-rotate 90"},     {"rotate:deg=270", "-rotate 270"},
               {"rotate:deg=180", "-rotate 180"},   {"flip", "-flip"},
               {"flop", "-flop"},                   {"crop:x=20,y=10,w=50,h=40", "-crop 50x40+20+10 +repage"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.chain);
    const vips::VImage ours = decode(run_chain(input, "resize:w=200/" + c.chain + "/format:type=png").bytes);
    const vips::VImage theirs = magick(base, c.magick_args);
    ASSERT_EQ(ours.width(), theirs.width());
    ASSERT_EQ(ours.height(), theirs.height());
    EXPECT_EQ((ours.cast(VIPS_FORMAT_INT) - theirs.cast(VIPS_FORMAT_INT)).abs().max(), 0);
  }
}

}  // namespace
}  // namespace pictor
