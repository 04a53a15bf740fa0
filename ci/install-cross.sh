#!/usr/bin/env bash
# Install what the cross builds and their checks need, and nothing that is already there:
#   ci/install-cross.sh [windows] [musl]      (no argument: both)
# windows: the x86_64-pc-windows-gnu standard library, the MinGW C compiler (for the TLS
#          library's C code and the ProcessPrng stand-in DLL), Wine, and the judges the smoke
#          suite uses (openssl, PyJWT + cryptography).
# musl:    the x86_64-unknown-linux-musl standard library, musl-gcc, and `file`.
# Debian/Ubuntu with apt-get, run as root (as CI is). Safe to run again: it only installs what
# is missing. Measured on a 2-core machine: rustup targets 7 s, mingw 18 s, wine64 42 s,
# musl-tools 6 s (after apt-get update, 2 s).
set -euo pipefail

want_windows=0
want_musl=0
[ $# -eq 0 ] && set -- windows musl
for a in "$@"; do
  case "$a" in
    windows) want_windows=1 ;;
    musl) want_musl=1 ;;
    *) echo "install-cross.sh: unknown part '$a' (windows, musl)" >&2; exit 2 ;;
  esac
done

targets=()
packages=()
installed_targets=$(rustup target list --installed)
need_target() { grep -qx "$1" <<<"$installed_targets" || targets+=("$1"); }
need_cmd() { command -v "$1" >/dev/null 2>&1 || packages+=("$2"); }

if [ $want_windows = 1 ]; then
  need_target x86_64-pc-windows-gnu
  need_cmd x86_64-w64-mingw32-gcc gcc-mingw-w64-x86-64
  [ -x /usr/lib/wine/wine64 ] || packages+=(wine64)
  need_cmd openssl openssl
  need_cmd python3 python3
fi
if [ $want_musl = 1 ]; then
  need_target x86_64-unknown-linux-musl
  need_cmd musl-gcc musl-tools
  need_cmd file file
fi

if [ ${#targets[@]} -gt 0 ]; then
  echo "install-cross: rustup target add ${targets[*]}"
  rustup target add "${targets[@]}"
fi
if [ ${#packages[@]} -gt 0 ]; then
  echo "install-cross: apt-get install ${packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${packages[@]}"
fi
if [ $want_windows = 1 ] && ! python3 -c 'import jwt, cryptography' >/dev/null 2>&1; then
  echo "install-cross: pip install pyjwt cryptography"
  pip_install=(python3 -m pip install --quiet --disable-pip-version-check pyjwt cryptography)
  # A Debian-managed Python (PEP 668) needs the override; a venv or pyenv one does not.
  "${pip_install[@]}" || "${pip_install[@]}" --break-system-packages
fi
echo "install-cross: ready ($*)"
