// nsxv-md: see driver/cli/cli.h.
#include <iostream>

#include "driver/cli/cli.h"

int main(int argc, char** argv) { return nsxv::cli::Run(argc, argv, std::cout, std::cerr); }
