// telguard inventory | rules | scrub: what is collected, what is removed, and
// the scrubber on its own.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/input.h"
#include "pipeline/pipeline.h"
#include "redaction/scrubber.h"

namespace telguard::cli {
namespace {

std::optional<std::string> Format(int argc, char** argv, const char* cmd) {
  std::string err;
  auto args = ParseArgs(argc, argv, 2, {"format"}, {}, &err);
  const std::string f = args ? args->Get("format").value_or("md") : "";
  if (!args || !args->positional.empty() || (f != "md" && f != "json")) {
    std::fprintf(stderr, "telguard %s: %s\nusage: telguard %s [--format md|json]\n", cmd,
                 !args ? err.c_str() : "format must be md or json", cmd);
    return std::nullopt;
  }
  return f;
}

}  // namespace

int Inventory(int argc, char** argv) {
  auto format = Format(argc, argv, "inventory");
  if (!format) return kExitUsage;
  std::string err;
  auto pipeline = Pipeline::Create({}, &err);
  if (!pipeline) {
    std::fprintf(stderr, "telguard inventory: %s\n", err.c_str());
    return kExitInput;
  }
  const std::string out = *format == "md" ? pipeline->allowlist().InventoryMarkdown()
                                          : pipeline->allowlist().InventoryJson().dump(2) + "\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

int Rules(int argc, char** argv) {
  auto format = Format(argc, argv, "rules");
  if (!format) return kExitUsage;
  const auto rules = redaction::Scrubber::Default().rules();
  if (*format == "json") {
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (const auto& r : rules) {
      j.push_back({{"id", r.id}, {"class", r.cls}, {"description", r.description}});
    }
    std::printf("%s\n", j.dump(2).c_str());
    return kExitOk;
  }
  std::size_t credentials = 0;
  for (const auto& r : rules) credentials += redaction::IsCredential(r);
  std::printf("%zu rules: %zu credential, %zu personal data. Each match becomes [REDACTED:<id>].\n\n",
              rules.size(), credentials, rules.size() - credentials);
  std::printf("| id | class | description |\n|---|---|---|\n");
  for (const auto& r : rules) {
    std::printf("| `%.*s` | %.*s | %.*s |\n", static_cast<int>(r.id.size()), r.id.data(),
                static_cast<int>(r.cls.size()), r.cls.data(), static_cast<int>(r.description.size()),
                r.description.data());
  }
  return kExitOk;
}

int Scrub(int argc, char** argv) {
  std::string err;
  auto args = ParseArgs(argc, argv, 2, {"input"}, {}, &err);
  if (!args || !args->positional.empty()) {
    std::fprintf(stderr, "telguard scrub: %s\nusage: telguard scrub [--input PATH|-]\n",
                 args ? "unexpected argument" : err.c_str());
    return kExitUsage;
  }
  InputSource in;
  if (auto e = OpenInput(args->Get("input").value_or("-"), &in)) {
    std::fprintf(stderr, "telguard scrub: %s\n", e->c_str());
    return kExitInput;
  }
  const auto& scrubber = redaction::Scrubber::Default();
  LineReader reader(in.fd, 1u << 20);
  std::string line;
  std::uint64_t line_no = 0;
  for (;;) {
    const auto st = reader.Next(&line, &line_no);
    if (st == LineReader::Status::kEnd) break;
    if (st == LineReader::Status::kError) {
      std::fprintf(stderr, "telguard scrub: %s: %s\n", in.name.c_str(), reader.error().c_str());
      return kExitInput;
    }
    // One line out for every line in, whatever happens to it.
    if (st == LineReader::Status::kTooLong) {
      std::fprintf(stderr, "telguard scrub: line %llu: longer than 1048576 bytes, replaced\n",
                   static_cast<unsigned long long>(line_no));
      std::fputs("[REDACTED:line-too-long]\n", stdout);
      continue;
    }
    const bool cr = !line.empty() && line.back() == '\r';
    if (cr) line.pop_back();
    auto r = scrubber.Scrub(line);
    if (!r.ok) {
      std::fprintf(stderr, "telguard scrub: line %llu: could not be scrubbed, replaced\n",
                   static_cast<unsigned long long>(line_no));
      std::fputs("[REDACTED:scrub-failed]\n", stdout);
      continue;
    }
    // A decoded secret may have carried a newline; keep one line per line.
    for (char& c : r.text) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    std::fwrite(r.text.data(), 1, r.text.size(), stdout);
    std::fputc('\n', stdout);
  }
  return kExitOk;
}

}  // namespace telguard::cli
