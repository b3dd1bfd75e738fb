// telguard inventory | rules | scrub: what is collected, what is removed, and
// the scrubber on its own.
#include <algorithm>
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/app.h"
#include "cli/commands.h"
#include "cli/input.h"
#include "gateway/profile.h"
#include "pipeline/pipeline.h"
#include "redaction/scrubber.h"
#include "redaction/value_rules.h"

namespace telguard::cli {
namespace {

// What one gateway profile lets out (schemas/profiles/NAME.json).
int RunProfileInventory(const std::string& name, const std::string& format) {
  std::string err;
  auto profiles = gateway::ProfileSet::LoadEmbedded(&err);
  if (!profiles) {
    std::fprintf(stderr, "telguard inventory: %s\n", err.c_str());
    return kExitInput;
  }
  const gateway::Profile* p = profiles->Find(name);
  if (!p) {
    std::string names;
    for (const auto& q : profiles->all()) names += (names.empty() ? "" : ", ") + q->name;
    std::fprintf(stderr, "telguard inventory: --profile: no such profile; there are: %s\n", names.c_str());
    return kExitUsage;
  }
  const std::string out = format == "md" ? gateway::ProfileSet::InventoryMarkdown(*p)
                                         : gateway::ProfileSet::InventoryJson(*p).dump(2) + "\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

int RunInventory(const std::string& format, const std::string& profile) {
  if (!profile.empty()) return RunProfileInventory(profile, format);
  std::string err;
  auto pipeline = Pipeline::Create({}, &err);
  if (!pipeline) {
    std::fprintf(stderr, "telguard inventory: %s\n", err.c_str());
    return kExitInput;
  }
  const std::string out = format == "md" ? pipeline->allowlist().InventoryMarkdown()
                                          : pipeline->allowlist().InventoryJson().dump(2) + "\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

// The one catalogue: the pattern rules, then the policy rules (free-text
// modes, pseudonyms, bounds); every audit redaction names one of these ids.
int RunRules(const std::string& format) {
  const auto& rules = redaction::RuleCatalogue();
  if (format == "json") {
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (const auto& r : rules) {
      j.push_back({{"id", r.id}, {"class", r.cls}, {"description", r.description}});
    }
    std::printf("%s\n", j.dump(2).c_str());
    return kExitOk;
  }
  std::size_t credentials = 0, policy = 0;
  for (const auto& r : rules) {
    credentials += r.cls == "credential";
    policy += r.cls == "policy";
  }
  std::printf("%zu rules: %zu credential, %zu personal data, %zu policy. Each pattern match becomes "
              "[REDACTED:<id>]; policy rules name what the pipeline did to a field by its declaration.\n\n",
              rules.size(), credentials, rules.size() - credentials - policy, policy);
  std::printf("| id | class | description |\n|---|---|---|\n");
  for (const auto& r : rules) {
    std::printf("| `%.*s` | %.*s | %.*s |\n", static_cast<int>(r.id.size()), r.id.data(),
                static_cast<int>(r.cls.size()), r.cls.data(), static_cast<int>(r.description.size()),
                r.description.data());
  }
  return kExitOk;
}

int RunScrub(const std::string& input) {
  InputSource in;
  if (auto e = OpenInput(input, &in)) {
    std::fprintf(stderr, "telguard scrub: %s\n", e->c_str());
    return kExitInput;
  }
  HintIfTerminal("scrub", in);
  const auto& scrubber = redaction::Scrubber::Default();
  LineReader reader(in.fd, 1u << 20);
  std::string line, batch;
  std::uint64_t line_no = 0, batch_first = 0;
  // Lines are scrubbed in batches of about 64 KiB: a clean batch costs one
  // DFA pass (Scrubber::ScrubLines); one line out for every line in.
  auto flush = [&] {
    if (batch.empty()) return;
    batch.pop_back();  // the separator after the last line
    std::size_t failed = 0;
    auto r = scrubber.ScrubLines(batch, &failed);
    if (!r.ok) {
      // Keep the line count even when everything failed.
      const std::size_t n = static_cast<std::size_t>(std::count(batch.begin(), batch.end(), '\n')) + 1;
      r.text.clear();
      for (std::size_t i = 0; i < n; ++i) r.text += i ? "\n[REDACTED:scrub-failed]" : "[REDACTED:scrub-failed]";
      failed = n;
    }
    if (failed > 0) {
      std::fprintf(stderr, "telguard scrub: %zu line(s) from line %llu on could not be scrubbed, replaced\n",
                   failed, static_cast<unsigned long long>(batch_first));
    }
    std::fwrite(r.text.data(), 1, r.text.size(), stdout);
    std::fputc('\n', stdout);
    batch.clear();
  };
  for (;;) {
    const auto st = reader.Next(&line, &line_no);
    if (st == LineReader::Status::kEnd) break;
    if (st == LineReader::Status::kError) {
      flush();
      std::fprintf(stderr, "telguard scrub: %s: %s\n", in.name.c_str(), reader.error().c_str());
      return kExitInput;
    }
    if (st == LineReader::Status::kTooLong) {
      flush();
      std::fprintf(stderr, "telguard scrub: line %llu: longer than 1048576 bytes, replaced\n",
                   static_cast<unsigned long long>(line_no));
      std::fputs("[REDACTED:line-too-long]\n", stdout);
      continue;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (batch.empty()) batch_first = line_no;
    batch += line;
    batch.push_back('\n');
    if (batch.size() >= 64 * 1024) flush();
  }
  flush();
  return kExitOk;
}

}  // namespace

void AddInventory(Cli& cli) {
  auto format = std::make_shared<std::string>("md");
  auto profile = std::make_shared<std::string>();
  CLI::App* c = cli.Add("inventory", "what can leave the machine, and what never does",
                        [format, profile] { return RunInventory(*format, *profile); });
  AddFormatOption(c, format.get());
  c->add_option("--profile", *profile, "what the gateway's profile NAME lets out (claude-code, gemini-cli, ...)")
      ->type_name("NAME");
}

void AddRules(Cli& cli) {
  auto format = std::make_shared<std::string>("md");
  CLI::App* c = cli.Add("rules", "list the redaction rules", [format] { return RunRules(*format); });
  AddFormatOption(c, format.get());
}

void AddScrub(Cli& cli) {
  auto input = std::make_shared<std::string>("-");
  CLI::App* c = cli.Add("scrub", "remove credentials and personal data from text lines (one line out per line in)",
                        [input] { return RunScrub(*input); });
  AddInputOption(c, input.get(), "text lines");
}

}  // namespace telguard::cli
