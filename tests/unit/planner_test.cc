// The planner works on headers alone: these tests use no pixels.
#include <gtest/gtest.h>

#include "pictor/chain.h"
#include "pictor/engine.h"

namespace pictor {
namespace {

SourceInfo jpeg(int width, int height, int orientation = 1) {
  SourceInfo s;
  s.format = Format::kJpeg;
  s.width = width;
  s.height = height;
  s.orientation = orientation;
  return s;
}

struct Planned {
  Chain chain;  // the plan points into the chain, so keep it alive
  Result<Plan> plan = Status(ErrorCode::kInternal, "unset");
};

std::unique_ptr<Planned> plan_for(const std::string& text, const SourceInfo& source,
                                  ProcessOptions options = {}) {
  auto planned = std::make_unique<Planned>();
  auto chain = parse_chain(text);
  EXPECT_TRUE(chain.ok()) << chain.status().ToString();
  planned->chain = *chain;
  planned->plan = make_plan(planned->chain, source, options);
  return planned;
}

TEST(Planner, ShrinkOnLoadPicksTheLargestFactorThatKeepsEnoughPixels) {
  struct Case {
    int width, height;
    std::string chain;
    int shrink;
  } cases[] = {
      {4272, 2848, "resize:w=320", 8},   // 13.4x
      {2560, 1600, "resize:w=320", 8},   // exactly 8x
      {2560, 1600, "resize:w=321", 4},   // just under 8x
      {1920, 1280, "resize:w=320", 4},   // 6x
      {1280, 1024, "resize:w=320", 4},   // 4x
      {1000, 800, "resize:w=320", 2},    // 3.1x
      {600, 400, "resize:w=320", 1},     // 1.9x: resize alone
      {600, 400, "resize:w=900,enlarge=true", 1},
      {4000, 3000, "resize:w=320,h=320,fit=cover", 8},  // cover scales by the larger factor: 9.4x
      {4000, 1000, "resize:w=400,h=400,fit=cover", 2},  // 2.5x from the height
      {4000, 3000, "resize:w=500,dpr=2", 4},            // dpr doubles the target
      {4000, 3000, "flip/resize:w=320", 1},             // resize is not first
      {4000, 3000, "crop:w=100,h=100", 1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.chain + " on " + std::to_string(c.width) + "x" + std::to_string(c.height));
    auto p = plan_for(c.chain, jpeg(c.width, c.height));
    ASSERT_TRUE(p->plan.ok()) << p->plan.status().ToString();
    EXPECT_EQ(p->plan->load_shrink, c.shrink);
    // Shrinking on load never decodes fewer pixels than the resize needs.
    if (c.shrink > 1) {
      EXPECT_GE(p->plan->loaded_width, p->plan->steps.front().out_width);
    }
  }
}

// Regression: the plan said 171x135 for a 1/8 decode of 1365x1074, libvips loads 170x134
// (`vipsheader "Picture_1A.jpg[shrink=8]"`), so later steps were planned one pixel too large.
TEST(Planner, JpegShrinkOnLoadSizesRoundDownAsLibvipsLoadsThem) {
  struct Case {
    int width, height;
    std::string chain;
    int shrink, loaded_width, loaded_height;
  } cases[] = {
      {1365, 1074, "resize:w=170", 8, 170, 134},
      {1365, 1074, "resize:w=340", 4, 341, 268},
      {1365, 1074, "resize:w=600", 2, 682, 537},
      {500, 375, "resize:w=60", 8, 62, 46},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.chain + " on " + std::to_string(c.width) + "x" + std::to_string(c.height));
    auto p = plan_for(c.chain, jpeg(c.width, c.height));
    ASSERT_TRUE(p->plan.ok());
    EXPECT_EQ(p->plan->load_shrink, c.shrink);
    EXPECT_EQ(p->plan->loaded_width, c.loaded_width);
    EXPECT_EQ(p->plan->loaded_height, c.loaded_height);
  }
}

TEST(Planner, WebpScalesOnLoadAndPngDoesNot) {
  SourceInfo webp = jpeg(4272, 2848);
  webp.format = Format::kWebp;
  auto p = plan_for("resize:w=320", webp);
  ASSERT_TRUE(p->plan.ok());
  EXPECT_EQ(p->plan->load_shrink, 1);
  EXPECT_DOUBLE_EQ(p->plan->load_scale, 1.0 / 13);
  EXPECT_GE(p->plan->loaded_width, 320);

  SourceInfo png = webp;
  png.format = Format::kPng;
  auto q = plan_for("resize:w=320", png);
  ASSERT_TRUE(q->plan.ok());
  EXPECT_EQ(q->plan->load_shrink, 1);
  EXPECT_EQ(q->plan->load_scale, 1.0);
}

TEST(Planner, HeifUsesTheEmbeddedThumbnailOnlyWhenItIsLargeEnough) {
  SourceInfo heic = jpeg(4032, 3024);
  heic.format = Format::kHeic;
  heic.thumbnail_width = 512;
  heic.thumbnail_height = 384;
  auto small = plan_for("resize:w=320", heic);
  ASSERT_TRUE(small->plan.ok());
  EXPECT_TRUE(small->plan->heif_thumbnail);
  auto large = plan_for("resize:w=1024", heic);
  ASSERT_TRUE(large->plan.ok());
  EXPECT_FALSE(large->plan->heif_thumbnail);
  heic.thumbnail_width = heic.thumbnail_height = 0;
  EXPECT_FALSE(plan_for("resize:w=320", heic)->plan->heif_thumbnail);
}

TEST(Planner, SizesFollowTheFitModes) {
  const SourceInfo s = jpeg(4000, 3000);
  auto size_of = [&](const std::string& chain) {
    auto p = plan_for(chain, s);
    EXPECT_TRUE(p->plan.ok()) << chain << ": " << p->plan.status().ToString();
    return p->plan.ok() ? std::pair{p->plan->out_width, p->plan->out_height} : std::pair{0, 0};
  };
  EXPECT_EQ(size_of("resize:w=320"), (std::pair{320, 240}));
  EXPECT_EQ(size_of("resize:h=300"), (std::pair{400, 300}));
  EXPECT_EQ(size_of("resize:w=320,h=320"), (std::pair{320, 240}));
  EXPECT_EQ(size_of("resize:w=320,h=320,fit=fill"), (std::pair{427, 320}));
  EXPECT_EQ(size_of("resize:w=320,h=320,fit=cover"), (std::pair{320, 320}));
  EXPECT_EQ(size_of("resize:w=320,h=320,fit=contain"), (std::pair{320, 320}));
  EXPECT_EQ(size_of("resize:w=320,h=100,fit=force"), (std::pair{320, 100}));
  EXPECT_EQ(size_of("resize:w=320,dpr=2"), (std::pair{640, 480}));
  EXPECT_EQ(size_of("resize:w=8000"), (std::pair{4000, 3000}));  // no enlargement by default
  EXPECT_EQ(size_of("resize:w=8000,enlarge=true"), (std::pair{8000, 6000}));
  EXPECT_EQ(size_of("resize:w=5000,h=5000,fit=cover"), (std::pair{4000, 3000}));  // never enlarged
  EXPECT_EQ(size_of("ff320_240"), (std::pair{320, 240}));
  EXPECT_EQ(size_of("s100"), (std::pair{100, 100}));
  EXPECT_EQ(size_of("rotate:deg=90"), (std::pair{3000, 4000}));
  EXPECT_EQ(size_of("rotate:deg=-270"), (std::pair{3000, 4000}));
  EXPECT_EQ(size_of("rotate:deg=180"), (std::pair{4000, 3000}));
  EXPECT_EQ(size_of("crop:w=100,h=50"), (std::pair{100, 50}));
  EXPECT_EQ(size_of("crop:w=9000,h=50"), (std::pair{4000, 50}));
  EXPECT_EQ(size_of("crop:x=3900,y=0,w=500,h=50"), (std::pair{100, 50}));
  EXPECT_EQ(size_of("extend:top=10,left=5,right=1"), (std::pair{4006, 3010}));
  EXPECT_EQ(size_of("resize:w=100/extend:bottom=20"), (std::pair{100, 95}));
}

TEST(Planner, AspectIsKeptWithinOnePixel) {
  for (int w : {17, 99, 320, 641, 1000}) {
    for (auto [sw, sh] : {std::pair{4272, 2848}, {2056, 3088}, {6028, 3391}, {1365, 1074}}) {
      auto p = plan_for("resize:w=" + std::to_string(w), jpeg(sw, sh));
      ASSERT_TRUE(p->plan.ok());
      EXPECT_EQ(p->plan->out_width, w);
      EXPECT_NEAR(p->plan->out_height, double(w) * sh / sw, 1.0);
    }
  }
}

TEST(Planner, OrientationSwapsTheFrameBeforeTheChain) {
  auto p = plan_for("resize:w=300", jpeg(3088, 2048, 6));
  ASSERT_TRUE(p->plan.ok());
  EXPECT_EQ(p->plan->loaded_width, 2048 / 4);  // 6.8x -> factor 4, portrait
  EXPECT_EQ(p->plan->out_width, 300);
  EXPECT_EQ(p->plan->out_height, 452);
  ProcessOptions raw;
  raw.auto_orient = false;
  auto q = plan_for("resize:w=300", jpeg(3088, 2048, 6), raw);
  EXPECT_EQ(q->plan->out_height, 199);
  // An explicit autoorient then swaps.
  auto r = plan_for("autoorient/resize:w=300", jpeg(3088, 2048, 6), raw);
  EXPECT_EQ(r->plan->out_height, 452);
  // ...and is a no-op when the load already oriented the image.
  auto s = plan_for("autoorient/resize:w=300", jpeg(3088, 2048, 6));
  EXPECT_EQ(s->plan->out_height, 452);
}

TEST(Planner, DataDependentStepsMarkLaterSizesAsEstimates) {
  auto p = plan_for("trim/resize:w=100/flip", jpeg(1000, 800));
  ASSERT_TRUE(p->plan.ok());
  EXPECT_TRUE(p->plan->steps[0].size_exact);
  EXPECT_FALSE(p->plan->steps[1].size_exact);
  EXPECT_FALSE(p->plan->steps[2].size_exact);
  auto q = plan_for("rotate:deg=90/resize:w=100", jpeg(1000, 800));
  EXPECT_TRUE(q->plan->steps[1].size_exact);
  auto r = plan_for("rotate:deg=45/resize:w=100", jpeg(1000, 800));
  EXPECT_FALSE(r->plan->steps[1].size_exact);
}

TEST(Planner, RejectsOutputsAboveTheOutputLimit) {
  auto p = plan_for("resize:w=10000,h=8000,fit=force", jpeg(4000, 3000));
  ASSERT_FALSE(p->plan.ok());
  EXPECT_EQ(p->plan.status().code(), ErrorCode::kOutputTooLarge);
  EXPECT_NE(p->plan.status().message().find("operation 1 (resize) would make 10000x8000 (80.0 megapixels)"),
            std::string::npos)
      << p->plan.status().message();
  ProcessOptions small;
  small.limits.max_output_pixels = 1000;
  EXPECT_EQ(plan_for("resize:w=40", jpeg(4000, 3000), small)->plan.status().code(), ErrorCode::kOutputTooLarge);
  EXPECT_TRUE(plan_for("resize:w=30", jpeg(4000, 3000), small)->plan.ok());
}

TEST(Planner, CropBoxOutsideTheImageIsAnError) {
  auto p = plan_for("resize:w=100/crop:x=200,y=0,w=10,h=10", jpeg(4000, 3000));
  ASSERT_FALSE(p->plan.ok());
  EXPECT_EQ(p->plan.status().code(), ErrorCode::kInvalidValue);
  EXPECT_NE(p->plan.status().message().find("operation 2 (crop): crop box at x=200,y=0 lies outside the 100x75 image"),
            std::string::npos)
      << p->plan.status().message();
}

TEST(Planner, OutputFormatComesFromTheChainTheCallerOrTheInput) {
  const SourceInfo s = jpeg(1000, 800);
  EXPECT_EQ(plan_for("flip", s)->plan->output.format, Format::kJpeg);
  ProcessOptions as_png;
  as_png.default_format = Format::kPng;
  EXPECT_EQ(plan_for("flip", s, as_png)->plan->output.format, Format::kPng);
  EXPECT_EQ(plan_for("flip/format:type=webp", s, as_png)->plan->output.format, Format::kWebp);
  SourceInfo heic = s;
  heic.format = Format::kHeic;
  EXPECT_EQ(plan_for("flip", heic)->plan->output.format, Format::kJpeg);
  auto full = plan_for("format:type=jpeg,q=72,progressive=true,subsample=off,keep=icc", s);
  ASSERT_TRUE(full->plan.ok());
  EXPECT_EQ(full->plan->output.quality, 72);
  EXPECT_TRUE(full->plan->output.progressive);
  EXPECT_EQ(full->plan->output.subsample, "off");
  EXPECT_EQ(full->plan->output.keep, "icc");
}

TEST(Planner, EncoderOptionsMustFitTheOutputFormat) {
  const SourceInfo s = jpeg(1000, 800);
  for (const std::string chain : {"format:type=webp,progressive=true", "format:type=png,subsample=off",
                                  "format:type=jpeg,palette=true", "format:type=jpeg,lossless=true",
                                  "format:type=png,q=50", "format:type=gif,q=50", "format:type=jpeg,effort=3",
                                  "format:type=avif,keep=icc", "format:type=heic,keep=copyright"}) {
    SCOPED_TRACE(chain);
    auto p = plan_for(chain, s);
    ASSERT_FALSE(p->plan.ok());
    EXPECT_EQ(p->plan.status().code(), ErrorCode::kInvalidValue);
  }
  EXPECT_TRUE(plan_for("format:type=png,palette=true,q=50", s)->plan.ok());
  EXPECT_TRUE(plan_for("format:type=webp,lossless=true,effort=6", s)->plan.ok());
  // Without a type the input's format decides: a JPEG input takes a JPEG option.
  EXPECT_TRUE(plan_for("format:progressive=true", s)->plan.ok());
}

TEST(Planner, LoadsTheSmallestRenditionThatCoversTheResize) {
  ProcessOptions options;
  options.renditions = {{Format::kJpeg, 2048, 1536}, {Format::kJpeg, 512, 384}};
  struct Case {
    std::string chain;
    int rendition;    // expected choice
    int load_shrink;  // JPEG shrink: never on a rendition (it is already a filtered downscale)
  } cases[] = {
      {"resize:w=320", 1, 1},                     // 512 is 1.6x 320
      {"resize:w=200", 1, 1},                     // 512 / 200 = 2.56x, but no second shrink
      {"resize:w=400", 0, 1},                     // 512 is only 1.28x 400: the 2048 one
      {"resize:w=320,h=240,fit=cover", 1, 1},     // scaled to 320x240: 512x384 is 1.6x
      {"resize:w=320,h=320,fit=cover", 0, 1},     // scaled to 427x320: 512x384 is only 1.2x
      {"resize:w=3000", -1, 1},                   // larger than every rendition
      {"crop:w=100,h=100/resize:w=50", -1, 1},    // a crop in source pixels needs the source
      {"resize:w=320/format:type=jpeg,keep=icc", -1, 8},  // renditions carry no metadata
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.chain);
    auto p = plan_for(c.chain, jpeg(4000, 3000), options);
    ASSERT_TRUE(p->plan.ok()) << p->plan.status().ToString();
    EXPECT_EQ(p->plan->rendition, c.rendition);
    EXPECT_EQ(p->plan->load_shrink, c.load_shrink);
    // Whatever is loaded still has at least 1.5x the pixels the resize needs.
    EXPECT_GE(p->plan->loaded_width, p->plan->steps.front().out_width * (c.rendition >= 0 ? 1.5 : 1));
    // The steps keep the source's geometry: a rendition changes what is decoded, not the result.
    EXPECT_EQ(p->plan->steps.front().in_width, 4000);
  }
}

TEST(Planner, RenditionsStandInOnlyForOrientedStillImages) {
  ProcessOptions options;
  options.renditions = {{Format::kJpeg, 512, 384}};
  SourceInfo animated = jpeg(4000, 3000);
  animated.frames = 3;
  EXPECT_EQ(plan_for("resize:w=320", animated, options)->plan->rendition, -1);

  // Renditions are stored oriented; without auto-orientation they do not match the source.
  SourceInfo rotated = jpeg(3000, 4000, 6);
  options.renditions = {{Format::kJpeg, 512, 384}};  // displayed 4000x3000
  options.auto_orient = false;
  EXPECT_EQ(plan_for("resize:w=320", rotated, options)->plan->rendition, -1);
  options.auto_orient = true;
  auto oriented = plan_for("resize:w=320", rotated, options);
  EXPECT_EQ(oriented->plan->rendition, 0);
  EXPECT_FALSE(oriented->plan->orient_on_load()) << "the rendition is already upright";
  EXPECT_EQ(oriented->plan->input_format, Format::kJpeg);
}

}  // namespace
}  // namespace pictor
