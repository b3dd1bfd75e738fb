#!/bin/sh
# Passes only when the replay binary dies by a signal (the oracle's
# __builtin_trap) after printing "LEAK ORACLE".
# usage: expect_trap.sh BINARY INPUT...
bin=$1
shift
out=$("$bin" "$@" 2>&1)
rc=$?
if [ "$rc" -gt 128 ] && printf '%s' "$out" | grep -q "LEAK ORACLE"; then
  echo "the oracle trapped as it must (exit $rc)"
  exit 0
fi
echo "expected the leak oracle to trap, got exit $rc:"
printf '%s\n' "$out" | head -20
exit 1
