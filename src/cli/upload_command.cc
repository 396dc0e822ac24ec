// `pictor upload FILES|DIRS --server URL`: parallel uploads over HTTP with a progress bar,
// resumable (a file whose SHA-256 the server already has is skipped), and a summary of failures.
// Prints "ID<TAB>PATH" on stdout for every file stored or found, so scripts can map files to ids.
#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/commands.h"
#include "cli/file_io.h"
#include "cli/progress.h"
#include "core/digest.h"
#include "core/mapped_file.h"

namespace pictor::cli {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct Reply {
  long status = 0;
  std::string body;
  long retry_after = 0;
};

size_t append_body(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

size_t read_retry_after(char* data, size_t size, size_t count, void* out) {
  const std::string_view line(data, size * count);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size()) {
    std::string lower(line.substr(0, kName.size()));
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (lower == kName) *static_cast<long*>(out) = std::atol(std::string(line.substr(kName.size())).c_str());
  }
  return size * count;
}

// One connection per worker thread (libcurl keeps it alive between requests).
class Client {
 public:
  Client(std::string server, std::string key) : server_(std::move(server)), curl_(curl_easy_init()) {
    if (!key.empty()) headers_ = curl_slist_append(headers_, ("Authorization: Bearer " + key).c_str());
    headers_ = curl_slist_append(headers_, "Expect:");  // no 100-continue round trip
  }
  ~Client() {
    curl_slist_free_all(headers_);
    curl_easy_cleanup(curl_);
  }

  Result<Reply> get(const std::string& path) { return perform(path, nullptr); }
  Result<Reply> post(const std::string& path, std::span<const uint8_t> body) { return perform(path, &body); }

 private:
  Result<Reply> perform(const std::string& path, const std::span<const uint8_t>* body) {
    Reply reply;
    curl_easy_reset(curl_);
    const std::string url = server_ + path;
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &reply.body);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, read_retry_after);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &reply.retry_after);
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    if (body) {
      curl_easy_setopt(curl_, CURLOPT_POST, 1L);
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body->data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    }
    const CURLcode rc = curl_easy_perform(curl_);
    if (rc != CURLE_OK) {
      return Result<Reply>(ErrorCode::kIoError, fmt::format("{}: {}", server_, curl_easy_strerror(rc)));
    }
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &reply.status);
    return reply;
  }

  std::string server_;
  CURL* curl_;
  curl_slist* headers_ = nullptr;
};


// The server's error as a Status (its stable code when it sent one).
Status server_error(const Reply& reply) {
  try {
    const json body = json::parse(reply.body);
    const std::string code = body.at("error").at("code");
    const std::string message = body.at("error").at("message");
    return {error_code_from_name(code).value_or(ErrorCode::kInternal), message};
  } catch (const std::exception&) {
    return {ErrorCode::kIoError, fmt::format("HTTP {} from the server", reply.status)};
  }
}

enum class Outcome { kUploaded, kSkipped, kFailed };

struct FileResult {
  Outcome outcome = Outcome::kFailed;
  std::string id;
  Status status;
};

// Retries 429 and 503 answers a few times, waiting as the server asks (or backing off).
Result<Reply> with_retries(const std::function<Result<Reply>()>& call) {
  for (int attempt = 0;; ++attempt) {
    auto reply = call();
    if (!reply.ok() || (reply->status != 429 && reply->status != 503) || attempt == 5) return reply;
    const long wait_ms = reply->retry_after > 0 ? reply->retry_after * 1000 : 200L << attempt;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(wait_ms, 10000L)));
  }
}

FileResult upload_one(Client& client, const std::string& path, const std::string& query) {
  MappedFile file(path);
  if (!file.ok()) return {Outcome::kFailed, "", {ErrorCode::kIoError, "cannot read the file"}};
  const std::string sha = sha256_hex(file.bytes());
  auto found = with_retries([&] { return client.get("/v1/images?limit=1&sha256=" + sha); });
  if (!found.ok()) return {Outcome::kFailed, "", found.status()};
  if (found->status != 200) return {Outcome::kFailed, "", server_error(*found)};
  try {
    const json page = json::parse(found->body);
    if (!page.at("images").empty()) return {Outcome::kSkipped, page["images"][0].at("id"), Status::Ok()};
  } catch (const std::exception&) {
    return {Outcome::kFailed, "", {ErrorCode::kIoError, "the server's list answer is not the expected JSON"}};
  }
  auto stored = with_retries([&] { return client.post("/v1/images" + query, file.bytes()); });
  if (!stored.ok()) return {Outcome::kFailed, "", stored.status()};
  if (stored->status != 201) return {Outcome::kFailed, "", server_error(*stored)};
  try {
    return {Outcome::kUploaded, json::parse(stored->body).at("images").at(0).at("id"), Status::Ok()};
  } catch (const std::exception&) {
    return {Outcome::kFailed, "", {ErrorCode::kIoError, "the server's upload answer is not the expected JSON"}};
  }
}

// Files named on the command line, and every regular file under directories (recursively,
// hidden entries skipped), in a stable order.
Result<std::vector<std::string>> collect(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->path().filename().string().starts_with(".")) {
          if (it->is_directory()) it.disable_recursion_pending();
          continue;
        }
        if (it->is_regular_file()) found.push_back(it->path().string());
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(p, ec)) {
      files.push_back(p);
    } else {
      return Result<std::vector<std::string>>(ErrorCode::kNotFound, fmt::format("no such file or directory: {}", p));
    }
  }
  return files;
}

std::string percent_encode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

}  // namespace

int upload_command(const UploadArgs& args) {
  auto files = collect(args.paths);
  if (!files.ok()) return report_error(files.status());
  if (!args.server.starts_with("http://") && !args.server.starts_with("https://")) {
    return report_error({ErrorCode::kInvalidValue, fmt::format("--server takes an http(s) URL, got '{}'", args.server)});
  }
  std::string server = args.server;
  while (server.ends_with("/")) server.pop_back();
  std::string query;
  if (!args.tags.empty()) query = "?tags=" + percent_encode(args.tags);
  const std::string key = !args.key.empty() ? args.key : (std::getenv("PICTOR_API_KEY") ? std::getenv("PICTOR_API_KEY") : "");

  curl_global_init(CURL_GLOBAL_DEFAULT);
  std::vector<FileResult> results(files->size());
  ProgressBar progress(files->size(), args.progress);
  std::atomic<size_t> next{0};
  const auto start = std::chrono::steady_clock::now();
  auto worker = [&] {
    Client client(server, key);
    for (size_t i = next++; i < files->size(); i = next++) {
      results[i] = upload_one(client, (*files)[i], query);
      progress.advance(results[i].outcome == Outcome::kFailed);
    }
  };
  std::vector<std::thread> threads;
  const int jobs = std::max(1, std::min<int>(args.jobs, static_cast<int>(files->size())));
  for (int t = 0; t < jobs; ++t) threads.emplace_back(worker);
  for (std::thread& t : threads) t.join();
  progress.finish();
  curl_global_cleanup();

  size_t uploaded = 0, skipped = 0;
  std::vector<size_t> failed;
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i].outcome == Outcome::kFailed) {
      failed.push_back(i);
      continue;
    }
    (results[i].outcome == Outcome::kUploaded ? uploaded : skipped)++;
    std::cout << results[i].id << '\t' << (*files)[i] << '\n';
  }
  std::cout.flush();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cerr << fmt::format("uploaded {}, skipped {} already stored, failed {} of {} files in {:.2f} s", uploaded, skipped,
                           failed.size(), results.size(), seconds);
  if (failed.empty()) {
    std::cerr << '\n';
    return 0;
  }
  std::cerr << ":\n";
  for (size_t i : failed) std::cerr << "  " << (*files)[i] << ": " << results[i].status.ToString() << '\n';
  return exit_code(results[failed.front()].status.code());
}

}  // namespace pictor::cli
