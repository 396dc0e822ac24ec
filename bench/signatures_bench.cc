// Robustness of the perceptual signatures (src/metadata/signatures.h): for every photo of a
// directory, copies made with libvips (resize, recompress, gamma, watermark, crop, flip) and
// whether their PDQ / pHash stay within the match threshold of the original's (recall); and how
// many pairs of distinct pictures fall within it (false positives). Prints markdown for
// bench/RESULTS.md.
//   pictor_signatures_bench PHOTO_DIR [COPIES_DIR]   (COPIES_DIR: also write the copies there)
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>
#include <vips/vips8>

#include "metadata/signatures.h"
#include "pictor/engine.h"

namespace {

namespace sig = pictor::metadata::signatures;
using vips::VImage;

std::vector<uint8_t> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Copies are written as JPEG q95 (near-lossless, as a photo library would store an edit) unless
// the transform is the recompression itself.
std::vector<uint8_t> encode(const VImage& image, int quality = 95) {
  void* data = nullptr;
  size_t size = 0;
  image.write_to_buffer(fmt::format(".jpg[Q={}]", quality).c_str(), &data, &size);
  std::vector<uint8_t> bytes(static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
  g_free(data);
  return bytes;
}

// out = 255 (in / 255)^g on every band.
VImage gamma(const VImage& image, double g) {
  return ((image / 255.0).pow(g) * 255.0).cast(VIPS_FORMAT_UCHAR);
}

// A box of 5 % of the area in the bottom-right corner (as wide as 32 % of the image).
struct Box {
  int left, top, width, height;
};
Box corner_box(const VImage& image) {
  const int w = static_cast<int>(image.width() * 0.32);
  const int h = static_cast<int>(image.height() * 0.05 / 0.32);
  return {image.width() - w, image.height() - h, w, h};
}

// "© Pictor 2026" fitted into the box, as a 0..1 coverage mask of the box's size.
VImage text_mask(const Box& box) {
  VImage text = VImage::text("© Pictor 2026", VImage::option()
                                                  ->set("width", box.width * 9 / 10)
                                                  ->set("height", box.height * 8 / 10)
                                                  ->set("align", VIPS_ALIGN_CENTRE));
  text = text.embed((box.width - text.width()) / 2, (box.height - text.height()) / 2, box.width,
                    box.height);
  return text.cast(VIPS_FORMAT_FLOAT) / 255.0;
}

// Text watermark: white text at 70 % opacity filling the corner box, the way photographers and
// phone apps sign photos.
VImage text_watermark(const VImage& image) {
  const Box box = corner_box(image);
  const VImage alpha = text_mask(box) * 0.7;
  const VImage under = image.crop(box.left, box.top, box.width, box.height).cast(VIPS_FORMAT_FLOAT);
  const VImage out = under * (1.0 - alpha) + alpha * 255.0;
  return image.insert(out.cast(VIPS_FORMAT_UCHAR), box.left, box.top);
}

// Logo plate: the whole corner box darkened to 40 % with the white text on it (stock-photo
// style). A dark block over 5 % of the picture changes its low frequencies much more than text.
VImage plate_watermark(const VImage& image) {
  const Box box = corner_box(image);
  const VImage alpha = text_mask(box);
  const VImage under =
      image.crop(box.left, box.top, box.width, box.height).cast(VIPS_FORMAT_FLOAT) * 0.4;
  const VImage out = under * (1.0 - alpha) + alpha * 255.0;
  return image.insert(out.cast(VIPS_FORMAT_UCHAR), box.left, box.top);
}

// Keeps the central 97 % of each dimension.
VImage crop3(const VImage& image) {
  const int w = static_cast<int>(image.width() * 0.97), h = static_cast<int>(image.height() * 0.97);
  return image.crop((image.width() - w) / 2, (image.height() - h) / 2, w, h);
}

struct Transform {
  const char* name;
  const char* slug;  // file names of the written copies
  const char* how;
  std::function<std::vector<uint8_t>(const VImage&)> make;
  bool target;    // recall target of 95 %
  bool dihedral;  // matched by the minimum over the dihedral hashes
};

const std::vector<Transform>& transforms() {
  static const std::vector<Transform> all = {
      {"resize 50 %", "resize50", "libvips resize 0.5, JPEG q95",
       [](const VImage& i) { return encode(i.resize(0.5)); }, true, false},
      {"JPEG q50", "q50", "full size, JPEG q50", [](const VImage& i) { return encode(i, 50); },
       true, false},
      {"gamma 0.8", "gamma0.8", "255·(v/255)^0.8 (lighter), JPEG q95",
       [](const VImage& i) { return encode(gamma(i, 0.8)); }, true, false},
      {"gamma 1.2", "gamma1.2", "255·(v/255)^1.2 (darker), JPEG q95",
       [](const VImage& i) { return encode(gamma(i, 1.2)); }, true, false},
      {"watermark 5 % (text)", "watermark-text",
       "white text, 70 % opaque, filling a bottom-right box of 5 % of the area, JPEG q95",
       [](const VImage& i) { return encode(text_watermark(i)); }, true, false},
      {"watermark 5 % (plate)", "watermark-plate",
       "the same text on the box darkened to 40 %, JPEG q95",
       [](const VImage& i) { return encode(plate_watermark(i)); }, false, false},
      {"crop 3 %", "crop3", "central 97 % × 97 %, JPEG q95",
       [](const VImage& i) { return encode(crop3(i)); }, false, false},
      {"flip horizontal", "flip", "mirror left-right, JPEG q95; matched by the dihedral minimum",
       [](const VImage& i) { return encode(i.flip(VIPS_DIRECTION_HORIZONTAL)); }, false, true},
  };
  return all;
}

// Two crops of other parts of each photo (its top-left and bottom-right 60 % × 60 %) count as
// further distinct pictures for the false-positive rate, against every image of another photo.
std::vector<std::vector<uint8_t>> crops_of(const VImage& image) {
  const int w = image.width() * 6 / 10, h = image.height() * 6 / 10;
  return {encode(image.crop(0, 0, w, h)),
          encode(image.crop(image.width() - w, image.height() - h, w, h))};
}

// Files of the corpus that are the same picture (bench/.cache manifest: both are encodings of
// libjxl-testdata's flower.png), so not a distinct pair.
bool same_picture(const std::string& a, const std::string& b) {
  return a.starts_with("libjxl__flower-") && b.starts_with("libjxl__flower-");
}

struct Photo {
  std::string name;
  sig::Signatures original;
  std::vector<sig::Signatures> copies;  // one per transform
  std::vector<sig::Signatures> crops;
};

sig::Signatures hash(const std::vector<uint8_t>& bytes, const std::string& what) {
  auto s = sig::image_signatures(bytes, {});
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what.c_str(), s.status().ToString().c_str());
    std::exit(1);
  }
  return *s;
}

// Writes the copies to copies_dir when it is not empty (to look at them).
Photo load(const std::filesystem::path& path, const std::filesystem::path& copies_dir) {
  Photo photo;
  photo.name = path.filename().string();
  const std::vector<uint8_t> bytes = read_file(path);
  photo.original = hash(bytes, photo.name);
  // Full decode, oriented as displayed, 8-bit sRGB 3 bands: the pixels a user would edit.
  VImage image = VImage::new_from_buffer(bytes.data(), bytes.size(), "").autorot();
  if (image.interpretation() != VIPS_INTERPRETATION_sRGB)
    image = image.colourspace(VIPS_INTERPRETATION_sRGB);
  if (image.bands() > 3) image = image.extract_band(0, VImage::option()->set("n", 3));
  image = image.cast(VIPS_FORMAT_UCHAR).copy_memory();
  for (const Transform& t : transforms()) {
    const std::vector<uint8_t> copy = t.make(image);
    photo.copies.push_back(hash(copy, photo.name));
    if (!copies_dir.empty()) {
      std::ofstream(copies_dir / (path.stem().string() + "." + t.slug + ".jpg"), std::ios::binary)
          .write(reinterpret_cast<const char*>(copy.data()), copy.size());
    }
  }
  for (const auto& crop : crops_of(image)) photo.crops.push_back(hash(crop, photo.name));
  return photo;
}

int dihedral_min(const sig::Signatures& a, const sig::Signatures& b, int* transform = nullptr) {
  int best = 257;
  for (int t = 0; t < sig::kDihedralCount; ++t) {
    const int d = sig::hamming(a.dihedral[t], b.pdq);
    if (d < best) {
      best = d;
      if (transform) *transform = t;
    }
  }
  return best;
}

struct Distances {
  std::vector<int> pdq, pdq_dihedral, phash;
};

std::string percent(int hits, int total) {
  return total == 0 ? "–" : fmt::format("{:.1f} %", 100.0 * hits / total);
}

int count_le(const std::vector<int>& v, int threshold) {
  return static_cast<int>(std::count_if(v.begin(), v.end(), [&](int d) { return d <= threshold; }));
}

int percentile(std::vector<int> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5))];
}

void add_pair(Distances& d, const sig::Signatures& x, const sig::Signatures& y,
              const std::string& what) {
  d.pdq.push_back(sig::hamming(x.pdq, y.pdq));
  d.pdq_dihedral.push_back(dihedral_min(x, y));
  d.phash.push_back(sig::hamming(x.phash, y.phash));
  if (d.pdq_dihedral.back() <= sig::kPdqMatchThreshold)
    std::fprintf(stderr, "distinct pair within the PDQ threshold: %s (%d)\n", what.c_str(),
                 d.pdq_dihedral.back());
}

// Pairs of distinct pictures: originals and crops of different photos, and every copy of a
// photo against the original of every other photo.
Distances distinct_pairs(const std::vector<Photo>& photos) {
  Distances d;
  for (size_t i = 0; i < photos.size(); ++i)
    for (size_t j = 0; j < photos.size(); ++j) {
      if (i == j || same_picture(photos[i].name, photos[j].name)) continue;
      const std::string what = photos[i].name + " ~ " + photos[j].name;
      for (const sig::Signatures& copy : photos[i].copies)
        add_pair(d, copy, photos[j].original, what);
      if (j < i) continue;  // the symmetric pairs below once
      std::vector<const sig::Signatures*> a{&photos[i].original}, b{&photos[j].original};
      for (const auto& c : photos[i].crops) a.push_back(&c);
      for (const auto& c : photos[j].crops) b.push_back(&c);
      for (const auto* x : a)
        for (const auto* y : b) add_pair(d, *x, *y, what);
    }
  return d;
}

void print_recall(const std::vector<Photo>& photos) {
  const int pdq_t = sig::kPdqMatchThreshold, phash_t = sig::kPhashMatchThreshold;
  std::printf(
      "| transform | how | PDQ recall (≤ %d) | PDQ distance median / p95 / max | pHash recall (≤ "
      "%d) "
      "| pHash median / max |\n|---|---|---|---|---|---|\n",
      pdq_t, phash_t);
  std::vector<std::string> misses;
  for (size_t t = 0; t < transforms().size(); ++t) {
    const Transform& tr = transforms()[t];
    std::vector<int> pdq, phash;
    int right_transform = 0;
    for (const Photo& p : photos) {
      const sig::Signatures& c = p.copies[t];
      int which = 0;
      pdq.push_back(tr.dihedral ? dihedral_min(p.original, c, &which)
                                : sig::hamming(p.original.pdq, c.pdq));
      if (tr.dihedral && pdq.back() <= pdq_t &&
          which == static_cast<int>(sig::Dihedral::kFlipHorizontal))
        ++right_transform;
      phash.push_back(sig::hamming(p.original.phash, c.phash));
    }
    for (size_t i = 0; i < photos.size(); ++i)
      if (tr.target && pdq[i] > pdq_t)
        misses.push_back(fmt::format("{} ({}: PDQ {}, pHash {}, pdq_quality {})", photos[i].name,
                                     tr.name, pdq[i], phash[i], photos[i].original.pdq_quality));
    const int n = static_cast<int>(photos.size());
    std::string pdq_recall = percent(count_le(pdq, pdq_t), n);
    if (tr.dihedral) pdq_recall += fmt::format(" (transform right: {}/{})", right_transform, n);
    std::printf("| %s | %s | %s | %d / %d / %d | %s | %d / %d |\n", tr.name, tr.how,
                pdq_recall.c_str(), percentile(pdq, 0.5), percentile(pdq, 0.95),
                *std::max_element(pdq.begin(), pdq.end()),
                percent(count_le(phash, phash_t), n).c_str(), percentile(phash, 0.5),
                *std::max_element(phash.begin(), phash.end()));
  }
  std::printf("\nPDQ misses among the targeted transforms: %s.\n",
              misses.empty() ? "none" : fmt::format("{}", fmt::join(misses, "; ")).c_str());
}

std::vector<int> sweep_thresholds(bool phash) {
  return phash ? std::vector<int>{4, 6, 8, 10, 12, 14, 16, 20}
               : std::vector<int>{16, 24, 31, 40, 48, 56, 64, 72};
}

// Recall of each transform at a range of thresholds.
void print_recall_sweep(const std::vector<Photo>& photos, bool phash) {
  const std::vector<int> thresholds = sweep_thresholds(phash);
  std::printf("\n| %s recall at threshold |", phash ? "pHash" : "PDQ");
  for (int t : thresholds) std::printf(" ≤ %d |", t);
  std::printf("\n|---|");
  for (size_t i = 0; i < thresholds.size(); ++i) std::printf("---|");
  std::printf("\n");
  for (size_t t = 0; t < transforms().size(); ++t) {
    const Transform& tr = transforms()[t];
    if (phash && tr.dihedral) continue;  // pHash has no dihedral variants
    std::vector<int> d;
    for (const Photo& p : photos)
      d.push_back(phash         ? sig::hamming(p.original.phash, p.copies[t].phash)
                  : tr.dihedral ? dihedral_min(p.original, p.copies[t])
                                : sig::hamming(p.original.pdq, p.copies[t].pdq));
    std::printf("| %s |", tr.name);
    for (int th : thresholds)
      std::printf(" %s |", percent(count_le(d, th), static_cast<int>(d.size())).c_str());
    std::printf("\n");
  }
}

// False positives among the distinct pairs, per threshold.
void print_fpr_sweep(const Distances& distinct, bool phash) {
  const std::vector<int>& other = phash ? distinct.phash : distinct.pdq;
  const int n = static_cast<int>(other.size());
  std::printf("\n| %s threshold | false positives (of %d) | FPR |%s\n|---|---|---|%s\n",
              phash ? "pHash" : "PDQ", n, phash ? "" : " FPR, dihedral minimum |",
              phash ? "" : "---|");
  for (int t : sweep_thresholds(phash)) {
    const int fp = count_le(other, t);
    std::printf("| %d | %d | %s |", t, fp, fmt::format("{:.3f} %", 100.0 * fp / n).c_str());
    if (!phash)
      std::printf(" %s |",
                  fmt::format("{:.3f} %", 100.0 * count_le(distinct.pdq_dihedral, t) / n).c_str());
    std::printf("\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::fprintf(stderr, "usage: %s PHOTO_DIR [COPIES_DIR]\n", argv[0]);
    return 2;
  }
  const std::filesystem::path copies_dir = argc == 3 ? argv[2] : "";
  if (!copies_dir.empty()) std::filesystem::create_directories(copies_dir);
  if (!pictor::initialize().ok()) return 1;
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1]))
    if (entry.is_regular_file()) paths.push_back(entry.path());
  std::sort(paths.begin(), paths.end());
  std::vector<Photo> photos;
  for (const auto& path : paths) {
    photos.push_back(load(path, copies_dir));
    std::fprintf(stderr, "\r%zu/%zu", photos.size(), paths.size());
  }
  std::fprintf(stderr, "\n");
  const Distances distinct = distinct_pairs(photos);

  std::printf(
      "%zu photos; %zu copies; %zu distinct-picture pairs: originals and two 60 %% crops per photo "
      "against those of every other photo, and every copy against every other photo's original "
      "(pairs within one photo, and the two encodings of libjxl's flower, excluded).\n\n",
      photos.size(), photos.size() * transforms().size(), distinct.pdq.size());
  print_recall(photos);
  print_recall_sweep(photos, false);
  print_fpr_sweep(distinct, false);
  print_recall_sweep(photos, true);
  print_fpr_sweep(distinct, true);
  int low_quality = 0;
  for (const Photo& p : photos) low_quality += p.original.pdq_quality < sig::kPdqMinQuality;
  std::printf(
      "\nDistinct pairs: PDQ distance min %d, 1st percentile %d, median %d; pHash min %d, "
      "median %d. Photos with pdq_quality < %d: %d.\n",
      *std::min_element(distinct.pdq.begin(), distinct.pdq.end()), percentile(distinct.pdq, 0.01),
      percentile(distinct.pdq, 0.5),
      *std::min_element(distinct.phash.begin(), distinct.phash.end()),
      percentile(distinct.phash, 0.5), sig::kPdqMinQuality, low_quality);
  return 0;
}
