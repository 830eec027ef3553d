#include "confirmation.hpp"

#include <unistd.h>

#include <iostream>

namespace pgfleet::cli {

bool confirmed_or_yes(const Options& o, const std::string& question) {
  if (o.yes || !isatty(STDIN_FILENO)) return true;
  std::cerr << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes";
}

}  // namespace pgfleet::cli
