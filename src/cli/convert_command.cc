// `pictor convert`: one file, or every file of a directory in parallel.
#include <fmt/format.h>
#include <vips/vips.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "cli/commands.h"
#include "cli/file_io.h"
#include "cli/progress.h"
#include "pictor/engine.h"

namespace fs = std::filesystem;

namespace pictor::cli {
namespace {

Result<Chain> resolve_chain(const ConvertArgs& args, const Config& config) {
  ParseOptions options{config.limits.max_operations, &config.types};
  if (!args.chain.empty() && !args.type.empty()) {
    return Result<Chain>(ErrorCode::kInvalidChain, "give either --cmd or --type, not both");
  }
  if (!args.type.empty()) return parse_type(args.type, options);
  if (args.chain.empty()) return Result<Chain>(ErrorCode::kInvalidChain, "give --cmd CHAIN or --type NAME");
  return parse_chain(args.chain, options);
}

std::optional<Format> chain_format(const Chain& chain) {
  if (chain.ops.empty() || chain.ops.back().op().name != "format" || !chain.ops.back().has("type")) {
    return std::nullopt;
  }
  return format_from_name(chain.ops.back().get_enum("type"));
}

ProcessOptions process_options(const ConvertArgs& args, const Config& config) {
  ProcessOptions options;
  options.limits = config.limits;
  options.auto_orient = config.auto_orient;
  if (args.timeout_seconds > 0) {
    options.deadline = std::chrono::steady_clock::now() +
                       std::chrono::microseconds(static_cast<int64_t>(args.timeout_seconds * 1e6));
  }
  return options;
}

// Reads a file within the byte limit and runs the chain on it.
Result<Encoded> convert_file(const std::string& input, const Chain& chain, const ProcessOptions& options) {
  auto bytes = read_file(input, options.limits.max_input_bytes);
  if (!bytes.ok()) return bytes.status();
  return process(*bytes, chain, options);
}

int convert_single(const ConvertArgs& args, const Chain& chain, const Config& config) {
  ProcessOptions options = process_options(args, config);
  const std::optional<Format> by_chain = chain_format(chain);
  const std::optional<Format> by_name =
      args.output == "-" ? std::nullopt : format_from_extension(args.output);
  if (by_chain && by_name && *by_chain != *by_name) {
    return report_error({ErrorCode::kInvalidValue,
                         fmt::format("the chain writes {} but {} names a {} file",
                                     format_name(*by_chain), args.output, format_name(*by_name))});
  }
  if (!by_chain && !by_name && args.output != "-") {
    return report_error({ErrorCode::kUnsupportedOutput,
                         fmt::format("cannot tell the output format from '{}': use an extension "
                                     "(.jpg .png .webp .gif .avif .heic) or format:type=...",
                                     args.output)});
  }
  options.default_format = by_name;
  auto encoded = convert_file(args.input, chain, options);
  if (!encoded.ok()) {
    return report_error({encoded.status().code(), fmt::format("{} ({})", encoded.status().message(), args.input)});
  }
  Status written = write_file_atomic(args.output, encoded->bytes);
  return written.ok() ? 0 : report_error(written);
}

struct Failure {
  std::string file;
  Status status;
};

int convert_directory(const ConvertArgs& args, const Chain& chain, const Config& config) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(args.input, ec)) {
    if (entry.is_regular_file() && !entry.path().filename().string().starts_with(".")) {
      files.push_back(entry.path());
    }
  }
  if (ec) return report_error({ErrorCode::kIoError, fmt::format("cannot list {}: {}", args.input, ec.message())});
  std::sort(files.begin(), files.end());
  fs::create_directories(args.output, ec);
  if (ec) return report_error({ErrorCode::kIoError, fmt::format("cannot create {}: {}", args.output, ec.message())});

  const std::optional<Format> by_chain = chain_format(chain);
  const int jobs = args.jobs > 0 ? args.jobs : std::max(1u, std::thread::hardware_concurrency());
  ProgressBar progress(files.size(), args.progress);
  std::atomic<size_t> next{0};
  std::mutex failures_mutex;
  std::vector<Failure> failures;
  const auto start = std::chrono::steady_clock::now();

  auto worker = [&] {
    for (size_t i = next++; i < files.size(); i = next++) {
      const fs::path& file = files[i];
      Status status;
      auto encoded = convert_file(file.string(), chain, process_options(args, config));
      if (!encoded.ok()) {
        status = encoded.status();
      } else {
        fs::path out = fs::path(args.output) / file.stem();
        out += std::string(format_extension(by_chain ? *by_chain : encoded->format));
        status = write_file_atomic(out.string(), encoded->bytes);
      }
      if (!status.ok()) {
        std::lock_guard lock(failures_mutex);
        failures.push_back({file.string(), status});
      }
      progress.advance(!status.ok());
    }
    vips_thread_shutdown();
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < jobs; ++t) threads.emplace_back(worker);
  for (std::thread& thread : threads) thread.join();
  progress.finish();

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const size_t converted = files.size() - failures.size();
  std::cerr << fmt::format("converted {} of {} files in {:.2f} s ({:.1f} images/s) with {} jobs", converted,
                           files.size(), seconds, seconds > 0 ? converted / seconds : 0.0, jobs);
  if (failures.empty()) {
    std::cerr << '\n';
    return 0;
  }
  std::sort(failures.begin(), failures.end(), [](const Failure& a, const Failure& b) { return a.file < b.file; });
  std::cerr << fmt::format("; {} failed:\n", failures.size());
  for (const Failure& f : failures) std::cerr << "  " << f.file << ": " << f.status.ToString() << '\n';
  return exit_code(failures.front().status.code());
}

}  // namespace

int convert_command(const ConvertArgs& args, const Config& config) {
  auto chain = resolve_chain(args, config);
  if (!chain.ok()) return report_error(chain.status());
  Status init = initialize(config.engine);
  if (!init.ok()) return report_error(init);
  std::error_code ec;
  if (args.input != "-" && fs::is_directory(args.input, ec)) {
    return convert_directory(args, *chain, config);
  }
  return convert_single(args, *chain, config);
}

}  // namespace pictor::cli
