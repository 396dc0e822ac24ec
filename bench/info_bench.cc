// Speed of the info extractors (include/pictor/info.h), in process: for every JPEG of a
// directory, each extractor on its own and all of them together, median of RUNS calls per file.
// Prints a TSV row per file and feature, then a markdown table of medians over the files.
//   pictor_info_bench DIR [RUNS]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "pictor/engine.h"
#include "pictor/info.h"

namespace {

std::vector<uint8_t> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Median wall milliseconds of `runs` calls of extract_info with these features.
double time_features(const std::vector<uint8_t>& bytes, const std::vector<std::string>& features,
                     int runs) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto info = pictor::extract_info(bytes, {{}, features});
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
    if (!info.ok()) return -1;
  }
  return median(ms);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: pictor_info_bench DIR [RUNS]\n");
    return 2;
  }
  const int runs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
  if (!pictor::initialize().ok()) return 1;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
    if (entry.path().extension() == ".jpg") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> features = pictor::info_features();
  features.push_back("all");
  std::map<std::string, std::vector<double>> per_feature;
  fmt::print("file\tmegapixels\tfeature\tms\n");
  for (const auto& path : files) {
    const auto bytes = read_file(path);
    auto header = pictor::extract_info(bytes, {{}, {"file"}});
    const double mp = header.ok() ? (*header)["file"]["width"].get<double>() *
                                        (*header)["file"]["height"].get<double>() / 1e6
                                  : 0;
    for (const std::string& feature : features) {
      const double ms = time_features(
          bytes, feature == "all" ? std::vector<std::string>{} : std::vector<std::string>{feature},
          runs);
      per_feature[feature].push_back(ms);
      fmt::print("{}\t{:.1f}\t{}\t{:.2f}\n", path.filename().string(), mp, feature, ms);
    }
  }
  fmt::print("\n| feature | median ms per file | max ms |\n|---|---|---|\n");
  for (const std::string& feature : features) {
    const auto& v = per_feature[feature];
    fmt::print("| {} | {:.2f} | {:.2f} |\n", feature, median(v),
               v.empty() ? 0 : *std::max_element(v.begin(), v.end()));
  }
  return 0;
}
