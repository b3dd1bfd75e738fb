// Peak memory of `telguard check` over a large mixed file, in the same run as
// its baselines. It writes, in a temporary directory:
//   mixed.jsonl  SIZE MiB (argv[1], default 1024) of lines in a fixed rotation:
//                valid events of every kind (one in ten with error text that
//                gets scrubbed), 2 MiB lines over the 1 MiB cap, {"records":[...]}
//                lines of 1,000 events just under the cap, lines just under the
//                cap that build the largest documents the caps allow (empty
//                objects, short strings, 256-member objects), over-long strings,
//                deep nesting, broken JSON;
//   small.jsonl  64 MiB of the valid events alone (the baseline: what the
//                pipeline costs without the hostile lines);
// then runs `telguard check --input F --audit /dev/null` on each (stdout to
// /dev/null) and `telguard --help`, and reports ru_maxrss from wait4 with the
// CPU time. Target: <= 64 MB peak RSS on mixed.jsonl at 1024 MiB.
//
// usage: check_memory_bench [SIZE_MIB]
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

extern char** environ;

namespace {

std::string Event(std::size_t i) {
  static const char* const kKinds[] = {
      R"({"event":"tool","event_timestamp":1764021602300,"source":"agentcli","properties":{"action":"call","session_id":"s-7f3a9c","agent_name":"root","tool_name":"read_file","duration_ms":3,"is_success":true,"version":"1.18.3","os":"linux"}})",
      R"({"event":"token","event_timestamp":1764021602300,"source":"agentcli","properties":{"action":"usage","session_id":"s-7f3a9c","agent_name":"root","model_name":"gpt-4o","input_tokens":1200,"output_tokens":310,"total_tokens":1510,"cost":0.0123}})",
      R"({"event":"command","event_timestamp":1764021602300,"source":"agentcli","properties":{"action":"run","args":["--debug","fix the tests"],"is_success":true,"os":"linux"}})",
      R"({"event":"session","event_timestamp":1764021602300,"source":"agentcli","properties":{"action":"start","session_id":"s-7f3a9c","agent_name":"root"}})",
  };
  if (i % 10 == 9) {
    return R"({"event":"tool","event_timestamp":1764021602300,"source":"agentcli","properties":{"action":"call","session_id":"s-)" +
           std::to_string(i) +
           R"(","agent_name":"root","tool_name":"shell","duration_ms":41,"is_success":false,"error":"open /home/alice/src/shop/.env: permission denied, retry 3 of 5"}})";
  }
  return kKinds[i % 4];
}

// A line just under the 1 MiB cap: '{"properties":{"x":[' + units + ']}}', with
// at most 4,000 units per inner array (the item cap is 4,096).
std::string NearCap(const std::string& unit) {
  std::string inner = "[";
  for (int i = 0; i < 4000; ++i) inner += (i ? "," : "") + unit;
  inner += "]";
  std::string line = R"({"event":"tool","properties":{"x":[)";
  bool first = true;
  while (line.size() + inner.size() + 8 < (1u << 20)) {
    if (!first) line += ",";
    line += inner;
    first = false;
  }
  return line + "]}}";
}

// 256-member objects (the member cap) in one array, under the line cap.
std::string WideObjects(const std::string& wide) {
  std::string l = R"({"event":"tool","properties":{"x":[)";
  while (l.size() + wide.size() + 8 < (1u << 20)) l += (l.back() == '[' ? "" : ",") + wide;
  return l + "]}}";
}

std::vector<std::string> Hostile() {
  std::string wide = "{";
  for (int i = 0; i < 256; ++i) wide += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":1";
  wide += "}";
  std::string records = R"({"records":[)";
  for (std::size_t i = 0; i < 1000; ++i) records += (i ? "," : "") + Event(i);
  records += "]}";
  std::string deep(31, '[');
  deep += std::string(31, ']');
  return {
      std::string(R"({"event":"tool","x":")") + std::string(2u << 20, 'a') + "\"}",  // over the cap
      records,
      NearCap("{}"),
      NearCap("\"a\""),
      WideObjects(wide),
      std::string(R"({"event":"tool","event_timestamp":1,"source":"a","properties":{"error":")") +
          std::string(100000, 'b') + "\"}}",  // a string over the 64 KiB cap
      deep,
      R"({"event":"tool","properties":{"action":"call",)",  // broken
  };
}

bool Write(const std::string& path, std::size_t bytes, bool hostile) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return false;
  const std::vector<std::string> bad = hostile ? Hostile() : std::vector<std::string>{};
  std::size_t written = 0, i = 0, b = 0;
  while (written < bytes) {
    // One hostile line per 400 (about half the bytes are hostile).
    const std::string& line = (hostile && i % 400 == 399) ? bad[b++ % bad.size()] : Event(i);
    std::fwrite(line.data(), 1, line.size(), f);
    std::fputc('\n', f);
    written += line.size() + 1;
    ++i;
  }
  return std::fclose(f) == 0;
}

struct Run {
  long maxrss_kb = 0;
  double cpu_s = 0;
  bool ok = false;
};

Run Spawn(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  Run r;
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return r;
  int status = 0;
  rusage ru{};
  if (wait4(pid, &status, 0, &ru) != pid) return r;
  r.maxrss_kb = ru.ru_maxrss;
  r.cpu_s = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
            static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  r.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t mib = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1024;
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("telguard-memory-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string mixed = (dir / "mixed.jsonl").string(), small = (dir / "small.jsonl").string();
  if (!Write(mixed, mib << 20, true) || !Write(small, std::min<std::size_t>(mib, 64) << 20, false)) {
    std::fprintf(stderr, "cannot write the input files in %s\n", dir.c_str());
    std::filesystem::remove_all(dir);
    return 1;
  }
  struct Row {
    const char* name;
    Run run;
  };
  const Row rows[] = {
      {"telguard --help (binary and libraries)", Spawn({TELGUARD_BIN, "--help"})},
      {"check, valid events only (baseline)", Spawn({TELGUARD_BIN, "check", "--input", small, "--audit", "/dev/null"})},
      {"check, mixed input with hostile lines", Spawn({TELGUARD_BIN, "check", "--input", mixed, "--audit", "/dev/null"})},
  };
  std::filesystem::remove_all(dir);
  std::printf("mixed input: %zu MiB; valid-only baseline: %zu MiB\n", mib, std::min<std::size_t>(mib, 64));
  std::printf("%-42s %14s %10s\n", "process", "peak RSS MB", "CPU s");
  bool ok = true;
  for (const Row& r : rows) {
    std::printf("%-42s %14.1f %10.2f%s\n", r.name, static_cast<double>(r.run.maxrss_kb) / 1024.0, r.run.cpu_s,
                r.run.ok ? "" : "  (did not exit 0)");
    ok &= r.run.ok;
  }
  std::printf("target: <= 64 MB on the mixed input: %s\n",
              static_cast<double>(rows[2].run.maxrss_kb) / 1024.0 <= 64.0 ? "met" : "not met");
  return ok ? 0 : 1;
}
