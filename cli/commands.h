// One function per subcommand; each returns the process exit code.
#ifndef TELGUARD_CLI_COMMANDS_H_
#define TELGUARD_CLI_COMMANDS_H_

namespace telguard::cli {

int Check(int argc, char** argv);
int Inventory(int argc, char** argv);
int Scrub(int argc, char** argv);
int Rules(int argc, char** argv);
int Send(int argc, char** argv);
int Flush(int argc, char** argv);
int Consent(int argc, char** argv);
int Status(int argc, char** argv);

}  // namespace telguard::cli

#endif  // TELGUARD_CLI_COMMANDS_H_
