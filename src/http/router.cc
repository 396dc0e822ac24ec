#include "http/router.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/mapped_file.h"
#include "http/auth.h"
#include "http/multipart.h"
#include "http/openapi.h"
#include "http/responses.h"
#include "pictor/metadata.h"

namespace pictor::http {
namespace {

namespace bhttp = boost::beast::http;
using json = nlohmann::json;

json record_json(const storage::ImageRecord& r) {
  json masters = json::array();
  for (const storage::Master& m : r.masters) {
    masters.push_back({{"format", format_name(m.format)}, {"width", m.width}, {"height", m.height}});
  }
  return {{"id", r.id},
          {"md5", r.md5},
          {"sha256", r.sha256},
          {"format", format_name(r.format)},
          {"width", r.width},
          {"height", r.height},
          {"bytes", r.bytes},
          {"frames", r.frames},
          {"has_alpha", r.has_alpha},
          {"created_at", r.created_at},
          {"taken_at", r.taken_at ? json(*r.taken_at) : json(nullptr)},
          {"title", r.title},
          {"caption", r.caption},
          {"tags", r.tags},
          {"masters", masters}};
}

// The output format for format=auto: AVIF, then WebP, when the client accepts them (an
// explicit q=0 refuses); nullopt keeps the default. Animations never become AVIF here.
std::optional<Format> negotiate(std::string_view accept, bool animated) {
  auto accepts = [&](std::string_view mime) {
    const size_t at = accept.find(mime);
    if (at == std::string_view::npos) return false;
    const std::string_view rest = accept.substr(at + mime.size(), accept.find(',', at) - at - mime.size());
    return rest.find("q=0") == std::string_view::npos || rest.find("q=0.") != std::string_view::npos;
  };
  if (!animated && accepts("image/avif")) return Format::kAvif;
  if (accepts("image/webp")) return Format::kWebp;
  return std::nullopt;
}

// Unix seconds or ISO 8601, for list filters.
Result<int64_t> time_param(const std::string& name, const std::string& value) {
  if (!value.empty() && value.size() <= 12 && value.find_first_not_of("0123456789") == std::string::npos) {
    return static_cast<int64_t>(std::stoll(value));
  }
  if (auto seconds = parse_timestamp(value)) return *seconds;
  return Result<int64_t>(ErrorCode::kInvalidValue, fmt::format("{} must be Unix seconds or ISO 8601", name));
}

// Copies part of a mapped body into its own file (uploads are moved into the store by rename).
Status write_part(std::span<const uint8_t> bytes, const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) return {ErrorCode::kIoError, "cannot create a temporary file for a part"};
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
  if (std::fclose(file) != 0 || !ok) {
    std::remove(path.c_str());
    return {ErrorCode::kIoError, "cannot write a temporary file for a part"};
  }
  return Status::Ok();
}

}  // namespace

Routed Router::handle(const Request& request) {
  try {
    return route(request);
  } catch (const std::exception& error) {
    // Nothing below should throw; if something does, the client still gets the one error shape.
    return failed("error", {ErrorCode::kInternal, std::string("unexpected: ") + error.what()});
  }
}

Routed Router::route(const Request& request) {
  const Target target = parse_target(request.target);
  const std::string& m = request.method;
  const bool read = m == "GET" || m == "HEAD";
  if (target.path == "/healthz") return {json_response(200, {{"status", "ok"}}), "healthz", "", ""};
  if (target.path == "/readyz") {
    if (request.draining) return failed("readyz", {ErrorCode::kNotReady, "shutting down"});
    Status ready = service_.check_ready();
    if (!ready.ok()) return failed("readyz", ready);
    return {json_response(200, {{"status", "ready"}}), "readyz", "", ""};
  }
  if (target.path == "/metrics" && read) {
    Routed r{Response{bhttp::status::ok, 11}, "metrics", "", ""};
    if (analyses_) {
      if (auto counts = analyses_->counts(); counts.ok()) metrics_.jobs(*counts, analyses_->runner_counters());
    }
    const std::string text = metrics_.scrape(service_.cache_stats());
    r.response.set(bhttp::field::content_type, "text/plain; version=0.0.4");
    r.response.body().assign(text.begin(), text.end());
    return r;
  }
  if (target.path == "/v1/openapi.json" && read) {
    Routed r{Response{bhttp::status::ok, 11}, "openapi", "", ""};
    r.response.set(bhttp::field::content_type, "application/json");
    const std::string_view text = openapi_json();
    r.response.body().assign(text.begin(), text.end());
    return r;
  }
  if (target.path == "/v1/analyses" || target.path.starts_with("/v1/analyses/")) return analyses(request);
  if (target.path == "/v1/callback-secret") return callback_secret(request);
  if (target.path == "/v1/images") {
    if (m == "POST") return upload(request);
    if (read) return list(request);
    return failed("images", {ErrorCode::kMethodNotAllowed, "use POST to upload or GET to list"});
  }
  constexpr std::string_view kImages = "/v1/images/";
  if (!target.path.starts_with(kImages)) return failed("unknown", {ErrorCode::kNotFound, "no such route: " + target.path.substr(0, 200)});
  const std::string rest = target.path.substr(kImages.size());
  const size_t slash = rest.find('/');
  return image(request, rest.substr(0, slash), slash == std::string::npos ? "" : rest.substr(slash + 1));
}

Routed Router::upload(const Request& request) {
  const ServerConfig& config = service_.config().server;
  Status allowed = authorize_write(config, presented_key(request.authorization, request.api_key), request.loopback_listener);
  if (!allowed.ok()) return failed("upload", allowed);
  const Target target = parse_target(request.target);
  json images = json::array(), errors = json::array();
  std::optional<Status> first_error;
  auto upload_one = [&](const std::string& temp, const service::UploadFields& fields, size_t index,
                        const std::optional<std::string>& filename) {
    auto record = service_.upload_file(temp, fields);
    if (record.ok()) {
      // The upload is stored; its background analysis (jobs.on_upload) failing to queue must not
      // undo that: the image can still be analysed on request.
      if (analyses_ && !analyses_->analyse_upload(*record).ok()) metrics_.upload_analysis_not_queued();
      return images.push_back(record_json(*record));
    }
    json entry = {{"index", index}, {"error", error_json(record.status())}};
    if (filename) entry["filename"] = *filename;
    errors.push_back(entry);
    if (!first_error) first_error = record.status();
  };

  if (request.content_type.empty() || !request.content_type.starts_with("multipart/")) {
    auto fields = service::parse_upload_fields(target.query);
    if (!fields.ok()) return failed("upload", fields.status());
    upload_one(request.body_path, *fields, 0, std::nullopt);
  } else {
    auto boundary = multipart_boundary(request.content_type);
    if (!boundary.ok()) return failed("upload", boundary.status());
    MappedFile body(request.body_path);
    if (!body.ok()) return failed("upload", {ErrorCode::kIoError, "cannot read the uploaded body"});
    auto parts = parse_multipart(body.bytes(), *boundary);
    if (!parts.ok()) return failed("upload", parts.status());
    service::Pairs field_pairs = target.query;
    for (const MultipartPart& part : *parts) {
      if (part.filename) continue;
      const auto* text = reinterpret_cast<const char*>(body.bytes().data() + part.offset);
      field_pairs.emplace_back(part.name, std::string(text, part.length));
    }
    auto fields = service::parse_upload_fields(field_pairs);
    if (!fields.ok()) return failed("upload", fields.status());
    size_t index = 0;
    for (const MultipartPart& part : *parts) {
      if (!part.filename) continue;
      // A browser sends a file input left blank as an empty part with filename="": not a file.
      if (part.filename->empty() && part.length == 0) continue;
      const std::string temp = service_.new_upload_path();
      Status written = write_part(body.bytes().subspan(part.offset, part.length), temp);
      if (!written.ok()) return failed("upload", written);
      upload_one(temp, *fields, index++, part.filename);
    }
    if (index == 0) return failed("upload", {ErrorCode::kMalformedMultipart, "the form has no file parts"});
  }
  if (images.empty()) {
    // Nothing stored: the status of the (first) failure, with every file's error.
    Routed r = failed("upload", *first_error);
    json body = {{"error", error_json(*first_error)}, {"errors", errors}};
    const std::string text = body.dump(-1, ' ', false, json::error_handler_t::replace);
    r.response.body().assign(text.begin(), text.end());
    return r;
  }
  return {json_response(201, {{"images", images}, {"errors", errors}}), "upload", "", ""};
}

Routed Router::list(const Request& request) {
  const ServerConfig& config = service_.config().server;
  Status allowed = authorize_read(config, presented_key(request.authorization, request.api_key));
  if (!allowed.ok()) return failed("list", allowed);
  const Target target = parse_target(request.target);
  if (auto name = target.unknown({"tag", "sha256", "from", "to", "limit", "cursor"})) return failed("list", unknown_parameter(*name));
  storage::ListQuery query;
  query.tag = target.param("tag");
  query.sha256 = target.param("sha256");
  query.cursor = target.param("cursor");
  for (const char* name : {"from", "to"}) {
    if (auto value = target.param(name)) {
      auto seconds = time_param(name, *value);
      if (!seconds.ok()) return failed("list", seconds.status());
      (std::string_view(name) == "from" ? query.from : query.to) = *seconds;
    }
  }
  if (auto limit = target.param("limit")) {
    if (limit->empty() || limit->size() > 5 || limit->find_first_not_of("0123456789") != std::string::npos) {
      return failed("list", {ErrorCode::kInvalidValue, "limit must be 1..1000"});
    }
    query.limit = std::stoi(*limit);
  }
  auto page = service_.list(query);
  if (!page.ok()) return failed("list", page.status());
  json images = json::array();
  for (const storage::ImageRecord& r : page->images) images.push_back(record_json(r));
  return {json_response(200, {{"images", images}, {"next_cursor", page->next_cursor ? json(*page->next_cursor) : json(nullptr)}}),
          "list", "", ""};
}

Routed Router::image(const Request& request, const std::string& id, const std::string& rest) {
  const ServerConfig& config = service_.config().server;
  const std::string& m = request.method;
  const std::string key = presented_key(request.authorization, request.api_key);
  if (m == "DELETE" || m == "POST") {
    const char* route = m == "DELETE" ? "delete" : "purge";
    Status allowed = authorize_write(config, key, request.loopback_listener);
    if (!allowed.ok()) return failed(route, allowed);
    if (m == "DELETE" && rest.empty()) {
      forget(id);
      auto removed = service_.remove(id);
      forget(id);  // again: a render that was in flight may have remembered it meanwhile
      if (!removed.ok()) return failed(route, removed.status());
      return {json_response(200, {{"deleted", record_json(*removed)}}), route, "", ""};
    }
    if (m == "POST" && rest == "purge") {
      auto record = service_.find(id);
      if (!record.ok()) return failed(route, record.status());
      forget(id);
      service_.purge(id);
      return {json_response(200, {{"purged", id}}), route, "", ""};
    }
    return failed(route, {ErrorCode::kMethodNotAllowed, "DELETE /v1/images/{id} or POST /v1/images/{id}/purge"});
  }
  if (m != "GET" && m != "HEAD") return failed("image", {ErrorCode::kMethodNotAllowed, "use GET, HEAD, DELETE or POST .../purge"});

  // A signature, when present, must be valid; when required, it must be present.
  const Target target = parse_target(request.target);
  const bool has_signature = target.param("sig").has_value();
  if (has_signature || config.require_signature) {
    Status verified = verify_signature(config, request.target, static_cast<int64_t>(std::time(nullptr)));
    if (!verified.ok()) return failed("image", verified);
  } else {
    Status allowed = authorize_read(config, key);
    if (!allowed.ok()) return failed("image", allowed);
  }
  auto record = service_.find(id);
  if (!record.ok()) return failed("image", record.status());
  if (rest == "info") {
    if (auto name = target.unknown({"features", "raw", "sig", "exp"})) return failed("info", unknown_parameter(*name));
    auto features = parse_features(target.param("features").value_or(""));
    if (!features.ok()) return failed("info", features.status());
    const std::string raw = target.param("raw").value_or("false");
    if (raw != "true" && raw != "false" && raw != "1" && raw != "0") {
      return failed("info", Status(ErrorCode::kInvalidValue, "raw must be true or false"));
    }
    auto info = service_.info(*record, *features, raw == "true" || raw == "1");
    if (!info.ok()) return failed("info", info.status());
    // The stored record's fields, then one key per extractor and `errors` (docs/info.md).
    nlohmann::json answer = record_json(*record);
    answer.update(*info);
    return {json_response(200, answer), "info", "", ""};
  }
  const std::optional<std::string> type = target.param("type");
  if (rest.empty() && !type) {
    if (auto name = target.unknown({"sig", "exp"})) return failed("image", unknown_parameter(*name));
    return original(request, *record);
  }
  if (!rest.empty() && type) {
    return failed("thumbnail", {ErrorCode::kInvalidChain, "give either a chain in the path or ?type=, not both"});
  }
  if (auto name = target.unknown({"type", "format", "sig", "exp"})) return failed("thumbnail", unknown_parameter(*name));
  if (config.presets_only && !has_signature && !(type && service_.config().types.custom().contains(*type))) {
    return failed("thumbnail", {ErrorCode::kPresetsOnly, "this server serves only its named types (?type=NAME) unless the URL is signed"});
  }
  return derivative(request, *record, type ? *type : percent_decode(rest), type.has_value());
}

// The headers of every thumbnail answer, from the fast path or the normal one.
void thumbnail_headers(Response& res, const std::string& etag, const std::string& decoded, bool vary, bool public_cache) {
  res.set(bhttp::field::etag, etag);
  res.set("X-Decoded", decoded);
  res.set(bhttp::field::cache_control, public_cache ? "public, max-age=31536000, immutable" : "private, max-age=31536000, immutable");
  if (vary) res.set(bhttp::field::vary, "Accept");
}

std::string Router::memo_key(const Request& request) {
  // The negotiated format depends on Accept; everything else on the target alone.
  if (request.target.find("format=auto") == std::string::npos) return request.target;
  return request.target + "\n" + request.accept;
}

void Router::remember(const Request& request, Memo memo) {
  std::lock_guard lock(memo_mutex_);
  if (memo_.size() >= 100000) memo_.clear();  // a bound, not an LRU: refilled by the next requests
  memo_[memo_key(request)] = std::move(memo);
}

void Router::forget(const std::string& id) {
  std::lock_guard lock(memo_mutex_);
  std::erase_if(memo_, [&](const auto& entry) { return entry.second.id == id; });
}

std::optional<Routed> Router::fast_hit(const Request& request) {
  const ServerConfig& config = service_.config().server;
  if ((request.method != "GET" && request.method != "HEAD") || !config.public_reads || config.require_signature) {
    return std::nullopt;
  }
  Memo memo;
  {
    std::lock_guard lock(memo_mutex_);
    auto it = memo_.find(memo_key(request));
    if (it == memo_.end()) return std::nullopt;
    memo = it->second;
  }
  Routed r{Response{bhttp::status::ok, 11}, "thumbnail", "memory", ""};
  if (!request.if_none_match.empty() && request.if_none_match.find(memo.etag) != std::string::npos) {
    r.response.result(bhttp::status::not_modified);
    r.cache.clear();
    thumbnail_headers(r.response, memo.etag, memo.decoded, memo.vary, true);
    return r;
  }
  cache::CachedPtr image = service_.memory_hit(memo.cache_key);
  if (!image) return std::nullopt;  // evicted: the normal path renders or reads the disk tier
  thumbnail_headers(r.response, memo.etag, memo.decoded, memo.vary, true);
  r.response.set(bhttp::field::content_type, std::string(format_mime(image->format)));
  r.response.set("X-Cache", "memory");
  r.response.set("X-Content-Type-Options", "nosniff");
  r.response.body() = image->bytes;
  return r;
}

Routed Router::derivative(const Request& request, const storage::ImageRecord& record, const std::string& chain_text,
                          bool is_type) {
  const Target target = parse_target(request.target);
  service::RenderRequest render{chain_text, is_type, std::nullopt};
  const std::optional<std::string> format = target.param("format");
  const bool negotiated = format == "auto";
  if (negotiated) {
    render.negotiated_format = negotiate(request.accept, record.frames > 1);
  } else if (format) {
    auto named = format_from_name(*format);
    if (!named) return failed("thumbnail", {ErrorCode::kInvalidValue, fmt::format("format must be auto or a format name, not '{:.20}'", *format)});
    render.negotiated_format = named;
  }
  auto prepared = service_.prepare(record, render);
  if (!prepared.ok()) return failed("thumbnail", prepared.status());
  const bool public_cache = service_.config().server.public_reads;
  // What the thumbnail is decoded from (imgproxy has similar debug headers): useful to see the
  // pyramid at work, and tested.
  const std::string decoded = prepared->rendition < 0
                                  ? "original"
                                  : fmt::format("master-{}x{}", record.masters[prepared->rendition].width,
                                                record.masters[prepared->rendition].height);
  auto common_headers = [&](Response& res) { thumbnail_headers(res, prepared->etag, decoded, negotiated, public_cache); };
  if (!request.if_none_match.empty() && request.if_none_match.find(prepared->etag) != std::string::npos) {
    Routed r{Response{bhttp::status::not_modified, 11}, "thumbnail", "", ""};
    common_headers(r.response);
    return r;
  }
  auto rendered = service_.render(record, render, *prepared, std::chrono::steady_clock::now() + timeout_);
  if (!rendered.ok()) return failed("thumbnail", rendered.status());
  if (rendered->outcome == cache::Outcome::kMiss) metrics_.render(rendered->timings);
  Routed r{Response{bhttp::status::ok, 11}, "thumbnail", std::string(cache::outcome_name(rendered->outcome)), ""};
  common_headers(r.response);
  r.response.set(bhttp::field::content_type, std::string(format_mime(rendered->image->format)));
  r.response.set("X-Cache", r.cache);
  r.response.set("X-Content-Type-Options", "nosniff");
  r.response.body() = rendered->image->bytes;  // a copy: the cache keeps its own
  const ServerConfig& config = service_.config().server;
  if (config.public_reads && !config.require_signature && !target.param("sig")) {
    remember(request, {record.id, prepared->cache_key, prepared->etag, decoded, negotiated});
  }
  return r;
}

Routed Router::original(const Request& request, const storage::ImageRecord& record) {
  const std::string etag = "\"" + record.sha256 + "\"";
  const bool public_cache = service_.config().server.public_reads;
  auto common_headers = [&](Response& res) {
    res.set(bhttp::field::etag, etag);
    res.set(bhttp::field::cache_control, public_cache ? "public, max-age=31536000, immutable" : "private, max-age=31536000, immutable");
  };
  if (!request.if_none_match.empty() && request.if_none_match.find(etag) != std::string::npos) {
    Routed r{Response{bhttp::status::not_modified, 11}, "image", "", ""};
    common_headers(r.response);
    return r;
  }
  auto bytes = service_.original(record);
  if (!bytes.ok()) return failed("image", bytes.status());
  Routed r{Response{bhttp::status::ok, 11}, "image", "", ""};
  common_headers(r.response);
  r.response.set(bhttp::field::content_type, std::string(format_mime(record.format)));
  r.response.set("X-Content-Type-Options", "nosniff");
  r.response.body() = std::move(bytes).value();
  return r;
}

}  // namespace pictor::http
