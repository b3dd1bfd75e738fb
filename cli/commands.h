// One function per subcommand: it declares the subcommand, its options and
// what runs it on the command line (cli/app.h). The run function returns the
// process exit code.
#ifndef TELGUARD_CLI_COMMANDS_H_
#define TELGUARD_CLI_COMMANDS_H_

namespace telguard::cli {

class Cli;

void AddCheck(Cli& cli);
void AddReport(Cli& cli);
void AddInventory(Cli& cli);
void AddScrub(Cli& cli);
void AddRules(Cli& cli);
void AddSend(Cli& cli);
void AddFlush(Cli& cli);
void AddConsent(Cli& cli);
void AddStatus(Cli& cli);
void AddDeadLetters(Cli& cli);
void AddGateway(Cli& cli);

}  // namespace telguard::cli

#endif  // TELGUARD_CLI_COMMANDS_H_
