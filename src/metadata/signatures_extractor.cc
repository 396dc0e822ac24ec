// signatures: PDQ (hash + quality) and pHash of the shared preview, for near-duplicate search.
// The eight dihedral PDQ hashes stay out of the answer (512 hex digits for a rare question);
// `pictor similar` computes them through image_signatures().
#include "codecs/vips_adapter.h"
#include "metadata/extractor.h"
#include "metadata/luma.h"
#include "metadata/signatures.h"

namespace pictor::metadata {
namespace {

using nlohmann::json;

Result<signatures::Signatures> signatures_of(const InfoInput& in) {
  auto preview = in.preview();
  if (!preview.ok()) return preview.status();
  const vips::VImage& image = *preview;
  const int w = image.width(), h = image.height();
  const std::vector<float> luma = bt601_luma(rgb_pixels(image), w, h);
  return signatures::compute(luma, w, h);
}

class SignaturesExtractor final : public Extractor {
 public:
  std::string_view name() const override { return "signatures"; }

  Result<json> extract(const InfoInput& in) const override {
    auto s = signatures_of(in);
    if (!s.ok()) return s.status();
    return json{
        {"pdq", s->pdq.hex()},
        {"pdq_quality", s->pdq_quality},
        {"phash", signatures::phash_hex(s->phash)},
    };
  }
};

}  // namespace

const Extractor& signatures_extractor() {
  static const SignaturesExtractor extractor;
  return extractor;
}

namespace signatures {

Result<Signatures> image_signatures(std::span<const uint8_t> bytes, const Limits& limits) {
  PICTOR_RETURN_IF_ERROR(initialize());
  // The probe enforces the input limits before anything is decoded, as for `pictor info`.
  auto source = probe(bytes, limits);
  if (!source.ok()) return source.status();
  InfoInput input;
  input.bytes = bytes;
  input.source = *source;
  return codecs::guard_vips(codecs::Stage::kProcess, [&] { return signatures_of(input); });
}

}  // namespace signatures
}  // namespace pictor::metadata
