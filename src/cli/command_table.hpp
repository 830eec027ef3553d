#pragma once
// The commands pgfleet knows, one entry each: its help and example, the flags it takes and the
// function that runs it. cli::main builds the command line from this table alone.
#include <vector>

#include "pgfleet/cli/options.hpp"
#include "pgfleet/engine/command.hpp"

namespace CLI {
class App;
}

namespace pgfleet::cli {

// Whether a command takes its settings from pgfleet.json (or --config) too.
enum class ConfigFile { read, ignored };

struct CommandEntry {
  Command command;  // its name on the command line is to_string(command)
  const char* help;
  const char* example;
  void (*add_flags)(CLI::App& cmd, Options& o);
  int (*run)(const Options& o);  // returns the exit code (README.md, "Results")
  ConfigFile config_file;
  // Checks every flag before run() touches anything; throws UsageError. nullptr: none to check.
  void (*check_flags)(const Options& o);
};

// Every command, in the order `pgfleet --help` lists them.
const std::vector<CommandEntry>& command_table();

}  // namespace pgfleet::cli
