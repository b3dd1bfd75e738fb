#!/usr/bin/env bash
# Installs telguard into a temporary prefix, then builds and runs the
# examples against the installed package: the C and C++ programs with
# pkg-config (shared, and the C one statically with pkg-config --static),
# both with find_package (and the C one with telguard::telguard_static), and
# the Python ctypes example. Each must deliver its events to a receiver on
# 127.0.0.1.
# usage: install_consumer_test.sh BUILD_DIR SOURCE_DIR RECEIVER_BIN
set -euo pipefail
build=$1 src=$2 receiver=$3
work=$(mktemp -d /tmp/telguard-install-XXXXXX)
cleanup() { [ -n "${rpid:-}" ] && kill "$rpid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
prefix=$work/prefix
libdir=$(dirname "$(find "$prefix" -name telguard.pc)")/..
export PKG_CONFIG_PATH=$libdir/pkgconfig
export LD_LIBRARY_PATH=$libdir

"$receiver" "$work/port" "$work/bodies" &
rpid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
export TELGUARD_ENDPOINT="http://127.0.0.1:$(cat "$work/port")/v1/events"
export HOME=$work/home XDG_CONFIG_HOME= XDG_STATE_HOME= TELGUARD_HIDE_NOTICE=1
unset TELEMETRY_ENABLED DO_NOT_TRACK TELGUARD_SPOOL || true
mkdir -p "$HOME"

expect_events() {  # expect_events NAME MIN_LINES
  local n
  n=$(wc -l < "$work/bodies" 2>/dev/null || echo 0)
  if [ "$n" -lt "$2" ]; then echo "FAIL: $1 delivered $n events, expected >= $2"; exit 1; fi
  # What the examples planted in arguments and errors never arrives.
  if grep -q -e "summarise the open" -e "flaky test" -e "alice" -e "agent.yaml" "$work/bodies"; then
    echo "FAIL: $1: a prompt, path or user name reached the receiver"; exit 1
  fi
  echo "ok: $1 delivered $n events"
  : > "$work/bodies"
}

cc "$src/examples/c/session.c" $(pkg-config --cflags --libs telguard) -o "$work/c_shared"
"$work/c_shared"
expect_events "C (pkg-config, shared)" 5

c++ -std=c++17 "$src/examples/cpp/session.cc" $(pkg-config --cflags --libs telguard) -o "$work/cpp_shared"
"$work/cpp_shared"
expect_events "C++ (pkg-config, shared)" 8

# Static, with nothing but `pkg-config --static`: a copy of the prefix that
# holds libtelguard.a and no shared library, so the link cannot fall back to
# the .so; every other flag (re2, curl, zlib, -lm, -lstdc++) comes from the
# .pc file.
rel=$(realpath --relative-to="$prefix" "$libdir")
static=$work/static-prefix
mkdir -p "$static/$rel/pkgconfig"
cp "$libdir/libtelguard.a" "$static/$rel/"
cp "$libdir/pkgconfig/telguard.pc" "$static/$rel/pkgconfig/"
cp -r "$prefix/include" "$static/include"
cc "$src/examples/c/session.c" $(PKG_CONFIG_PATH="$static/$rel/pkgconfig" pkg-config --static --cflags --libs telguard) \
  -o "$work/c_static"
if ldd "$work/c_static" | grep -q libtelguard; then echo "FAIL: the static link used libtelguard.so"; exit 1; fi
"$work/c_static"
expect_events "C (static, pkg-config --static)" 5

cmake -S "$src/examples" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/consumer" >/dev/null
"$work/consumer/c_session"
"$work/consumer/cpp_session"
expect_events "find_package(telguard) consumers" 13
[ -x "$work/consumer/c_session_static" ] || { echo "FAIL: telguard::telguard_static was not defined"; exit 1; }
if ldd "$work/consumer/c_session_static" | grep -q libtelguard; then echo "FAIL: telguard_static linked the .so"; exit 1; fi
"$work/consumer/c_session_static"
expect_events "find_package(telguard) telguard::telguard_static" 5

if command -v python3 >/dev/null; then
  # ctypes mirrors struct telguard_options by hand: a field missing there
  # makes the library read past the caller's struct, so the two lists must
  # match, in order.
  python3 - "$prefix/include/telguard/telguard.h" "$src/examples/python/session.py" <<'PY'
import re, sys
header, example = (open(p).read() for p in sys.argv[1:])
body = re.search(r"typedef struct telguard_options \{(.*?)\} telguard_options;", header, re.S).group(1)
c_fields = re.findall(r"^\s*(?:const char\*|int)\s+(\w+);", body, re.M)
py_fields = re.findall(r'"(\w+)"', re.search(r"class Options.*?\n\n", example, re.S).group(0))
if c_fields != py_fields:
    sys.exit(f"FAIL: examples/python/session.py Options fields {py_fields} differ from telguard_options {c_fields}")
print(f"ok: the Python Options mirrors telguard_options ({len(c_fields)} fields)")
PY
  TELGUARD_LIBRARY=$libdir/libtelguard.so python3 "$src/examples/python/session.py"
  expect_events "Python ctypes" 4
fi

# The man page and shell completions come with the binary; the installed
# binary answers --version.
for f in share/man/man1/telguard.1 share/bash-completion/completions/telguard share/zsh/vendor-completions/_telguard; do
  [ -s "$prefix/$f" ] || { echo "FAIL: $f not installed"; exit 1; }
done
grep -qF -- '\-\-input' "$prefix/share/man/man1/telguard.1" || { echo "FAIL: the man page lists no options"; exit 1; }
"$prefix/bin/telguard" --version | grep -q '^telguard [0-9]' || { echo "FAIL: telguard --version"; exit 1; }
echo "ok: man page, completions and telguard --version installed"

echo "all consumers built against the installed package and delivered their events"
