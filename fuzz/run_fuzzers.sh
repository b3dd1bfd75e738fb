#!/usr/bin/env bash
# Runs every fuzz target for a bounded time. Any finding fails the run and
# leaves the input in $OUT/<target>/ (commit it to fuzz/regressions/<target>/
# once fixed).
# usage: run_fuzzers.sh FUZZ_BUILD_DIR SECONDS_PER_TARGET [OUT_DIR]
set -uo pipefail
build=$1 secs=$2 out=${3:-$(mktemp -d /tmp/telguard-fuzz-XXXXXX)}
src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
status=0
for target in pipeline_leak scrub_property input_robustness response; do
  mkdir -p "$out/$target/corpus"
  log="$out/$target/log"
  "$build/fuzz/${target}_fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -dict="$src/dict/telguard.dict" -artifact_prefix="$out/$target/" \
    "$out/$target/corpus" "$src/corpus/$target" "$src/regressions/$target" >"$log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  if [ $rc -ne 0 ]; then
    echo "fuzz $target: FAILED after $execs executions (exit $rc); see $log"
    grep -m3 -E "LEAK ORACLE|ERROR|SUMMARY" "$log"
    status=1
  else
    echo "fuzz $target: clean, $execs executions in ${secs}s"
  fi
done
exit $status
