// `pictor similar A B`: how far apart two images are by their perceptual signatures (PDQ and
// pHash Hamming distances, docs/info.md#signatures).
#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/file_io.h"
#include "metadata/signatures.h"
#include "pictor/engine.h"

namespace pictor::cli {
namespace {

namespace sig = metadata::signatures;

Result<sig::Signatures> signatures_of_file(const std::string& path, const Config& config) {
  auto bytes = read_file(path, config.limits.max_input_bytes);
  if (!bytes.ok()) return bytes.status();
  auto s = sig::image_signatures(*bytes, config.limits);
  if (!s.ok()) return Status(s.status().code(), s.status().message() + " (" + path + ")");
  return s;
}

// The transform t of A closest to B: B looks like A after t. Ties go to the earlier transform,
// so an exact copy reports "original".
std::pair<int, sig::Dihedral> closest_transform(const sig::Signatures& a,
                                                const sig::Signatures& b) {
  std::pair<int, sig::Dihedral> best{sig::hamming(a.pdq, b.pdq), sig::Dihedral::kOriginal};
  for (int t = 1; t < sig::kDihedralCount; ++t) {
    const int d = sig::hamming(a.dihedral[t], b.pdq);
    if (d < best.first) best = {d, static_cast<sig::Dihedral>(t)};
  }
  return best;
}

}  // namespace

int similar_command(const SimilarArgs& args, const Config& config) {
  Status init = initialize(config.engine);
  if (!init.ok()) return report_error(init);
  auto a = signatures_of_file(args.first, config);
  if (!a.ok()) return report_error(a.status());
  auto b = signatures_of_file(args.second, config);
  if (!b.ok()) return report_error(b.status());
  const int pdq = sig::hamming(a->pdq, b->pdq);
  if (!args.json) {
    std::cout << pdq << '\n';
    return 0;
  }
  const auto [dihedral, transform] = closest_transform(*a, *b);
  const nlohmann::json answer{
      {"pdq_distance", pdq},
      {"dihedral_distance", dihedral},
      {"dihedral_transform", sig::dihedral_name(transform)},
      {"phash_distance", sig::hamming(a->phash, b->phash)},
      {"pdq_quality", {a->pdq_quality, b->pdq_quality}},
      {"threshold", sig::kPdqMatchThreshold},
      {"match", dihedral <= sig::kPdqMatchThreshold},
      // The reference's rule: hashes of featureless images (quality < 50) say little, and two
      // blank images match whatever their colour.
      {"reliable", std::min(a->pdq_quality, b->pdq_quality) >= sig::kPdqMinQuality},
  };
  std::cout << answer.dump(2) << '\n';
  return 0;
}

}  // namespace pictor::cli
