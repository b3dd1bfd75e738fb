#!/usr/bin/env bash
# SECURITY.md names, for every guarantee, the tests that prove it. This test
# fails when a named test (or fuzz target, or regression input) does not
# exist, so a renamed or deleted test cannot leave a guarantee unproven.
# usage: security_doc_test.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$1 src=$2
names=$(cd "$build" && ctest -N | sed -n 's/^ *Test *#[0-9]*: //p')
[ -n "$names" ] || { echo "ctest lists no tests in $build"; exit 1; }
fail=0 checked=0
# Test names: `Suite.Name`, `Prefix/Suite.Name/param`, `Suite.*`.
while read -r t; do
  re=$(printf '%s' "$t" | sed 's/[.]/\\./g; s/[*]/.*/g')
  if ! grep -qE "^${re}(\$|[/ ])" <<<"$names"; then
    echo "SECURITY.md names a test that does not exist: $t"
    fail=1
  fi
  checked=$((checked + 1))
done < <(grep -o '`[^`]*`' "$src/SECURITY.md" | tr -d '`' |
         grep -E '^[A-Z][A-Za-z0-9_]*(/[A-Za-z0-9_]+)?\.[A-Za-z0-9_*/.-]+$' | sort -u)
# Fuzz targets: "fuzz target `name`".
while read -r f; do
  if [ ! -f "$src/fuzz/${f}_fuzzer.cc" ]; then
    echo "SECURITY.md names a fuzz target that does not exist: $f"
    fail=1
  fi
  checked=$((checked + 1))
done < <(grep -oE 'fuzz targets? `[a-z_]+`' "$src/SECURITY.md" | grep -oE '`[a-z_]+`' | tr -d '`' | sort -u)
# Regression inputs: "`target` regression `name`".
while read -r target name; do
  if ! ls "$src/fuzz/regressions/$target" 2>/dev/null | grep -q "$name"; then
    echo "SECURITY.md names a regression input that does not exist: $target/$name"
    fail=1
  fi
  checked=$((checked + 1))
done < <(grep -oE '`[a-z_]+` regression `[a-z0-9-]+`' "$src/SECURITY.md" | tr -d '`' | sed 's/ regression / /')
echo "checked $checked references"
[ "$checked" -ge 30 ] || { echo "too few references found: the parser no longer reads SECURITY.md"; exit 1; }
exit $fail
