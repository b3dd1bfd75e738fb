// Helpers shared by the tests: deterministic randomness, secret-shaped values
// built at run time, and running the telguard binary as a real process.
#ifndef TELGUARD_TESTS_TEST_UTIL_H_
#define TELGUARD_TESTS_TEST_UTIL_H_

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "redaction/samples.h"

namespace telguard::testing {

inline redaction::RandomSource Rng(std::uint32_t seed) {
  auto engine = std::make_shared<std::mt19937>(seed);
  return [engine] { return static_cast<std::uint32_t>((*engine)()); };
}

// A credential-shaped value assembled from pieces at run time (never a
// committed literal): prefix + random body from `alphabet`.
inline std::string Token(const std::string& prefix, std::string_view alphabet, int n, std::uint32_t seed) {
  auto rnd = Rng(seed);
  std::string s = prefix;
  for (int i = 0; i < n; ++i) s.push_back(alphabet[rnd() % alphabet.size()]);
  return s;
}

// A fresh private directory under /tmp, removed with everything in it.
class ScopedTempDir {
 public:
  explicit ScopedTempDir(const std::string& tag) {
    std::string t = "/tmp/telguard-" + tag + "-XXXXXX";
    path_ = mkdtemp(t.data());
  }
  ~ScopedTempDir() { std::filesystem::remove_all(path_); }
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream f(path, std::ios::binary);
  f << content;
}

struct ProcessResult {
  int exit_code = -1;
  std::string out, err;
};

// Runs argv with `input` on stdin; captures stdout and stderr through files.
inline ProcessResult RunProcess(const std::vector<std::string>& argv, const std::string& input,
                         const std::vector<std::string>& env = {}) {
  char dir_tmpl[] = "/tmp/telguard-test-XXXXXX";
  const std::string dir = mkdtemp(dir_tmpl);
  const std::string in = dir + "/in", out = dir + "/out", err = dir + "/err";
  WriteFile(in, input);
  const pid_t pid = fork();
  if (pid == 0) {
    freopen(in.c_str(), "r", stdin);
    freopen(out.c_str(), "w", stdout);
    freopen(err.c_str(), "w", stderr);
    for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ProcessResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = ReadFile(out);
  r.err = ReadFile(err);
  std::remove(in.c_str());
  std::remove(out.c_str());
  std::remove(err.c_str());
  rmdir(dir.c_str());
  return r;
}

inline std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> v;
  std::stringstream ss(s);
  std::string line;
  while (std::getline(ss, line)) v.push_back(line);
  return v;
}

}  // namespace telguard::testing

#endif  // TELGUARD_TESTS_TEST_UTIL_H_
