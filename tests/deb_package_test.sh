#!/usr/bin/env bash
# Builds the .deb with CPack from the build tree and proves it installs and
# runs: apt resolves its dependencies on this Debian 12 system (simulated
# install), its files land under /usr, `telguard --version` answers, and the
# C example compiled against the packaged header and library delivers its
# events to a receiver on 127.0.0.1.
#
# Where the files are run from: with TELGUARD_DEB_INSTALL=1, as root, on a
# machine where no telguard package is installed (CI's fresh machine), the
# package is really installed with apt-get and purged at the end. Otherwise
# (a developer machine) it is unpacked with `dpkg -x` into a temporary root
# and run from there with LD_LIBRARY_PATH.
# usage: deb_package_test.sh BUILD_DIR SOURCE_DIR RECEIVER_BIN
set -euo pipefail
build=$1 src=$2 receiver=$3
work=$(mktemp -d /tmp/telguard-deb-XXXXXX)
installed=0
cleanup() {
  [ -n "${rpid:-}" ] && kill "$rpid" 2>/dev/null
  if [ "$installed" = 1 ]; then DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq telguard >/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$work" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/pkg" >/dev/null)
deb=$(ls "$work"/pkg/telguard_*.deb)
echo "built $(basename "$deb")"

depends=$(dpkg-deb -f "$deb" Depends)
for lib in libre2 libcurl zlib1g libc6 libstdc++6; do
  case "$depends" in *"$lib"*) ;; *) echo "FAIL: Depends lacks $lib: $depends"; exit 1 ;; esac
done
files=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/telguard ./usr/include/telguard/telguard.h ./usr/include/telguard/client.h ./usr/lib/libtelguard.a \
         ./usr/lib/pkgconfig/telguard.pc ./usr/share/man/man1/telguard.1 ./usr/share/doc/telguard/LICENSE \
         ./usr/share/bash-completion/completions/telguard; do
  printf '%s\n' "$files" | grep -qx -- "$f" || { echo "FAIL: $f not in the package"; exit 1; }
done
printf '%s\n' "$files" | grep -q '^./usr/lib/libtelguard.so.0' || { echo "FAIL: no libtelguard.so.0"; exit 1; }
dpkg-deb -I "$deb" postinst 2>/dev/null | grep -q ldconfig || { echo "FAIL: postinst does not run ldconfig"; exit 1; }

# apt resolves every dependency from the system's Debian 12 sources.
apt-get install -s "$deb" > "$work/apt.log" 2>&1 || { cat "$work/apt.log"; echo "FAIL: apt cannot install it"; exit 1; }
grep -q '^Inst telguard ' "$work/apt.log" || { cat "$work/apt.log"; echo "FAIL: apt would not install telguard"; exit 1; }

if [ "${TELGUARD_DEB_INSTALL:-0}" = 1 ] && [ "$(id -u)" = 0 ] && ! dpkg-query -W -f='${Status}' telguard 2>/dev/null | grep -q "install ok installed"; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >/dev/null
  installed=1
  root=""
  echo "installed with apt-get"
else
  root=$work/root
  dpkg -x "$deb" "$root"
  export LD_LIBRARY_PATH=$root/usr/lib
  echo "unpacked with dpkg -x into $root (set TELGUARD_DEB_INSTALL=1 as root to install it for real)"
fi

version=$("$root/usr/bin/telguard" --version)
[ "$version" = "telguard $(dpkg-deb -f "$deb" Version)" ] || { echo "FAIL: --version says '$version'"; exit 1; }
"$root/usr/bin/telguard" check --example > /dev/null 2>&1 || { echo "FAIL: telguard check --example"; exit 1; }

cc "$src/examples/c/session.c" -I"$root/usr/include" -L"$root/usr/lib" -ltelguard -o "$work/c_session"
# Compared as real paths: on a merged-/usr system the loader finds the
# package's library through /lib, a link to /usr/lib.
resolved=$(ldd "$work/c_session" | awk '/libtelguard/ {print $3}')
real=$(realpath -e "$resolved" 2>/dev/null || echo "$resolved")
case "$real" in "$(realpath "$root/usr/lib")/"*) ;; *) echo "FAIL: libtelguard resolved to '$resolved' ($real)"; exit 1 ;; esac

"$receiver" "$work/port" "$work/bodies" &
rpid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
export TELGUARD_ENDPOINT="http://127.0.0.1:$(cat "$work/port")/v1/events"
export HOME=$work/home XDG_CONFIG_HOME= XDG_STATE_HOME= TELGUARD_HIDE_NOTICE=1
unset TELEMETRY_ENABLED DO_NOT_TRACK TELGUARD_SPOOL || true
mkdir -p "$HOME"
"$work/c_session" > /dev/null
n=$(wc -l < "$work/bodies" 2>/dev/null || echo 0)
[ "$n" -ge 5 ] || { echo "FAIL: the C example delivered $n events, expected >= 5"; exit 1; }
echo "ok: $version from the package; the C example linked against it delivered $n events"
