#!/usr/bin/env bash
# Runs every fuzz target for a bounded time, two at a time (CI has 2 cores).
# Any finding fails the run and leaves the input in $OUT/<target>/ (commit it
# to fuzz/regressions/<target>/ once fixed).
# usage: run_fuzzers.sh FUZZ_BUILD_DIR SECONDS_PER_TARGET [OUT_DIR]
set -uo pipefail
build=$1 secs=$2 out=${3:-$(mktemp -d /tmp/telguard-fuzz-XXXXXX)}
src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

run_one() {
  local target=$1
  mkdir -p "$out/$target/corpus"
  local log="$out/$target/log"
  local dirs=("$out/$target/corpus" "$src/corpus/$target")
  [ -d "$src/regressions/$target" ] && dirs+=("$src/regressions/$target")  # git keeps no empty folder
  "$build/fuzz/${target}_fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -dict="$src/dict/telguard.dict" -artifact_prefix="$out/$target/" "${dirs[@]}" >"$log" 2>&1
  local rc=$?
  local execs
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  if [ $rc -ne 0 ]; then
    echo "fuzz $target: FAILED after $execs executions (exit $rc); see $log"
    grep -a -m3 -E "LEAK ORACLE|ERROR|SUMMARY" "$log" | cut -c1-300
    return 1
  fi
  echo "fuzz $target: clean, $execs executions in ${secs}s"
}

status=0
for pair in "pipeline_leak scrub_property" "input_robustness response" "screen_equivalence fast_path_equivalence" \
            "otlp_decoder format_free_leak" "template_property"; do
  pids=()
  for target in $pair; do
    run_one "$target" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || status=1; done
done
exit $status
