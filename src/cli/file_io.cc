#include "cli/file_io.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace pictor::cli {

Result<std::vector<uint8_t>> read_file(const std::string& path, uint64_t max_bytes) {
  std::vector<uint8_t> bytes;
  auto too_large = [&] {
    return Result<std::vector<uint8_t>>(
        ErrorCode::kInputTooLarge, fmt::format("{} is larger than the limit of {} bytes", path, max_bytes));
  };
  if (path == "-") {
    char buffer[65536];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, stdin)) > 0) {
      bytes.insert(bytes.end(), buffer, buffer + n);
      if (bytes.size() > max_bytes) return too_large();
    }
    return bytes;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return Result<std::vector<uint8_t>>(ErrorCode::kIoError, fmt::format("{} is a directory", path));
  }
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    return Result<std::vector<uint8_t>>(ErrorCode::kIoError,
                                        fmt::format("cannot read {}: {}", path, ec.message()));
  }
  if (size > max_bytes) return too_large();
  std::ifstream file(path, std::ios::binary);
  bytes.resize(size);
  if (!file.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size))) {
    return Result<std::vector<uint8_t>>(ErrorCode::kIoError, fmt::format("cannot read {}", path));
  }
  return bytes;
}

Status write_file_atomic(const std::string& path, const std::vector<uint8_t>& bytes) {
  if (path == "-") {
    if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size() || std::fflush(stdout)) {
      return {ErrorCode::kIoError, "cannot write to standard output"};
    }
    return Status::Ok();
  }
  const std::string temp = fmt::format("{}.tmp-{}", path, ::getpid());
  {
    std::ofstream file(temp, std::ios::binary | std::ios::trunc);
    if (!file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()))) {
      std::remove(temp.c_str());
      return {ErrorCode::kIoError, fmt::format("cannot write {}: {}", path, std::strerror(errno))};
    }
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    std::remove(temp.c_str());
    return {ErrorCode::kIoError, fmt::format("cannot write {}: {}", path, reason)};
  }
  return Status::Ok();
}

int report_error(const Status& status) {
  std::string message = status.message();
  for (char& ch : message) {
    if (ch == '\n') ch = ' ';  // always exactly one line
  }
  std::cerr << "pictor: " << error_code_name(status.code()) << ": " << message << '\n';
  return exit_code(status.code());
}

}  // namespace pictor::cli
