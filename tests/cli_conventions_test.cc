// telguard's command-line conventions, as a user meets them: --version,
// --help on every command, errors that name the option and the fix, refused
// conflicts and repeats, "-" for stdin, the terminal hint, and a man page and
// shell completions that list exactly what --help lists.
#include <fcntl.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "tests/test_util.h"

namespace telguard {
namespace {

using testing::RunProcess;

const std::string kBin = TELGUARD_BIN;
const std::string kDocs = TELGUARD_DOCS_BIN;
const std::string kSrc = TELGUARD_SOURCE_DIR;
const std::vector<std::string> kCommands = {"check", "report",    "send",    "flush",  "gateway",
                                            "scrub", "rules",     "inventory", "consent", "status"};

std::string TempDir() {
  char t[] = "/tmp/telguard-conv-XXXXXX";
  return mkdtemp(t);
}

// A private config dir with the notice acknowledged; never the real home.
std::vector<std::string> PrivateEnv(const std::string& dir) {
  return {"XDG_CONFIG_HOME=" + dir + "/config", "XDG_STATE_HOME=" + dir + "/state", "TELGUARD_HIDE_NOTICE=1",
          "TELEMETRY_ENABLED=", "DO_NOT_TRACK=", "TELGUARD_ENDPOINT=", "HOME=" + dir};
}

std::string Event(const std::string& tool) {
  return nlohmann::json({{"event", "tool"}, {"event_timestamp", 1}, {"source", "agentcli"},
                         {"properties", {{"action", "call"}, {"session_id", "s1"}, {"agent_name", "root"},
                                         {"tool_name", tool}, {"duration_ms", 5}, {"is_success", true}}}})
             .dump() + "\n";
}

// The long option names a command's --help lists, e.g. {"--help", "--input"}.
std::set<std::string> HelpOptions(const std::string& cmd) {
  const auto r = RunProcess({kBin, cmd, "--help"}, "");
  std::set<std::string> names;
  const std::regex option_line(R"(^  (?:-[a-zA-Z],)?(--[a-z][a-z0-9-]*))");
  for (const auto& line : testing::Lines(r.out)) {
    std::smatch m;
    if (std::regex_search(line, m, option_line)) names.insert(m[1]);
  }
  return names;
}

TEST(CliConventions, VersionPrintsTheProjectVersion) {
  const auto r = RunProcess({kBin, "--version"}, "");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(std::regex_match(r.out, std::regex("telguard [0-9]+\\.[0-9]+\\.[0-9]+\n"))) << r.out;
  const std::string cmake = testing::ReadFile(kSrc + "/CMakeLists.txt");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(cmake, m, std::regex("project\\(telguard VERSION ([0-9.]+)")));
  EXPECT_EQ(r.out, "telguard " + m[1].str() + "\n");
}

TEST(CliConventions, EveryCommandHasHelpAndHelpCmdPrintsTheSame) {
  for (const auto& cmd : kCommands) {
    const auto help = RunProcess({kBin, cmd, "--help"}, "");
    EXPECT_EQ(help.exit_code, 0) << cmd;
    EXPECT_NE(help.out.find("Usage: telguard " + cmd), std::string::npos) << cmd << "\n" << help.out;
    EXPECT_TRUE(help.err.empty()) << help.err;
    EXPECT_EQ(RunProcess({kBin, cmd, "-h"}, "").out, help.out) << cmd;
    const auto via_help = RunProcess({kBin, "help", cmd}, "");
    EXPECT_EQ(via_help.exit_code, 0) << cmd;
    EXPECT_EQ(via_help.out, help.out) << cmd;
  }
  const auto top = RunProcess({kBin, "help"}, "");
  EXPECT_EQ(top.exit_code, 0);
  for (const auto& cmd : kCommands) EXPECT_NE(top.out.find("  " + cmd + " "), std::string::npos) << cmd;
  EXPECT_EQ(RunProcess({kBin, "--help"}, "").out, top.out);
  const auto bad = RunProcess({kBin, "help", "frobnicate"}, "");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("'frobnicate'"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("the commands are: check, "), std::string::npos) << bad.err;
}

TEST(CliConventions, UsageErrorsNameTheArgumentAndTheFixAndExitTwo) {
  const std::string dir = TempDir();
  const auto env = PrivateEnv(dir);
  struct Case {
    std::vector<std::string> args;
    std::vector<std::string> expect;  // each must appear on stderr
  } cases[] = {
      {{"check", "--bogus"}, {"unknown option '--bogus'", "telguard check --help"}},
      {{"check", "-x"}, {"unknown option '-x'"}},
      {{"check", "events.jsonl"}, {"unexpected argument 'events.jsonl'", "--input PATH"}},
      {{"scrub", "notes.txt"}, {"unexpected argument 'notes.txt'", "--input PATH"}},
      {{"status", "now"}, {"unexpected argument 'now'", "telguard status --help"}},
      {{"check", "--input"}, {"--input", "missing"}},
      {{"check", "--input", "a", "--input", "b"}, {"--input was given more than once; give it once"}},
      {{"check", "--audit=a", "--audit", "b"}, {"--audit was given more than once"}},
      {{"rules", "--format", "md", "--format", "json"}, {"--format was given more than once"}},
      {{"check", "--example", "--input", "x"}, {"--input", "--example", "excludes"}},
      {{"send", "--local", "out.jsonl", "--endpoint", "https://127.0.0.1:1/"}, {"--local", "--endpoint"}},
      {{"send", "--api-key-env", "K", "--api-key-file", "f"}, {"--api-key-env", "--api-key-file"}},
      {{"send", "--deadline-ms", "5"}, {"--deadline-ms", "10"}},
      {{"rules", "--format", "xml"}, {"--format", "md", "json"}},
      {{"consent", "maybe"}, {"on", "off", "reset-id"}},
      {{"consent"}, {"required"}},
      {{"flush"}, {"--endpoint URL", "TELGUARD_ENDPOINT"}},  // the spool defaults as for send
      {{"frobnicate"}, {"unknown command 'frobnicate'", "the commands are: check, "}},
      {{"--frobnicate"}, {"'--frobnicate'"}},
      {{"send", "--endpoint", "http://example.org/x"}, {"--allow-insecure-http"}},
      {{"send"}, {"--endpoint URL", "TELGUARD_ENDPOINT"}},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv = {kBin};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    const auto r = RunProcess(argv, "", env);
    std::string shown;
    for (const auto& a : c.args) shown += a + " ";
    EXPECT_EQ(r.exit_code, 2) << shown << "\n" << r.err;
    EXPECT_TRUE(r.out.empty()) << shown << "\n" << r.out;
    for (const auto& e : c.expect) EXPECT_NE(r.err.find(e), std::string::npos) << shown << ": " << e << "\n" << r.err;
  }
  // An argument is quoted at most 64 bytes long: a pasted secret or a whole
  // file on the command line does not flood the terminal or a CI log.
  const std::string long_arg(5000, 'q');
  const auto r = RunProcess({kBin, "check", long_arg}, "", env);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.find(std::string(65, 'q')), std::string::npos) << r.err.size();
  EXPECT_NE(r.err.find(std::string(64, 'q') + "..."), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(CliConventions, InputThatIsADirectoryIsNamed) {
  const std::string dir = TempDir();
  for (const std::string cmd : {"check", "scrub"}) {
    const auto r = RunProcess({kBin, cmd, "--input", dir}, "");
    EXPECT_EQ(r.exit_code, 1) << cmd;
    EXPECT_NE(r.err.find(dir + ": it is a directory"), std::string::npos) << cmd << "\n" << r.err;
  }
  std::filesystem::remove_all(dir);
}

TEST(CliConventions, DashMeansStdinForEveryInput) {
  const std::string dir = TempDir();
  const auto env = PrivateEnv(dir);
  const auto check = RunProcess({kBin, "check", "--input", "-"}, Event("stdin-tool"));
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_NE(check.out.find("stdin-tool"), std::string::npos);
  EXPECT_EQ(RunProcess({kBin, "check", "--input=-"}, Event("eq")).out.find("eq") != std::string::npos, true);
  const auto scrub = RunProcess({kBin, "scrub", "--input", "-"}, "mail a.b@example.org\n");
  EXPECT_EQ(scrub.out, "mail [REDACTED:email]\n");
  const auto send = RunProcess({kBin, "send", "--input", "-", "--local", dir + "/out.jsonl"}, Event("sent"), env);
  EXPECT_EQ(send.exit_code, 0) << send.err;
  EXPECT_NE(testing::ReadFile(dir + "/out.jsonl").find("\"sent\""), std::string::npos) << send.err;
  // --audit - writes the audit records to stdout.
  const auto audit = RunProcess({kBin, "check", "--input", "-", "--audit", "-"}, Event("a"));
  EXPECT_NE(audit.out.find("\"verdict\""), std::string::npos) << audit.out;
  std::filesystem::remove_all(dir);
}

// Runs `telguard <cmd>` with a pseudo-terminal on stdin (stdout and stderr
// to files), types one event and Ctrl-D; returns stderr.
std::string RunOnTerminal(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  int master = -1, slave = -1;
  if (openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) return "openpty failed";
  const std::string dir = TempDir();
  const std::string err = dir + "/err";
  const pid_t pid = fork();
  if (pid == 0) {
    alarm(60);  // never hang the suite, whatever happens
    dup2(slave, 0);
    close(master);
    close(slave);
    if (!freopen((dir + "/out").c_str(), "w", stdout) || !freopen(err.c_str(), "w", stderr)) _exit(126);
    for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv = {const_cast<char*>(kBin.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(slave);
  const std::string typed = Event("typed") + "\x04";  // Ctrl-D at the start of a line: end of input
  if (write(master, typed.data(), typed.size()) != static_cast<ssize_t>(typed.size())) return "write failed";
  int status = 0;
  waitpid(pid, &status, 0);
  close(master);
  std::string e = testing::ReadFile(err);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) e += "\n[exit status " + std::to_string(status) + "]";
  std::filesystem::remove_all(dir);
  return e;
}

TEST(CliConventions, CheckAndSendSayTheyWaitOnATerminal) {
  const std::string dir = TempDir();
  const auto env = PrivateEnv(dir);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"check"}, {"send", "--local", dir + "/out.jsonl"}, {"scrub"}}) {
    const std::string err = RunOnTerminal(args, env);
    EXPECT_NE(err.find("telguard " + args[0] + ": reading from the terminal; end with Ctrl-D"),
              std::string::npos)
        << args[0] << "\n" << err;
    EXPECT_EQ(err.find("[exit status"), std::string::npos) << err;
  }
  // The typed event went through.
  EXPECT_NE(testing::ReadFile(dir + "/out.jsonl").find("\"typed\""), std::string::npos);
  // Not on a pipe or a file.
  const auto piped = RunProcess({kBin, "check"}, Event("piped"));
  EXPECT_EQ(piped.err.find("terminal"), std::string::npos) << piped.err;
  std::filesystem::remove_all(dir);
}

TEST(CliConventions, ManPageAndCompletionsListWhatHelpLists) {
  const std::string dir = TempDir();
  ASSERT_EQ(RunProcess({kDocs, dir}, "").exit_code, 0);
  const std::string man = testing::ReadFile(dir + "/telguard.1");
  const std::string bash = testing::ReadFile(dir + "/telguard.bash");
  const std::string zsh = testing::ReadFile(dir + "/_telguard");
  ASSERT_NE(man.find(".TH TELGUARD 1"), std::string::npos);
  EXPECT_NE(man.find(".SH \"EXIT STATUS\""), std::string::npos);
  auto roff = [](std::string s) {
    std::string out;
    for (char ch : s) out += ch == '-' ? std::string("\\-") : std::string(1, ch);
    return out;
  };
  for (const auto& cmd : kCommands) {
    EXPECT_NE(man.find(".SS \"telguard " + cmd), std::string::npos) << cmd;
    EXPECT_NE(zsh.find("    " + cmd + ")\n"), std::string::npos) << cmd;
    const std::set<std::string> options = HelpOptions(cmd);
    ASSERT_TRUE(options.count("--help")) << cmd;
    // The bash words of this command: the line "    cmd) words='...' ;;".
    const auto at = bash.find("    " + cmd + ") words='");
    ASSERT_NE(at, std::string::npos) << cmd;
    const auto open = bash.find('\'', at) + 1;
    const std::string words = " " + bash.substr(open, bash.find('\'', open) - open) + " ";
    // This command's section of the man page.
    const auto section = man.find(".SS \"telguard " + cmd);
    const std::string in_man = man.substr(section, man.find(".S", section + 3) - section);
    for (const auto& o : options) {
      EXPECT_NE(in_man.find(roff(o)), std::string::npos) << cmd << " " << o << "\n" << in_man;
      EXPECT_NE(words.find(" " + o + " "), std::string::npos) << cmd << " " << o << "\n" << words;
      EXPECT_NE(zsh.find("'" + o + "["), std::string::npos) << cmd << " " << o;
    }
  }
  std::filesystem::remove_all(dir);
}

// The bash completion works in bash: commands, then a command's options,
// then the values of an option with a fixed set.
TEST(CliConventions, BashCompletionCompletesCommandsOptionsAndValues) {
  const std::string dir = TempDir();
  ASSERT_EQ(RunProcess({kDocs, dir}, "").exit_code, 0);
  auto complete = [&](const std::string& words) {
    const std::string script = "source " + dir + "/telguard.bash\nCOMP_WORDS=(" + words +
                               ")\nCOMP_CWORD=$((${#COMP_WORDS[@]}-1))\n_telguard\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n";
    testing::WriteFile(dir + "/t.sh", script);
    return RunProcess({"/bin/bash", dir + "/t.sh"}, "").out;
  };
  EXPECT_EQ(complete("telguard ch"), "check\n");
  EXPECT_EQ(complete("telguard check --ex"), "--example\n");
  EXPECT_EQ(complete("telguard rules --format ''"), "md\njson\n");
  EXPECT_EQ(complete("telguard consent r"), "reset-id\n");
  EXPECT_EQ(complete("telguard help fl"), "flush\n");
  std::filesystem::remove_all(dir);
}

// The zsh completion loads through compinit (registered for `telguard`) and
// offers the commands, then a command's options. zsh's own _describe and
// _arguments need the line editor, so they are replaced by functions that
// print what they were given: what is checked is what _telguard hands them.
TEST(CliConventions, ZshCompletionRegistersAndOffersCommandsThenOptions) {
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/zsh")) << "zsh is not installed (scripts/setup.sh installs it)";
  const std::string dir = TempDir();
  ASSERT_EQ(RunProcess({kDocs, dir}, "").exit_code, 0);
  const std::string script = "fpath=(" + dir + R"( $fpath)
autoload -U compinit; compinit -u -D
print "registered: $_comps[telguard]"
autoload -U _telguard
_describe() { local n=$2; print -l -- "${(@P)n}" | sed 's/:.*//'; }
_arguments() { print -l -- "$@" | sed -n "s/^'\{0,1\}\(--[a-z-]*\)\[.*/\1/p"; }
words=(telguard ch); CURRENT=2; _telguard
print "== check"
words=(telguard check --ex); CURRENT=3; _telguard
)";
  testing::WriteFile(dir + "/t.zsh", script);
  const auto r = RunProcess({"/usr/bin/zsh", "-f", dir + "/t.zsh"}, "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = testing::Lines(r.out);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], "registered: _telguard");
  const auto split = std::find(lines.begin(), lines.end(), "== check");
  ASSERT_NE(split, lines.end()) << r.out;
  const std::vector<std::string> commands(lines.begin() + 1, split), options(split + 1, lines.end());
  for (const char* c : {"check", "send", "flush", "gateway", "report", "help"}) {
    EXPECT_NE(std::find(commands.begin(), commands.end(), c), commands.end()) << c << "\n" << r.out;
  }
  for (const char* o : {"--example", "--input", "--audit", "--fail-on", "--free-text", "--help"}) {
    EXPECT_NE(std::find(options.begin(), options.end(), o), options.end()) << o << "\n" << r.out;
  }
  EXPECT_EQ(std::find(options.begin(), options.end(), "--endpoint"), options.end()) << "send's option offered for check";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace telguard

namespace telguard {
namespace {

// The bundled example session holds, among others, a secret assignment and a
// token in a URL (credential), an e-mail address and an IP (personal data),
// and one record the schema rejects.
TEST(FailOn, GatesOnClassesRuleIdsAndVerdictsWithAValueFreeSummary) {
  const auto plain = RunProcess({kBin, "check", "--example"}, "");
  ASSERT_EQ(plain.exit_code, 0);
  struct Case {
    std::string kinds;
    int exit_code;
    std::vector<std::string> expect, never;
  } cases[] = {
      {"credential", 4, {"--fail-on credential: ", "secret-assignment x1", "url-query-secret x1"}, {"email"}},
      {"pii", 4, {"--fail-on pii: ", "email x1", "ipv4 x1"}, {"secret-assignment", "quoted-text"}},
      {"email", 4, {"--fail-on email: email x1"}, {"ipv4"}},
      {"url-query-secret", 4, {"--fail-on url-query-secret: url-query-secret x1"}, {"secret-assignment"}},
      {"rejected", 4, {"--fail-on rejected: 1 event"}, {}},
      {"dropped,github-pat", 0, {}, {"--fail-on"}},
      // Ids always leave as keyed pseudonyms (SECURITY.md G28).
      {"pseudonymised", 4, {"--fail-on pseudonymised: pseudonym x"}, {"email"}},
      {"dropped,rejected", 4, {"--fail-on rejected: 1 event"}, {"--fail-on dropped"}},
  };
  for (const auto& c : cases) {
    const auto r = RunProcess({kBin, "check", "--example", "--fail-on", c.kinds}, "");
    EXPECT_EQ(r.exit_code, c.exit_code) << c.kinds << "\n" << r.err;
    // Ids leave as pseudonyms under a per-process key: compare the bodies' count.
    EXPECT_EQ(testing::Lines(r.out).size(), testing::Lines(plain.out).size()) << "the gate sends the same events";
    std::string gate;  // the gate's own lines (the summary above them lists every rule)
    for (const auto& line : testing::Lines(r.err)) {
      if (line.rfind("telguard check: --fail-on", 0) == 0) gate += line + "\n";
    }
    for (const auto& e : c.expect) EXPECT_NE(gate.find(e), std::string::npos) << c.kinds << ": " << e << "\n" << r.err;
    for (const auto& n : c.never) EXPECT_EQ(gate.find(n), std::string::npos) << c.kinds << ": " << n << "\n" << r.err;
    for (const std::string value : {"correct-horse", "not-a-real-token", "alice", "203.0.113.7", "example.com"}) {
      EXPECT_EQ(r.err.find(value), std::string::npos) << c.kinds << ": " << value;
    }
  }
  // The gate speaks with --audit too (the summary does not).
  const std::string dir = TempDir();
  const auto audited = RunProcess({kBin, "check", "--example", "--fail-on", "credential", "--audit", dir + "/a"}, "");
  EXPECT_EQ(audited.exit_code, 4);
  EXPECT_NE(audited.err.find("--fail-on credential"), std::string::npos) << audited.err;
  std::filesystem::remove_all(dir);
  // Clean input passes every kind.
  const auto clean = RunProcess({kBin, "check", "--fail-on", "credential,pii,rejected,dropped"},
                                Event("a") + Event("b"));
  EXPECT_EQ(clean.exit_code, 0) << clean.err;
}

TEST(FailOn, UnknownOrEmptyKindIsAUsageError) {
  for (const std::string kinds : {"bogus", "credential,", "", "credential,,pii"}) {
    const auto r = RunProcess({kBin, "check", "--example", "--fail-on", kinds}, "");
    EXPECT_EQ(r.exit_code, 2) << kinds;
    EXPECT_NE(r.err.find("--fail-on"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("kinds: credential, pii"), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty());
  }
}

}  // namespace
}  // namespace telguard

namespace telguard {
namespace {

// The last line of `text` parsed as JSON (the --json summary), or null.
nlohmann::json LastJsonLine(const std::string& text) {
  const auto lines = testing::Lines(text);
  if (lines.empty()) return nullptr;
  return nlohmann::json::parse(lines.back(), nullptr, false);
}

TEST(JsonSummary, CheckSendAndFlushPrintOneObjectWithTheSameFieldNames) {
  const auto plain = RunProcess({kBin, "check", "--example"}, "");
  const auto check = RunProcess({kBin, "check", "--example", "--json"}, "");
  ASSERT_EQ(check.exit_code, 0) << check.err;
  EXPECT_EQ(testing::Lines(check.out).size(), testing::Lines(plain.out).size()) << "stdout still carries the bodies";
  const auto c = LastJsonLine(check.err);
  ASSERT_TRUE(c.is_object()) << check.err;
  EXPECT_EQ(c["command"], "check");
  EXPECT_EQ(c["events"], 8);
  EXPECT_EQ(c["sent"], 7);
  EXPECT_EQ(c["rejected"], 1);
  EXPECT_EQ(c["dropped"], 0);
  EXPECT_EQ(c["redactions"]["email"], 1);
  EXPECT_EQ(c["removed_fields"]["/properties/args"], 1);
  EXPECT_EQ(check.err.find("8 events:"), std::string::npos) << "no prose summary with --json";
  EXPECT_FALSE(c.contains("fail_on"));

  const auto gated = RunProcess({kBin, "check", "--example", "--json", "--fail-on", "credential,dropped"}, "");
  EXPECT_EQ(gated.exit_code, 4);
  const auto g = LastJsonLine(gated.err);
  ASSERT_TRUE(g.is_object()) << gated.err;
  ASSERT_EQ(g["fail_on"].size(), 1u);
  EXPECT_EQ(g["fail_on"][0].get<std::string>().rfind("credential: ", 0), 0u);

  const std::string dir = TempDir();
  const auto env = PrivateEnv(dir);
  const auto send = RunProcess({kBin, "send", "--local", dir + "/out.jsonl", "--json"}, Event("a") + "{}\n", env);
  ASSERT_EQ(send.exit_code, 0) << send.err;
  const auto s = nlohmann::json::parse(send.out, nullptr, false);
  ASSERT_TRUE(s.is_object()) << send.out;
  EXPECT_EQ(s["command"], "send");
  EXPECT_EQ(s["events"], 2);
  EXPECT_EQ(s["delivered"], 1);
  EXPECT_EQ(s["rejected"], 1);
  EXPECT_EQ(s["dropped"], 0);

  const auto flush = RunProcess({kBin, "flush", "--spool", dir + "/spool", "--endpoint", "http://127.0.0.1:9/v1/logs",
                                 "--json"}, "", env);
  const auto f = nlohmann::json::parse(flush.out, nullptr, false);
  ASSERT_TRUE(f.is_object()) << flush.out << flush.err;
  EXPECT_EQ(f["command"], "flush");
  EXPECT_EQ(f["delivered"], 0);
  EXPECT_EQ(f["remaining"], 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace telguard
