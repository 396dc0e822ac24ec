// The `pictor` command line: parses arguments and dispatches to the commands.
#pragma once

namespace pictor::cli {

int run(int argc, char** argv);

}  // namespace pictor::cli
