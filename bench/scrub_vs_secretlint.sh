#!/usr/bin/env bash
# Whole-process comparison on one file: `telguard scrub` against secretlint
# (pinned in bench/secretlint, installed by `bash scripts/setup.sh bench`)
# masking the same text, in the same run. Text: agent log lines with 1% of
# lines carrying a credential or personal datum (bench/make_scrub_corpus.py).
# Reports CPU seconds (user+sys) and wall seconds, best of RUNS, and the ratio.
# usage: scrub_vs_secretlint.sh TELGUARD_BINARY [MEGABYTES=40] [RUNS=3]
set -euo pipefail
bin=$1 mb=${2:-40} runs=${3:-3}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sl=$here/secretlint/node_modules/.bin/secretlint
[ -x "$sl" ] || { echo "secretlint is not installed: run bash scripts/setup.sh bench" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/make_scrub_corpus.py" "$work/in.log" "$mb"
bytes=$(stat -c %s "$work/in.log")
# best CPU seconds (user+sys) and its wall seconds over $runs runs of "$@".
measure() {
  local best_cpu="" best_wall=""
  for _ in $(seq "$runs"); do
    local t
    t=$( { /usr/bin/env TIMEFORMAT='%U %S %R' bash -c 'time "$@" >/dev/null 2>&1 || true' _ "$@"; } 2>&1 | tail -1)
    local cpu wall
    cpu=$(awk '{print $1 + $2}' <<<"$t")
    wall=$(awk '{print $3}' <<<"$t")
    if [ -z "$best_cpu" ] || awk -v a="$cpu" -v b="$best_cpu" 'BEGIN{exit !(a<b)}'; then best_cpu=$cpu best_wall=$wall; fi
  done
  echo "$best_cpu $best_wall"
}
read -r t_cpu t_wall < <(measure "$bin" scrub --input "$work/in.log")
cp "$work/in.log" "$work/sl.log"
read -r s_cpu s_wall < <(measure "$sl" --secretlintrc "$here/secretlint/.secretlintrc.json" --format=mask-result --output="$work/sl.log" "$work/sl.log")
# The masked output must differ from the input: secretlint really ran.
cmp -s "$work/in.log" "$work/sl.log" && { echo "secretlint masked nothing: not a valid baseline" >&2; exit 1; }
awk -v b="$bytes" -v tc="$t_cpu" -v tw="$t_wall" -v sc="$s_cpu" -v sw="$s_wall" -v d="$(date -u +%F)" 'BEGIN{
  mb=b/1048576
  printf "scrub_vs_secretlint %s: %.1f MB, 1%% secret lines\n", d, mb
  printf "  telguard scrub: %.2f s CPU (%.0f MB/s), %.2f s wall\n", tc, mb/tc, tw
  printf "  secretlint:     %.2f s CPU (%.1f MB/s), %.2f s wall\n", sc, mb/sc, sw
  printf "  ratio (CPU): %.1fx, (wall): %.1fx\n", sc/tc, sw/tw }'
