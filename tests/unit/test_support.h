// Helpers shared by the unit tests: the test corpus, file reading, perceptual comparison.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <vips/vips8>

#include "pictor/engine.h"

namespace pictor::testing {

// Path of a file in the test corpus (scripts/corpus.sh test DIR); fails the test when missing.
std::string corpus_file(const std::string& relative);
// Path of a file under tests/ in the source tree.
std::string source_file(const std::string& relative);

std::vector<uint8_t> read_bytes(const std::string& path);

// Encodes with libvips' saver for `suffix` (".png", ".jpg[Q=50]", ...).
std::vector<uint8_t> encode(const vips::VImage& image, const char* suffix);

// stdout of a shell command, or "" when it cannot run or fails (stderr discarded): for tests
// that compare with an independent tool when it is installed.
std::string command_output(const std::string& command);

// Decodes encoded bytes into an 8-bit image (for comparisons in tests only).
vips::VImage decode(const std::vector<uint8_t>& bytes);

// Runs a chain through the engine and returns the encoded result (asserting success).
Encoded run_chain(const std::vector<uint8_t>& input, const std::string& chain,
                  ProcessOptions options = {});

// Perceptual difference of two same-sized images: mean absolute difference over all bands
// (0-255) after a small Gaussian blur that forgives sub-pixel shifts and ringing.
double mean_abs_diff(const vips::VImage& a, const vips::VImage& b);
// Peak signal-to-noise ratio in dB (higher is closer; identical = infinity).
double psnr(const vips::VImage& a, const vips::VImage& b);

}  // namespace pictor::testing
