#include "pgfleet/cli/cli.hpp"

int main(int argc, char** argv) { return pgfleet::cli::main(argc, argv); }
