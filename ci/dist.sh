#!/usr/bin/env bash
# Build release binaries and package them as dist/nskeys-<version>-<target>.tar.gz (Unix) or
# .zip (Windows), each holding nskeys[.exe], README.md, any LICENSE*/COPYING* files and, when
# the binary can write them (`nskeys man --dir DIR`), the man pages under man/; then
# dist/SHA256SUMS over the archives (`sha256sum -c SHA256SUMS` checks them).
#   ci/dist.sh [TARGET ...]
# Without TARGET: x86_64-unknown-linux-musl and x86_64-pc-windows-gnu, each only if its Rust
# standard library is installed (ci/install-cross.sh installs both). DIST_DIR (default dist)
# is emptied first. Archive contents are byte-for-byte reproducible for the same binaries:
# sorted entries, owner 0, and every time set to SOURCE_DATE_EPOCH (default: the last commit's).
# Runs on Linux and macOS (bash 3.2, no GNU-only tools); installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

dist=${DIST_DIR:-dist}
meta=$(cargo metadata --format-version 1 --no-deps)
version=$(python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "nskeys"))' <<<"$meta")
target_dir=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])' <<<"$meta")
# Only the packager sees it: cc (aws-lc's build) reruns when SOURCE_DATE_EPOCH changes, so
# exporting it to cargo would rebuild the C library on every run.
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 315532800)}

installed=$(rustup target list --installed)
if [ $# -gt 0 ]; then
  targets="$*"
else
  targets=
  for t in x86_64-unknown-linux-musl x86_64-pc-windows-gnu; do
    if grep -qx "$t" <<<"$installed"; then
      targets="$targets $t"
    else
      echo "dist: skipping $t (its standard library is not installed: ci/install-cross.sh)"
    fi
  done
fi
if [ -z "${targets// /}" ]; then
  echo "dist: no target to build: run ci/install-cross.sh, or name targets" >&2
  exit 1
fi

rm -rf "$dist"
mkdir -p "$dist"
stage=$(mktemp -d "${TMPDIR:-/tmp}/nskeys-dist.XXXXXX")
trap 'rm -rf "$stage"' EXIT

# Man pages come from a binary that runs here; nskeys writes them only if it has `man --dir`.
man_dir=
make_man() {
  [ -n "$man_dir" ] && return 0
  "$1" --version >/dev/null 2>&1 || return 0
  if "$1" man --dir "$stage/man" >/dev/null 2>&1 && ls "$stage/man"/*.1 >/dev/null 2>&1; then
    man_dir="$stage/man"
  fi
}

for target in $targets; do
  echo "dist: cargo build --release --locked --target $target"
  cargo build --release --locked --target "$target"
  exe=nskeys
  case "$target" in *windows*) exe=nskeys.exe ;; esac
  bin="$target_dir/$target/release/$exe"
  make_man "$bin"
  name="nskeys-$version-$target"
  root="$stage/$name"
  mkdir -p "$root"
  cp "$bin" "$root/$exe"
  cp README.md "$root/"
  for f in LICENSE* COPYING*; do [ -f "$f" ] && cp "$f" "$root/"; done
  case "$target" in
    *windows*) archive="$dist/$name.zip" ;;
    *) archive="$dist/$name.tar.gz" ;;
  esac
  if [ -z "$man_dir" ]; then
    echo "dist: no man pages in $name (this nskeys has no 'man --dir', or no built binary runs here)"
  fi
  SOURCE_DATE_EPOCH=$epoch python3 - "$root" "$archive" "${man_dir:-}" <<'PY'
import gzip, io, os, sys, tarfile, time, zipfile

root, archive, man_dir = sys.argv[1], sys.argv[2], sys.argv[3]
epoch = int(os.environ["SOURCE_DATE_EPOCH"])
top = os.path.basename(root)
entries = []  # (name in the archive, file on disk, mode)
for f in sorted(os.listdir(root)):
    mode = 0o755 if f in ("nskeys", "nskeys.exe") else 0o644
    entries.append((f"{top}/{f}", os.path.join(root, f), mode))
if man_dir:
    for f in sorted(os.listdir(man_dir)):
        entries.append((f"{top}/man/{f}", os.path.join(man_dir, f), 0o644))

if archive.endswith(".zip"):
    # Zip times are local date-times from 1980 on.
    stamp = time.gmtime(max(epoch, 315532800))[:6]
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for name, path, mode in entries:
            info = zipfile.ZipInfo(name, stamp)
            info.external_attr = (0o100000 | mode) << 16
            info.create_system = 3  # Unix, so that the mode above is honoured
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(path, "rb") as f:
                z.writestr(info, f.read())
else:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        dirs = sorted({os.path.dirname(n) for n, _, _ in entries})
        for d in dirs:
            info = tarfile.TarInfo(d)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, epoch
            t.addfile(info)
        for name, path, mode in entries:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = os.path.getsize(path), mode, epoch
            with open(path, "rb") as f:
                t.addfile(info, f)
    with open(archive, "wb") as out:
        with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as gz:
            gz.write(buf.getvalue())
print(f"dist: {archive} ({os.path.getsize(archive)} bytes)")
PY
done

python3 - "$dist" <<'PY'
import hashlib, os, sys
dist = sys.argv[1]
names = sorted(n for n in os.listdir(dist) if n.endswith((".tar.gz", ".zip")))
with open(os.path.join(dist, "SHA256SUMS"), "w") as out:
    for n in names:
        with open(os.path.join(dist, n), "rb") as f:
            out.write(f"{hashlib.sha256(f.read()).hexdigest()}  {n}\n")
print(f"dist: {dist}/SHA256SUMS ({len(names)} archives)")
PY
