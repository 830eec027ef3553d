#include "pgfleet/cli/cli.hpp"

namespace pgfleet::cli {

int main(int /*argc*/, char** /*argv*/) { return exit_usage; }

}  // namespace pgfleet::cli
