#include "test_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>

#include "pictor/chain.h"

namespace pictor::testing {

std::string corpus_file(const std::string& relative) {
  const char* env = std::getenv("PICTOR_TEST_CORPUS");
  const std::string root = env ? env : PICTOR_TEST_CORPUS;
  const std::string path = root + "/" + relative;
  if (!std::filesystem::exists(path)) {
    ADD_FAILURE() << "missing corpus file " << path << " (run: bash scripts/corpus.sh test " << root << ")";
  }
  return path;
}

std::string source_file(const std::string& relative) {
  return std::string(PICTOR_SOURCE_DIR) + "/tests/" + relative;
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

std::vector<uint8_t> encode(const vips::VImage& image, const char* suffix) {
  void* data = nullptr;
  size_t size = 0;
  image.write_to_buffer(suffix, &data, &size);
  std::vector<uint8_t> bytes(static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
  g_free(data);
  return bytes;
}

std::string command_output(const std::string& command) {
  std::string out;
  if (FILE* pipe = popen((command + " 2>/dev/null").c_str(), "r")) {
    char buffer[4096];
    while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
    if (pclose(pipe) != 0) out.clear();
  }
  return out;
}

vips::VImage decode(const std::vector<uint8_t>& bytes) {
  vips::VImage image = vips::VImage::new_from_buffer(bytes.data(), bytes.size(), "");
  // Copy into memory so the image does not reference the caller's buffer.
  return image.copy_memory();
}

Encoded run_chain(const std::vector<uint8_t>& input, const std::string& chain_text,
                  ProcessOptions options) {
  auto chain = parse_chain(chain_text);
  EXPECT_TRUE(chain.ok()) << chain.status().ToString();
  if (!chain.ok()) return {};
  auto out = process(input, *chain, options);
  EXPECT_TRUE(out.ok()) << chain_text << ": " << out.status().ToString();
  if (!out.ok()) return {};
  return std::move(out).value();
}

namespace {
vips::VImage comparable(const vips::VImage& image) {
  vips::VImage out = image.cast(VIPS_FORMAT_FLOAT);
  return out.gaussblur(0.7);
}
}  // namespace

double mean_abs_diff(const vips::VImage& a, const vips::VImage& b) {
  EXPECT_EQ(a.width(), b.width());
  EXPECT_EQ(a.height(), b.height());
  EXPECT_EQ(a.bands(), b.bands());
  if (a.width() != b.width() || a.height() != b.height() || a.bands() != b.bands()) return 255;
  return (comparable(a) - comparable(b)).abs().avg();
}

double psnr(const vips::VImage& a, const vips::VImage& b) {
  if (a.width() != b.width() || a.height() != b.height() || a.bands() != b.bands()) return 0;
  vips::VImage diff = a.cast(VIPS_FORMAT_FLOAT) - b.cast(VIPS_FORMAT_FLOAT);
  const double mse = (diff * diff).avg();
  if (mse == 0) return std::numeric_limits<double>::infinity();
  return 10 * std::log10(255.0 * 255.0 / mse);
}

}  // namespace pictor::testing
