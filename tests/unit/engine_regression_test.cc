// Regression tests for engine bugs found in passing (each names the bug it pins down).
#include <gtest/gtest.h>
#include <vips/vips8>
#include <vips/vector.h>

#include "test_support.h"

namespace pictor {
namespace {

using testing::corpus_file;
using testing::decode;
using testing::read_bytes;
using testing::run_chain;

// Bug: smart-crop gravity inside resize:fit=cover read a sequential JPEG decode out of order
// ("out of order read at line 514"); operations now declare when they need random access.
TEST(EngineRegression, SmartGravityInsideCoverOnLargeSequentialJpeg) {
  const auto input = read_bytes(corpus_file("photo/lomiri16__life_by_Aitzol_Berasategi.jpg"));
  for (const std::string gravity : {"attention", "entropy"}) {
    SCOPED_TRACE(gravity);
    Encoded out = run_chain(input, "resize:w=480,h=320,fit=cover,gravity=" + gravity + "/sharpen");
    EXPECT_EQ(out.width, 480);
    EXPECT_EQ(out.height, 320);
    EXPECT_EQ(decode(out.bytes).width(), 480);
  }
}

// Operations that read out of order must work on a full-size decode too (no shrink-on-load).
TEST(EngineRegression, RandomAccessOperationsOnFullSizeDecode) {
  const auto input = read_bytes(corpus_file("photo/lomiri16__Picture_1A_by_freespace.jpg"));
  for (const std::string chain : {"flip", "rotate:deg=90", "rotate:deg=17", "trim", "crop:w=300,h=200,gravity=attention",
                                  "flip/flop/rotate:deg=270", "extend:top=5,bg=ff0000/trim"}) {
    SCOPED_TRACE(chain);
    Encoded out = run_chain(input, chain + "/format:type=png");
    EXPECT_GT(out.bytes.size(), 1000u);
  }
}

// A large photo stored rotated with EXIF orientation 6 is oriented at load on a full decode.
TEST(EngineRegression, OrientationOnLargeImageWithoutShrink) {
  const auto input = read_bytes(corpus_file("extra/orient6-derived__friends.jpg"));
  Encoded out = run_chain(input, "blur:sigma=0.5/format:type=jpeg");
  EXPECT_EQ(out.width, 2048);
  EXPECT_EQ(out.height, 3088);
}

}  // namespace
// Regression: with liborc's vector code, `pictor serve` segfaulted in orc_code_free under
// concurrent load (docs/engine.md). It stays off unless configured.
TEST(EngineRegression, VectorCodeIsOffByDefault) {
  ASSERT_TRUE(initialize().ok());
  EXPECT_FALSE(vips_vector_isenabled());
}

}  // namespace pictor
