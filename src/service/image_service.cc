#include "service/image_service.h"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>

#include "core/digest.h"
#include "core/mapped_file.h"
#include "core/text.h"
#include "pictor/metadata.h"

namespace pictor::service {
namespace {

std::string random_id() {
  unsigned char bytes[16];
  RAND_bytes(bytes, sizeof bytes);
  return to_hex(bytes);
}

bool valid_id(const std::string& id) {
  return id.size() == 32 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

bool has_control_characters(std::string_view text, bool allow_newlines) {
  return std::any_of(text.begin(), text.end(), [&](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && !(allow_newlines && (c == '\n' || c == '\r' || c == '\t'))) || u == 0x7f;
  });
}

std::string trim(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return "";
  const size_t last = text.find_last_not_of(" \t");
  return std::string(text.substr(first, last - first + 1));
}

Status field_error(std::string message) { return {ErrorCode::kInvalidValue, std::move(message)}; }

Status add_tags(std::string_view text, std::vector<std::string>& tags) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string tag = trim(text.substr(start, comma - start));
    start = comma + 1;
    if (tag.empty()) continue;
    // Not quoted when it is not UTF-8: the message goes into a JSON answer.
    if (!is_valid_utf8(tag)) return field_error("a tag is not valid UTF-8");
    if (tag.size() > 64 || has_control_characters(tag, false)) {
      return field_error(fmt::format("tag '{:.64}' must be 1 to 64 characters without control characters", tag));
    }
    if (std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.push_back(tag);
  }
  if (tags.size() > 100) return field_error("at most 100 tags per image");
  return Status::Ok();
}

}  // namespace

Result<UploadFields> parse_upload_fields(const Pairs& pairs) {
  UploadFields fields;
  for (const auto& [name, value] : pairs) {
    if (name == "title" || name == "caption") {
      const size_t limit = name == "title" ? 1000 : 10000;
      // Stored and returned in JSON, so they must be text: invalid UTF-8 is refused, not mangled.
      if (!is_valid_utf8(value)) return field_error(fmt::format("{} is not valid UTF-8", name));
      if (value.size() > limit || has_control_characters(value, name == "caption")) {
        return field_error(fmt::format("{} must be at most {} bytes without control characters", name, limit));
      }
      (name == "title" ? fields.title : fields.caption) = value;
    } else if (name == "tags" || name == "tag") {
      PICTOR_RETURN_IF_ERROR(add_tags(value, fields.tags));
    } else if (name == "taken_at") {
      std::optional<int64_t> seconds;
      if (!value.empty() && value.find_first_not_of("0123456789") == std::string::npos && value.size() <= 12) {
        seconds = std::stoll(value);
      } else {
        seconds = parse_timestamp(value);
      }
      if (!seconds) return field_error(fmt::format("taken_at '{:.40}' is not Unix seconds or ISO 8601", value));
      fields.taken_at = seconds;
    } else {
      return Status(ErrorCode::kUnknownParameter,
                    fmt::format("unknown upload field '{:.40}' (title, caption, tags, taken_at)", name));
    }
  }
  return fields;
}

ImageService::ImageService(Config config, std::unique_ptr<storage::BlobStore> blobs,
                           std::unique_ptr<storage::ImageIndex> index, std::unique_ptr<cache::TieredCache> cache)
    : config_(std::move(config)), blobs_(std::move(blobs)), index_(std::move(index)), cache_(std::move(cache)) {}

Result<std::unique_ptr<ImageService>> ImageService::open(const Config& config, const std::string& data_dir) {
  using R = Result<std::unique_ptr<ImageService>>;
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return R(ErrorCode::kIoError, fmt::format("create {}: {}", data_dir, ec.message()));
  auto blobs = storage::open_fs_blob_store(data_dir + "/blobs");
  if (!blobs.ok()) return blobs.status();
  auto index = storage::open_sqlite_index(data_dir + "/pictor.db");
  if (!index.ok()) return index.status();
  constexpr uint64_t kMb = 1024 * 1024;
  std::unique_ptr<cache::MemoryCache> memory;
  if (config.cache.memory_mb > 0) memory = std::make_unique<cache::MemoryCache>(config.cache.memory_mb * kMb);
  std::unique_ptr<cache::DiskCache> disk;
  if (config.cache.disk_mb > 0) {
    auto opened = cache::DiskCache::open(data_dir + "/cache", config.cache.disk_mb * kMb);
    if (!opened.ok()) return opened.status();
    disk = std::move(opened).value();
  }
  return std::make_unique<ImageService>(config, std::move(blobs).value(), std::move(index).value(),
                                        std::make_unique<cache::TieredCache>(std::move(memory), std::move(disk)));
}

std::mutex& ImageService::content_lock(const std::string& sha256) {
  return content_locks_[std::hash<std::string>{}(sha256) % content_locks_.size()];
}

// Each master is made from the original: deriving the small one from the large one is cheaper
// but compounds two downscales and measurably softens thumbnails (butteraugli, docs/http.md).
Result<std::vector<storage::Master>> ImageService::make_masters(std::span<const uint8_t> original,
                                                                const SourceInfo& source, const std::string& sha256) {
  std::vector<storage::Master> masters;
  const PyramidConfig& pyramid = config_.pyramid;
  if (!pyramid.enabled || source.frames != 1) return masters;
  // Levels are sized by the shorter edge: a width-bound thumbnail of a portrait photo (w320 is
  // 320x480) and a height-bound one of a landscape photo need the same master.
  const int shortest = std::min(source.display_width(), source.display_height());
  for (int edge : {pyramid.large, pyramid.small}) {
    // A master only pays when decoding it is much cheaper than decoding what it replaces.
    if (shortest < edge * 3 / 2) continue;
    const std::string format =
        source.has_alpha ? fmt::format("type=webp,q={}", std::max(pyramid.quality, 90))
                         : fmt::format("type=jpeg,q={},subsample=off", pyramid.quality);
    auto chain = parse_chain(fmt::format("resize:w={0},h={0},fit=fill/format:{1}", edge, format));
    if (!chain.ok()) return chain.status();
    ProcessOptions options;
    options.limits = config_.limits;
    options.auto_orient = true;
    auto encoded = process(original, *chain, options);
    if (!encoded.ok()) return encoded.status();
    storage::Master master{encoded->format, encoded->width, encoded->height};
    PICTOR_RETURN_IF_ERROR(blobs_->put_bytes(storage::master_key(sha256, master), encoded->bytes));
    masters.push_back(master);
  }
  return masters;
}

Result<storage::ImageRecord> ImageService::upload_file(const std::string& temp_path, const UploadFields& fields) {
  using R = Result<storage::ImageRecord>;
  storage::ImageRecord record;
  MappedFile file(temp_path);
  auto fail = [&](Status status) {
    std::remove(temp_path.c_str());
    return R(std::move(status));
  };
  if (!file.ok()) return fail({ErrorCode::kIoError, "cannot read the uploaded body"});
  auto source = probe(file.bytes(), config_.limits);
  if (!source.ok()) return fail(source.status());
  record.id = random_id();
  record.sha256 = sha256_hex(file.bytes());
  record.md5 = md5_hex(file.bytes());
  record.format = source->format;
  record.width = source->display_width();
  record.height = source->display_height();
  record.frames = source->frames;
  record.orientation = source->orientation;
  record.has_alpha = source->has_alpha;
  record.bytes = file.bytes().size();
  record.created_at = static_cast<int64_t>(std::time(nullptr));
  record.title = fields.title;
  record.caption = fields.caption;
  record.tags = fields.tags;
  record.taken_at = fields.taken_at ? fields.taken_at : read_capture_time(file.bytes());

  std::lock_guard lock(content_lock(record.sha256));
  storage::ListQuery same;
  same.sha256 = record.sha256;
  same.limit = 1;
  auto existing = index_->list(same);
  if (!existing.ok()) return fail(existing.status());
  if (!existing->images.empty()) {
    record.masters = existing->images.front().masters;  // same bytes: the masters exist already
  } else {
    auto masters = make_masters(file.bytes(), *source, record.sha256);
    // An image whose header is fine but whose pixels are not still gets stored (its thumbnails
    // will report the decode error), just without masters.
    if (masters.ok()) record.masters = std::move(masters).value();
    else if (masters.status().code() == ErrorCode::kIoError) return fail(masters.status());
  }
  // Bytes first (fsynced), record second: a record never points at missing bytes.
  PICTOR_RETURN_IF_ERROR(blobs_->put_file(record.sha256, temp_path));
  PICTOR_RETURN_IF_ERROR(index_->insert(record));
  return record;
}

Result<storage::ImageRecord> ImageService::find(const std::string& id) {
  auto missing = [&] { return Result<storage::ImageRecord>(ErrorCode::kNotFound, fmt::format("no image with id '{:.64}'", id)); };
  if (!valid_id(id)) return missing();
  auto found = index_->find(id);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return missing();
  return **found;
}

Result<storage::ImagePage> ImageService::list(const storage::ListQuery& query) {
  if (query.limit < 1 || query.limit > 1000) {
    return Result<storage::ImagePage>(ErrorCode::kInvalidValue, "limit must be 1..1000");
  }
  if (query.sha256 && (query.sha256->size() != 64 ||
                       query.sha256->find_first_not_of("0123456789abcdef") != std::string::npos)) {
    return Result<storage::ImagePage>(ErrorCode::kInvalidValue, "sha256 must be 64 lowercase hex digits");
  }
  return index_->list(query);
}

Result<storage::ImageRecord> ImageService::remove(const std::string& id) {
  auto record = find(id);
  if (!record.ok()) return record;
  {
    std::lock_guard lock(content_lock(record->sha256));
    auto removed = index_->remove(id);
    if (!removed.ok()) return removed.status();
    if (!removed->has_value()) return find(id);  // deleted concurrently: not found
    auto references = index_->count_sha256(record->sha256);
    if (!references.ok()) return references.status();
    if (*references == 0) {
      for (const storage::Master& master : record->masters) {
        PICTOR_RETURN_IF_ERROR(blobs_->remove(storage::master_key(record->sha256, master)));
      }
      PICTOR_RETURN_IF_ERROR(blobs_->remove(record->sha256));
      PICTOR_RETURN_IF_ERROR(index_->remove_features(record->sha256));
    }
  }
  cache_->purge(id);
  return record;
}

Result<std::vector<uint8_t>> ImageService::original(const storage::ImageRecord& record) {
  return blobs_->get(record.sha256);
}

namespace {

// Errors that say something about the environment at that moment, not about the image: not
// stored, so the next request tries again.
bool transient(const std::string& code) {
  return code == error_code_name(ErrorCode::kTimeout) || code == error_code_name(ErrorCode::kIoError) ||
         code == error_code_name(ErrorCode::kOverloaded) || code == error_code_name(ErrorCode::kNotReady) ||
         code == error_code_name(ErrorCode::kInternal);
}

}  // namespace

Result<nlohmann::json> ImageService::info(const storage::ImageRecord& record, const std::vector<std::string>& features,
                                          bool raw_tags) {
  nlohmann::json answer = nlohmann::json::object(), errors = nlohmann::json::object();
  auto stored = index_->features(record.sha256);
  std::vector<InfoFeature> missing;  // extractors to run now
  for (const InfoFeature& feature : info_feature_list()) {
    if (!features.empty() && std::find(features.begin(), features.end(), feature.name) == features.end()) continue;
    const storage::StoredFeature* hit = nullptr;
    if (stored.ok() && !(raw_tags && feature.lists_raw_tags)) {
      for (const storage::StoredFeature& s : *stored) {
        if (s.name == feature.name && s.version == feature.version) hit = &s;
      }
    }
    const auto value = hit ? nlohmann::json::parse(hit->value, nullptr, false) : nlohmann::json();
    if (!hit || value.is_discarded()) {
      missing.push_back(feature);
    } else if (hit->ok) {
      answer[feature.name] = value;
    } else {
      answer[feature.name] = nullptr;
      errors[feature.name] = value;
    }
  }
  if (!missing.empty()) {
    auto bytes = original(record);
    if (!bytes.ok()) return bytes.status();
    std::vector<std::string> names;
    for (const InfoFeature& feature : missing) names.push_back(feature.name);
    auto fresh = extract_info(*bytes, {config_.limits, names, raw_tags});
    if (!fresh.ok()) return fresh.status();
    const nlohmann::json& fresh_errors = (*fresh)["errors"];
    for (const InfoFeature& feature : missing) {
      const std::string& name = feature.name;
      const bool ok = !fresh_errors.contains(name);
      answer[name] = (*fresh)[name];
      if (!ok) errors[name] = fresh_errors[name];
      if ((raw_tags && feature.lists_raw_tags) || (!ok && transient(errors[name].value("code", "")))) continue;
      // A failed store costs only a recomputation on the next request.
      (void)index_->put_feature(record.sha256,
                                {name, feature.version, ok, (ok ? answer[name] : errors[name]).dump()});
    }
  }
  answer["errors"] = std::move(errors);
  return answer;
}

Result<Chain> ImageService::parse(const RenderRequest& request) const {
  ParseOptions parse{config_.limits.max_operations, &config_.types};
  return request.is_type ? parse_type(request.chain_or_type, parse) : parse_chain(request.chain_or_type, parse);
}

ProcessOptions ImageService::process_options(const storage::ImageRecord& record, const RenderRequest& request) const {
  ProcessOptions options;
  options.limits = config_.limits;
  options.auto_orient = config_.auto_orient;
  options.default_format = request.negotiated_format;
  for (const storage::Master& m : record.masters) options.renditions.push_back({m.format, m.width, m.height});
  return options;
}

Result<Derivative> ImageService::prepare(const storage::ImageRecord& record, const RenderRequest& request) {
  auto chain = parse(request);
  if (!chain.ok()) return chain.status();
  auto plan = make_plan(*chain, record.source_info(), process_options(record, request));
  if (!plan.ok()) return plan.status();
  Derivative d;
  d.canonical = to_canonical(*chain);
  d.format = plan->output.format;
  d.rendition = plan->rendition;
  d.cache_key = fmt::format("{}/{}/{}", record.id, d.canonical, format_name(d.format));
  // What identifies the bytes: the original, the chain, the format, and what was decoded.
  const std::string decoded = d.rendition < 0 ? "original" : fmt::format("m{}", record.masters[d.rendition].longest_edge());
  const std::string identity = sha256_hex(fmt::format("pictor-1\n{}\n{}\n{}\n{}", record.sha256, d.canonical,
                                                                  format_name(d.format), decoded));
  d.etag = fmt::format("\"{}\"", identity.substr(0, 32));
  return d;
}

Result<cache::CachedImage> ImageService::render_now(const storage::ImageRecord& record, const RenderRequest& request,
                                                    std::chrono::steady_clock::time_point deadline, Timings& timings) {
  auto chain = parse(request);
  if (!chain.ok()) return chain.status();
  ProcessOptions options = process_options(record, request);
  options.deadline = deadline;
  auto plan = make_plan(*chain, record.source_info(), options);
  if (!plan.ok()) return plan.status();
  Result<Encoded> encoded = Status(ErrorCode::kInternal, "not rendered");
  if (plan->rendition >= 0) {
    auto bytes = blobs_->get(storage::master_key(record.sha256, record.masters[plan->rendition]));
    if (!bytes.ok()) return bytes.status();
    encoded = execute(*bytes, *plan, options);
  } else {
    auto bytes = original(record);
    if (!bytes.ok()) return bytes.status();
    options.renditions.clear();
    encoded = process(*bytes, *chain, options);  // plans again from the real header
  }
  if (!encoded.ok()) return encoded.status();
  timings = encoded->timings;
  return cache::CachedImage{std::move(encoded->bytes), encoded->format};
}

Result<Rendered> ImageService::render(const storage::ImageRecord& record, const RenderRequest& request,
                                      const Derivative& derivative, std::chrono::steady_clock::time_point deadline) {
  Timings timings;
  auto found = cache_->get_or_render(derivative.cache_key, [&] { return render_now(record, request, deadline, timings); });
  if (!found.ok()) return found.status();
  return Rendered{found->image, found->outcome, timings};
}

Status ImageService::check_ready() {
  PICTOR_RETURN_IF_ERROR(blobs_->check());
  return index_->check();
}

}  // namespace pictor::service
