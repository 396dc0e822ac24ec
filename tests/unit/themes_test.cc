// The themes extractor: each signal on synthetic images with a known answer, and the evaluation
// on the hand-labelled slice (tests/fixtures/themes/labels.tsv): per-label precision and recall
// at the 0.5 threshold, printed as a table; precision must be >= 0.8 for every label with at
// least 3 positive examples. The thresholds were chosen while looking at this same slice, so
// these numbers overstate what to expect on unseen photos (docs/info.md).
#include "metadata/themes.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "pictor/info.h"
#include "test_support.h"

namespace pictor::metadata {
namespace {

using testing::corpus_file;
using testing::read_bytes;
using testing::source_file;

struct Image {
  int w = 0, h = 0;
  std::vector<uint8_t> rgb;
  Image(int width, int height, uint8_t r, uint8_t g, uint8_t b) : w(width), h(height) {
    for (int i = 0; i < w * h; ++i) rgb.insert(rgb.end(), {r, g, b});
  }
  void fill(int x0, int y0, int x1, int y1, uint8_t r, uint8_t g, uint8_t b) {
    for (int y = y0; y < y1; ++y)
      for (int x = x0; x < x1; ++x) {
        uint8_t* p = &rgb[3 * (size_t(y) * w + x)];
        p[0] = r, p[1] = g, p[2] = b;
      }
  }
  ThemeSignals signals() const { return theme_signals(rgb, w, h); }
};

std::map<std::string, double> scores(const ThemeSignals& s) {
  std::map<std::string, double> out;
  for (const ThemeScore& t : score_themes(s)) out[t.name] = t.confidence;
  return out;
}

// Camera-like noise: no neighbourhood stays exactly flat.
void add_noise(Image& img, float sigma, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> gauss(0, sigma);
  for (uint8_t& v : img.rgb) v = uint8_t(std::clamp(v + gauss(rng), 0.0f, 255.0f));
}

TEST(ThemesSignals, GreyGradientIsBlackAndWhite) {
  Image img(256, 128, 0, 0, 0);
  for (int y = 0; y < img.h; ++y)
    for (int x = 0; x < img.w; ++x)
      img.fill(x, y, x + 1, y + 1, uint8_t(x), uint8_t(x), uint8_t(x));
  const ThemeSignals s = img.signals();
  EXPECT_EQ(s.colour_fraction, 0);
  EXPECT_NEAR(s.luma_mean, 127.5, 0.5);
  EXPECT_NEAR(s.dark_fraction, 0.25, 0.01);
  EXPECT_EQ(scores(s)["black_and_white"], 1);
  // Every column differs from the next, so nothing is exactly flat: not a graphic.
  EXPECT_EQ(s.flat_fraction, 0);
  EXPECT_EQ(scores(s)["screenshot_graphic"], 0);
}

TEST(ThemesSignals, FlatUiMockupIsScreenshotGraphic) {
  Image ui(400, 300, 246, 245, 244);          // window background
  ui.fill(0, 0, 400, 30, 48, 48, 48);         // dark header bar
  ui.fill(20, 60, 180, 90, 53, 132, 228);     // blue button
  ui.fill(20, 110, 380, 140, 255, 255, 255);  // text field
  ui.fill(20, 110, 380, 111, 200, 200, 200);  // its border
  const ThemeSignals s = ui.signals();
  EXPECT_GT(s.flat_fraction, 0.9);
  EXPECT_GT(s.top_colours_coverage, 0.99);
  const auto sc = scores(s);
  EXPECT_EQ(sc.at("screenshot_graphic"), 1);
  EXPECT_EQ(sc.at("landscape_nature"), 0);  // vetoed: not a photo
  // The same mock-up with camera noise is no longer exactly flat anywhere.
  add_noise(ui, 3, 1);
  EXPECT_LT(ui.signals().flat_fraction, 0.01);
  EXPECT_EQ(scores(ui.signals()).at("screenshot_graphic"), 0);
}

TEST(ThemesSignals, SkyOverMeadowIsLandscape) {
  Image img(300, 200, 110, 160, 230);       // blue sky
  img.fill(0, 120, 300, 200, 70, 140, 50);  // green meadow
  add_noise(img, 4, 2);
  const ThemeSignals s = img.signals();
  EXPECT_GT(s.sky_top_fraction, 0.95);
  EXPECT_NEAR(s.vegetation_fraction, 0.4, 0.02);
  EXPECT_GT(s.colour_fraction, 0.9);
  const auto sc = scores(s);
  EXPECT_EQ(sc.at("landscape_nature"), 1);
  EXPECT_EQ(sc.at("black_and_white"), 0);
  EXPECT_EQ(sc.at("screenshot_graphic"), 0);
}

TEST(ThemesSignals, TextPageIsDocument) {
  // A white page with rows of 2-pixel black strokes, like glyphs.
  Image page(400, 400, 250, 250, 248);
  for (int line = 20; line < 380; line += 16)
    for (int x = 20; x < 380; x += 5) page.fill(x, line, x + 2, line + 9, 20, 20, 20);
  add_noise(page, 2, 3);  // a scan
  const ThemeSignals s = page.signals();
  EXPECT_GT(s.edge_density, 0.14);
  EXPECT_GT(s.light_fraction, 0.65);
  const auto sc = scores(s);
  EXPECT_EQ(sc.at("document"), 1);
  EXPECT_EQ(sc.at("black_and_white"), 1);
  // A plain white page has no ink: not a document.
  EXPECT_EQ(scores(Image(100, 100, 250, 250, 250).signals()).at("document"), 0);
}

TEST(ThemesSignals, EmptyAndRampEdges) {
  const ThemeSignals s = theme_signals({}, 0, 0);
  EXPECT_EQ(s.colour_fraction, 0);
  EXPECT_EQ(ramp(0.5, 0, 1), 0.5);
  EXPECT_EQ(ramp(-1, 0, 1), 0);
  EXPECT_EQ(ramp(2, 0, 1), 1);
}

struct Labelled {
  std::string path;
  std::set<std::string> labels;
};

// Rows of labels.tsv that exist in the corpora at hand: the test corpus always, the bench corpus
// when PICTOR_BENCH_CORPUS names it.
std::vector<Labelled> labelled_files() {
  std::ifstream in(source_file("fixtures/themes/labels.tsv"));
  const char* bench = std::getenv("PICTOR_BENCH_CORPUS");
  std::vector<Labelled> out;
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (header) {
      header = false;
      continue;
    }
    std::istringstream row(line);
    std::string file, labels;
    std::getline(row, file, '\t');
    std::getline(row, labels, '\t');
    std::string path;
    if (file.rfind("bench:", 0) == 0) {
      if (!bench) continue;
      path = std::string(bench) + "/" + file.substr(6);
    } else {
      path = corpus_file(file);
    }
    Labelled l{path, {}};
    std::istringstream names(labels);
    for (std::string n; std::getline(names, n, ',');)
      if (n != "-") l.labels.insert(n);
    out.push_back(l);
  }
  return out;
}

class Themes : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(initialize().ok()); }
};

TEST_F(Themes, PrecisionOnLabelledSlice) {
  const auto files = labelled_files();
  ASSERT_GE(files.size(), 50u);
  struct Counts {
    int tp = 0, fp = 0, fn = 0, positives = 0;
  };
  std::map<std::string, Counts> counts;
  for (const ThemeScore& t : score_themes({})) counts[t.name];
  for (const Labelled& f : files) {
    auto info = extract_info(read_bytes(f.path), {{}, {"themes"}});
    ASSERT_TRUE(info.ok()) << f.path;
    const nlohmann::json& themes = (*info)["themes"];
    ASSERT_TRUE(themes.is_object()) << f.path << ": " << info->dump();
    std::set<std::string> predicted;
    for (const auto& l : themes["labels"]) predicted.insert(l["name"].get<std::string>());
    for (auto& [name, c] : counts) {
      const bool truth = f.labels.count(name) > 0, got = predicted.count(name) > 0;
      c.positives += truth;
      c.tp += truth && got;
      c.fp += !truth && got;
      c.fn += truth && !got;
      if (truth != got)
        std::printf("  %s %s: %s\n", truth ? "missed" : "false", name.c_str(), f.path.c_str());
    }
  }
  std::printf("themes on %zu labelled files (threshold %.1f)\n%-20s %9s %9s %4s %4s %4s\n",
              files.size(), kThemeThreshold, "label", "precision", "recall", "pos", "tp", "fp");
  for (const auto& [name, c] : counts) {
    const double precision = c.tp + c.fp ? double(c.tp) / (c.tp + c.fp) : 1;
    const double recall = c.positives ? double(c.tp) / c.positives : 1;
    std::printf("%-20s %9.2f %9.2f %4d %4d %4d\n", name.c_str(), precision, recall, c.positives,
                c.tp, c.fp);
    if (c.positives >= 3) {
      EXPECT_GE(precision, 0.8) << name;
    }
  }
}

TEST_F(Themes, OutputShape) {
  auto info =
      extract_info(read_bytes(corpus_file("themes/gnome__shell-exit.png")), {{}, {"themes"}});
  ASSERT_TRUE(info.ok());
  const nlohmann::json& t = (*info)["themes"];
  ASSERT_EQ(t["labels"].size(), 1u);
  EXPECT_EQ(t["labels"][0]["name"], "screenshot_graphic");
  EXPECT_EQ(t["scores"].size(), 4u);
  for (const auto& [name, v] : t["scores"].items())
    EXPECT_TRUE(v.get<double>() >= 0 && v.get<double>() <= 1) << name;
  EXPECT_TRUE(t["signals"].contains("flat_fraction"));
}

}  // namespace
}  // namespace pictor::metadata
