#!/usr/bin/env bash
# Per-event cost of each free-text mode of this tree against the scrub-only
# pipeline as it was before the free-text policy (commit BEFORE, default
# 4b1272f, the last commit before it), in the same run, on the same event
# (bench/per_event_main.cc, bench/bench_event.h): instructions inside Pipeline::ProcessLine
# (callgrind; exact, not disturbed by other load) and CPU seconds for N
# events (RUNS alternating runs, median).
# usage: free_text_vs_before.sh [BEFORE=4b1272f] [N=50000] [RUNS=5]
# Needs git history, valgrind, and builds BEFORE's pipeline in a temporary
# worktree (a few minutes).
set -euo pipefail
before=${1:-4b1272f} n=${2:-50000} runs=${3:-5}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$work/before" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
command -v valgrind >/dev/null || { echo "valgrind is needed" >&2; exit 2; }

git -C "$root" worktree add --detach "$work/before" "$before" >/dev/null
build_tree() {  # build_tree SRC BUILD
  cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE=Release -DTELGUARD_BUILD_TESTS=OFF -DTELGUARD_BUILD_BENCH=OFF >/dev/null
  cmake --build "$2" -j "$(nproc)" --target telguard_pipeline >/dev/null
}
build_tree "$work/before" "$work/before/build"
build_tree "$root" "$work/now"
link() {  # link SRC BUILD OUT [defines...]
  local src=$1 b=$2 out=$3
  shift 3
  g++ -O2 -std=c++20 "$@" -I"$src" -I"$b" -I"$root" "$root/bench/per_event_main.cc" "$b/pipeline/libtelguard_pipeline.a" \
    "$b/redaction/libtelguard_redaction.a" "$b/libtelguard_schemas.a" $(pkg-config --libs re2) -lcrypto -lpthread \
    -o "$out"
}
link "$work/before" "$work/before/build" "$work/before_scrub"
for m in kScrub kTemplate kClass; do link "$root" "$work/now" "$work/now_$m" -DMODE="$m"; done
progs=(before_scrub now_kScrub now_kTemplate now_kClass)

instructions() {  # per event, warm-up excluded
  local a c
  valgrind --tool=callgrind --callgrind-out-file="$work/cg0" --toggle-collect='*ProcessLine*' "$work/$1" 0 >/dev/null 2>&1
  valgrind --tool=callgrind --callgrind-out-file="$work/cg1" --toggle-collect='*ProcessLine*' "$work/$1" 1000 >/dev/null 2>&1
  a=$(awk '/^(summary|totals):/ {print $2; exit}' "$work/cg0")
  c=$(awk '/^(summary|totals):/ {print $2; exit}' "$work/cg1")
  echo $(( (c - a) / 1000 ))
}
cpu() { { /usr/bin/time -f "%U %S" "$work/$1" "$n" >/dev/null; } 2>&1 | awk '{printf "%.3f", $1 + $2}'; }

declare -A ins times
for p in "${progs[@]}"; do ins[$p]=$(instructions "$p"); done
for _ in $(seq "$runs"); do
  for p in "${progs[@]}"; do times[$p]="${times[$p]:-} $(cpu "$p")"; done
done
printf "%-14s %14s %22s\n" "pipeline" "instr/event" "CPU s for $n (median)"
for p in "${progs[@]}"; do
  med=$(tr ' ' '\n' <<<"${times[$p]}" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf "%-14s %14s %22s   runs:%s\n" "$p" "${ins[$p]}" "$med" "${times[$p]}"
done
