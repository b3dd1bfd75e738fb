// telguard: a privacy-auditing telemetry pipeline for agent tools.
#include "cli/app.h"

int main(int argc, char** argv) {
  telguard::cli::Cli cli;
  return cli.Main(argc, argv);
}
