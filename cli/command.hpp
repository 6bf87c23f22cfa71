// The native `zhixuan` command line: one file per subcommand, each registering itself
// with ZX_REGISTER_COMMAND, so a new subcommand (simulate, serve, ...) is a new file in
// cli/ and needs no edit anywhere else. main.cpp only dispatches.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "zhixuan/base/status.hpp"

namespace zhixuan::cli {

// `--name value` options and `--flag` switches after the subcommand.
class Args {
 public:
  // `value_options` take a value, `flags` do not; anything else is an error naming it.
  static StatusOr<Args> Parse(const std::vector<std::string>& argv, const std::vector<std::string>& value_options,
                              const std::vector<std::string>& flags);

  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  std::string String(const std::string& name, const std::string& fallback = "") const;
  // Typed getters: a present but malformed value is a kInvalidArgument naming the option.
  StatusOr<std::string> Required(const std::string& name) const;
  StatusOr<int> Int(const std::string& name, int fallback, int min, int max) const;
  StatusOr<float> Float(const std::string& name, float fallback, float min, float max) const;

 private:
  std::map<std::string, std::string> values_;
};

struct Command {
  const char* name;
  const char* summary;  // one line for `zhixuan --help`
  std::string (*usage)();  // the full option list for `zhixuan <name> --help`
  // args after the subcommand; main() turns a failure into a message and an exit code (Fail).
  Status (*run)(const std::vector<std::string>& args);
};

std::vector<Command>& Commands();

struct Registrar {
  explicit Registrar(const Command& command) { Commands().push_back(command); }
};

// Prints "zhixuan <command>: CODE: message" to stderr and returns the exit code for it.
int Fail(const char* command, const Status& status);

}  // namespace zhixuan::cli

#define ZX_CLI_CONCAT_INNER(a, b) a##b
#define ZX_CLI_CONCAT(a, b) ZX_CLI_CONCAT_INNER(a, b)
#define ZX_REGISTER_COMMAND(...) \
  static ::zhixuan::cli::Registrar ZX_CLI_CONCAT(zx_command_registrar_, __LINE__)(::zhixuan::cli::Command{__VA_ARGS__})
