// Writes the man page and the bash and zsh completions into a directory, at
// build time, from the same definitions as `telguard --help`.
#include <cstdio>
#include <fstream>
#include <string>

#include "cli/app.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fputs("usage: telguard_docs OUTDIR\n", stderr);
    return 2;
  }
  telguard::cli::Cli cli;
  const std::string dir = argv[1];
  const std::pair<std::string, std::string> files[] = {
      {"telguard.1", telguard::cli::ManPage(cli.app())},
      {"telguard.bash", telguard::cli::BashCompletion(cli.app())},
      {"_telguard", telguard::cli::ZshCompletion(cli.app())},
  };
  for (const auto& [name, text] : files) {
    std::ofstream f(dir + "/" + name, std::ios::binary);
    f << text;
    if (!f.flush()) {
      std::fprintf(stderr, "telguard_docs: cannot write %s/%s\n", dir.c_str(), name.c_str());
      return 1;
    }
  }
  return 0;
}
