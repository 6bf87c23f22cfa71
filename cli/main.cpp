// `zhixuan <command> [options]`: dispatches to the subcommands registered in cli/*.cpp.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "command.hpp"

namespace {

void PrintHelp() {
  std::fprintf(stderr, "usage: zhixuan <command> [options]   (zhixuan <command> --help for its options)\n\ncommands:\n");
  auto commands = zhixuan::cli::Commands();
  std::sort(commands.begin(), commands.end(),
            [](const zhixuan::cli::Command& a, const zhixuan::cli::Command& b) { return std::strcmp(a.name, b.name) < 0; });
  for (const auto& c : commands) std::fprintf(stderr, "  %-10s %s\n", c.name, c.summary);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
    PrintHelp();
    return argc < 2 ? 2 : 0;
  }
  for (const auto& c : zhixuan::cli::Commands()) {
    if (std::strcmp(c.name, argv[1]) != 0) continue;
    std::vector<std::string> args(argv + 2, argv + argc);
    if (std::find(args.begin(), args.end(), "--help") != args.end() || std::find(args.begin(), args.end(), "-h") != args.end()) {
      std::fprintf(stdout, "usage: zhixuan %s %s\n", c.name, c.usage().c_str());
      return 0;
    }
    const zhixuan::Status status = c.run(args);
    return status.ok() ? 0 : zhixuan::cli::Fail(c.name, status);
  }
  std::fprintf(stderr, "zhixuan: unknown command '%s'\n", argv[1]);
  PrintHelp();
  return 2;
}
