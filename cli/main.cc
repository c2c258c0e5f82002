// nsxv-md: see cli/cli.h.
#include <iostream>

#include "cli/cli.h"

int main(int argc, char** argv) { return nsxv::cli::Run(argc, argv, std::cout, std::cerr); }
