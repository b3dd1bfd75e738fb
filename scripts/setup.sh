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
# FUZZ_SECONDS (per fuzz target in `test`, default 60).
set -euo pipefail

mode=${1:-}
case "$mode" in demo|test|deps) ;; *) echo "usage: bash scripts/setup.sh demo|test" >&2; exit 2 ;; esac

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
jobs=${JOBS:-$(nproc)}

packages=(
  build-essential cmake pkg-config
  libvalijson-dev nlohmann-json3-dev libre2-dev libcurl4-openssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcpp-httplib-dev libssl-dev
  clang libclang-rt-14-dev llvm openssl python3
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

build() {  # build <dir> [cmake args...]
  local dir=$1
  shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
}

install_deps
[ "$mode" = deps ] && exit 0

if [ "$mode" = demo ]; then
  build build
  echo "== telguard check --example: the request bodies that would be sent =="
  ./build/telguard check --example
  exit 0
fi

# test
start=$(date +%s)
echo "== release build and test suite =="
build build
(cd build && ctest -j "$jobs" --output-on-failure --timeout 600)
echo "== done in $(( $(date +%s) - start ))s =="
