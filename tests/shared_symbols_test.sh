#!/usr/bin/env bash
# libtelguard.so exports the public API and nothing else: every dynamic
# symbol it defines is a C function of client/telguard.h or a function of the
# C++ API in client/client.h, and every C function the header declares is
# exported.
# usage: shared_symbols_test.sh LIBTELGUARD_SO SOURCE_DIR
set -euo pipefail
lib=$1 src=$2
symbols=$(nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | c++filt | sort -u)
count=$(printf '%s\n' "$symbols" | grep -c .)
allowed='^(telguard_[a-z_]+|telguard::(Client::(Create|~Client|TrackCommand|RecordSessionStart|RecordToolCall|RecordTokenUsage|RecordError|RecordSessionEnd|EstimateCost|stats|holding_for_notice)|TrackCommand|RecordSessionStart|RecordToolCall|RecordTokenUsage|RecordError|RecordSessionEnd)\(.*)$'
extra=$(printf '%s\n' "$symbols" | grep -Ev "$allowed" || true)
if [ -n "$extra" ]; then
  echo "FAIL: libtelguard.so exports symbols outside the public API ($(printf '%s\n' "$extra" | wc -l) of $count):"
  printf "%s\n" "$extra" | head -5 | cut -c1-200
  exit 1
fi
missing=0
for fn in $(grep -o 'telguard_[a-z_]*(' "$src/client/telguard.h" | tr -d '(' | sort -u); do
  if ! printf '%s\n' "$symbols" | grep -qx "$fn"; then echo "FAIL: $fn (client/telguard.h) is not exported"; missing=1; fi
done
for fn in Client::Create TrackCommand RecordSessionEnd; do
  if ! printf '%s\n' "$symbols" | grep -q "^telguard::$fn("; then echo "FAIL: telguard::$fn is not exported"; missing=1; fi
done
[ "$missing" -eq 0 ] || exit 1
echo "ok: libtelguard.so exports $count symbols, all public API"
