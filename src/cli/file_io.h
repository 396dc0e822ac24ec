// File helpers for the CLI: bounded reads, atomic writes, one-line error reporting.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pictor/status.h"

namespace pictor::cli {

// Reads a whole file ("-" = standard input), refusing files over `max_bytes`.
Result<std::vector<uint8_t>> read_file(const std::string& path, uint64_t max_bytes);

// Writes through a temporary file and a rename, so a reader never sees half a file
// ("-" = standard output).
Status write_file_atomic(const std::string& path, const std::vector<uint8_t>& bytes);

// Prints "pictor: code: message" on stderr and returns the exit code for the status.
int report_error(const Status& status);

}  // namespace pictor::cli
