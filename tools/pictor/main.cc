#include "cli/cli.h"

int main(int argc, char** argv) { return pictor::cli::run(argc, argv); }
