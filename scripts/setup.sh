#!/usr/bin/env bash
# telguard set-up for a fresh Debian 12 machine. Idempotent, non-interactive.
#
#   bash scripts/setup.sh demo   install, build, run `telguard check` on the
#                                bundled example session
#   bash scripts/setup.sh test   install, build, run every test (release,
#                                then the sanitizer suite, then each fuzzer
#                                for a bounded time)
#
# Environment: JOBS (parallel build jobs, default: number of cores),
# FUZZ_SECONDS (per fuzz target in `test`, default 30).
set -euo pipefail

mode=${1:-}
case "$mode" in demo|test|deps|bench) ;; *) echo "usage: bash scripts/setup.sh demo|test|bench" >&2; exit 2 ;; esac

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
jobs=${JOBS:-$(nproc)}

packages=(
  build-essential cmake pkg-config
  libvalijson-dev nlohmann-json3-dev libre2-dev libcurl4-openssl-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcpp-httplib-dev libssl-dev libsqlite3-dev
  libprotobuf-dev protobuf-compiler wrk
  clang libclang-rt-14-dev llvm openssl python3
  libcli11-dev chromium zsh
  jq
)

install_deps() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "setup: all packages present"
    return
  fi
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "setup: installing ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() {  # build <dir> [cmake -D args...] [--target t...]
  local dir=$1
  shift
  local defs=() targets=()
  while [ $# -gt 0 ]; do
    if [ "$1" = --target ]; then shift; targets=(--target "$@"); break; fi
    defs+=("$1")
    shift
  done
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "${defs[@]}" >/dev/null
  cmake --build "$dir" -j "$jobs" "${targets[@]}"
}

# The OpenTelemetry JS SDK's exporters drive the gateway's end-to-end tests
# (pinned in tests/otel-js/package-lock.json).
install_js_deps() {
  if ! command -v npm >/dev/null 2>&1; then
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm
  fi
  (cd tests/otel-js && npm ci --no-audit --no-fund --loglevel=error)
}

install_deps
[ "$mode" = test ] && install_js_deps
[ "$mode" = deps ] && exit 0

# bench: the scrub benchmarks, with secretlint (npm, pinned by
# bench/secretlint/package-lock.json) as the whole-process baseline.
if [ "$mode" = bench ]; then
  build build -DTELGUARD_BUILD_BENCH=ON --target telguard scrub_bench
  (cd bench/secretlint && npm ci --no-audit --no-fund)
  ./build/bench/scrub_bench
  bash bench/scrub_vs_secretlint.sh ./build/telguard "${SCRUB_MB:-40}" 3
  exit 0
fi

if [ "$mode" = demo ]; then
  build build
  echo "== telguard check --example: the request bodies that would be sent =="
  ./build/telguard check --example
  exit 0
fi

# test
start=$(date +%s)
stage() { echo "== $1 ($(( $(date +%s) - start ))s) =="; }

stage "release build and the whole test suite"
build build -DTELGUARD_BUILD_BENCH=ON -DTELGUARD_WERROR=ON
# Package.DebInstallsAndRuns really installs the .deb on this (fresh CI)
# machine and removes it again when run as root.
(cd build && TELGUARD_DEB_INSTALL=1 ctest -j "$jobs" --output-on-failure --timeout 600)

stage "clang 14 ASan+UBSan build of everything (library, CLI, tests, benches), warnings as errors, and the test suite under it"
# The install-consumer and package tests link uninstrumented programs against
# the library or build the .deb; they run in the release build above.
# -O1 keeps sanitizer builds quick (tests themselves are built at -O0).
CC=clang CXX=clang++ build build-asan -DTELGUARD_SANITIZE=address -DTELGUARD_BUILD_BENCH=ON -DTELGUARD_WERROR=ON \
  -DCMAKE_CXX_FLAGS_RELEASE=-O1 -DCMAKE_C_FLAGS_RELEASE=-O1
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
   ctest -j "$jobs" --output-on-failure --timeout 900 -E "InstallConsumer|Package")

stage "ThreadSanitizer build: the tests that run many threads at once"
build build-tsan -DTELGUARD_SANITIZE=thread -DTELGUARD_BUILD_BENCH=OFF -DCMAKE_CXX_FLAGS_RELEASE=-O1 \
  --target telguard sender_test delivery_test client_test pipeline_test state_test
TSAN_OPTIONS="halt_on_error=1 suppressions=$root/tests/tsan.supp" ./build-tsan/tests/sender_test --gtest_filter='*Thread*:*Healthy*'
TSAN_OPTIONS="halt_on_error=1 suppressions=$root/tests/tsan.supp" ./build-tsan/tests/delivery_test
TSAN_OPTIONS="halt_on_error=1 suppressions=$root/tests/tsan.supp" ./build-tsan/tests/client_test --gtest_filter='*Thread*:*Concurrent*'
TSAN_OPTIONS="halt_on_error=1 suppressions=$root/tests/tsan.supp" ./build-tsan/tests/pipeline_test --gtest_filter='*Thread*'
TSAN_OPTIONS="halt_on_error=1 suppressions=$root/tests/tsan.supp" ./build-tsan/tests/state_test --gtest_filter='*Thread*'

stage "libFuzzer targets (clang, ASan+UBSan), ${FUZZ_SECONDS:-30}s each, two at a time"
CC=clang CXX=clang++ build build-fuzz -DTELGUARD_FUZZ=ON -DTELGUARD_BUILD_TESTS=OFF -DTELGUARD_BUILD_BENCH=OFF -DTELGUARD_WERROR=ON \
  --target pipeline_leak_fuzzer scrub_property_fuzzer input_robustness_fuzzer response_fuzzer \
  screen_equivalence_fuzzer fast_path_equivalence_fuzzer otlp_decoder_fuzzer \
  format_free_leak_fuzzer template_property_fuzzer
bash fuzz/run_fuzzers.sh build-fuzz "${FUZZ_SECONDS:-30}"

stage "all passed"
