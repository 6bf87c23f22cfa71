#include "command.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace zhixuan::cli {

std::vector<Command>& Commands() {
  static std::vector<Command> commands;  // function-local: safe across static initializers
  return commands;
}

int Fail(const char* command, const Status& status) {
  std::fprintf(stderr, "zhixuan %s: %s\n", command, status.ToString().c_str());
  // 2: the caller's input is wrong; 1: anything else (I/O, internal).
  return status.code() == StatusCode::kIo || status.code() == StatusCode::kInternal ? 1 : 2;
}

StatusOr<Args> Args::Parse(const std::vector<std::string>& argv, const std::vector<std::string>& value_options,
                           const std::vector<std::string>& flags) {
  Args args;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.size() < 3 || a.compare(0, 2, "--") != 0) return InvalidArgument("unexpected argument '" + a + "'");
    std::string name = a.substr(2), value;
    const size_t eq = name.find('=');
    const bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const bool takes_value = std::find(value_options.begin(), value_options.end(), name) != value_options.end();
    const bool is_flag = std::find(flags.begin(), flags.end(), name) != flags.end();
    if (!takes_value && !is_flag) return InvalidArgument("unknown option '--" + name + "'");
    if (takes_value && !inline_value) {
      if (i + 1 >= argv.size()) return InvalidArgument("option '--" + name + "' needs a value");
      value = argv[++i];
    }
    if (is_flag && inline_value) return InvalidArgument("option '--" + name + "' takes no value");
    if (args.values_.count(name)) return InvalidArgument("option '--" + name + "' given twice");
    args.values_[name] = value;
  }
  return args;
}

std::string Args::String(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

StatusOr<std::string> Args::Required(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return InvalidArgument("missing required option '--" + name + "'");
  return it->second;
}

StatusOr<int> Args::Int(const std::string& name, int fallback, int min, int max) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  char* end = nullptr;
  const long v = std::strtol(it->second.c_str(), &end, 10);
  if (it->second.empty() || *end != '\0' || v < min || v > max)
    return InvalidArgument("--" + name + " must be an integer in " + std::to_string(min) + ".." + std::to_string(max) +
                           ", got '" + it->second + "'");
  return static_cast<int>(v);
}

StatusOr<float> Args::Float(const std::string& name, float fallback, float min, float max) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  if (it->second.empty() || *end != '\0' || !std::isfinite(v) || v < min || v > max)
    return InvalidArgument("--" + name + " must be a number in [" + std::to_string(min) + ", " + std::to_string(max) +
                           "], got '" + it->second + "'");
  return static_cast<float>(v);
}

}  // namespace zhixuan::cli
