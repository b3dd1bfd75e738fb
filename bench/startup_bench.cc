// Start-up cost of a whole process, in the same run as its baseline: CPU
// time (user + system, from wait4's rusage) and wall time of
//   telguard check --input ONE_EVENT     (everything up to and including the
//                                         first event's request body)
//   telguard --help                      (nothing compiled at all)
//   jq -c . ONE_EVENT                    (the baseline: reformat the same line)
// each run N times (argv[1], default 40), medians and 90th percentiles.
// Target: telguard check <= 10 ms of CPU for the first event.
//
// usage: startup_bench [RUNS]   (jq from PATH; skipped with a note if absent)
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

struct Sample {
  double cpu_ms = 0;
  double wall_ms = 0;
};

// Runs argv once with stdout and stderr on /dev/null; false when it could not
// start or did not exit 0.
bool RunOnce(const std::vector<std::string>& argv, Sample* s) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  const auto t0 = std::chrono::steady_clock::now();
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return false;
  int status = 0;
  rusage ru{};
  if (wait4(pid, &status, 0, &ru) != pid) return false;
  const auto t1 = std::chrono::steady_clock::now();
  auto ms = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) * 1e3 + static_cast<double>(tv.tv_usec) / 1e3; };
  s->cpu_ms = ms(ru.ru_utime) + ms(ru.ru_stime);
  s->wall_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

double Quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}

struct Row {
  std::string name;
  double cpu_p50 = 0, cpu_p90 = 0, wall_p50 = 0;
};

bool Measure(const std::string& name, const std::vector<std::string>& argv, int runs, std::vector<Row>* rows) {
  std::vector<double> cpu, wall;
  Sample s;
  if (!RunOnce(argv, &s)) {  // warm the page cache; also checks it runs
    std::printf("%-34s could not run (%s)\n", name.c_str(), argv[0].c_str());
    return false;
  }
  for (int i = 0; i < runs; ++i) {
    if (!RunOnce(argv, &s)) {
      std::printf("%-34s failed on run %d\n", name.c_str(), i);
      return false;
    }
    cpu.push_back(s.cpu_ms);
    wall.push_back(s.wall_ms);
  }
  rows->push_back({name, Quantile(cpu, 0.5), Quantile(cpu, 0.9), Quantile(wall, 0.5)});
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 40;
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("telguard-startup-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string event = (dir / "one.jsonl").string();
  std::ofstream(event) << R"({"event":"tool","event_timestamp":1764021602300,"source":"agentcli",)"
                       << R"("properties":{"action":"call","session_id":"s-7f3a9c","agent_name":"root",)"
                       << R"("tool_name":"read_file","duration_ms":3,"is_success":false,)"
                       << R"("error":"open /home/alice/src/.env: permission denied","version":"1.18.3","os":"linux"}})"
                       << "\n";
  std::vector<Row> rows;
  bool ok = Measure("telguard check (one event)", {TELGUARD_BIN, "check", "--input", event}, runs, &rows);
  ok &= Measure("telguard --help", {TELGUARD_BIN, "--help"}, runs, &rows);
  const bool jq = Measure("jq -c . (same event, baseline)", {"jq", "-c", ".", event}, runs, &rows);
  std::filesystem::remove_all(dir);

  std::printf("%d runs each; CPU = user + system of the process (wait4 rusage)\n", runs);
  std::printf("%-34s %12s %12s %12s\n", "process", "CPU p50 ms", "CPU p90 ms", "wall p50 ms");
  for (const Row& r : rows) {
    std::printf("%-34s %12.2f %12.2f %12.2f\n", r.name.c_str(), r.cpu_p50, r.cpu_p90, r.wall_p50);
  }
  if (jq && !rows.empty()) {
    std::printf("telguard check / jq CPU (p50): %.1fx\n", rows.front().cpu_p50 / rows.back().cpu_p50);
  } else {
    std::printf("jq not found: install it (scripts/setup.sh does) for the baseline\n");
  }
  std::printf("target: telguard check <= 10 ms CPU to the first event: %s\n",
              rows.empty() ? "?" : rows.front().cpu_p50 <= 10.0 ? "met" : "not met");
  return ok ? 0 : 1;
}
