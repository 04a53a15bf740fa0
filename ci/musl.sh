#!/usr/bin/env bash
# Build the static Linux binary (x86_64-unknown-linux-musl) and check what the README and the
# Dockerfile claim of it: `file` says it is statically linked, and it works in an otherwise
# empty root file system holding only itself and a CA bundle (what the FROM scratch image
# holds): gen, inspect, expiry, and verify and token against the NetSuite stand-in on loopback;
# without the CA bundle http to loopback must still work and https must explain. One line per check, "musl: N passed, N failed",
# exit 1 on any failure (2 if a tool is missing). Installs nothing: ci/install-cross.sh musl.
# The empty-root checks need root (chroot); elsewhere they are skipped, and say so.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
repo=$PWD
target=x86_64-unknown-linux-musl

for tool in cargo musl-gcc file python3 openssl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "musl: missing $tool: run ci/install-cross.sh musl" >&2; exit 2; }
done

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }
check() {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then ok "$name"; else fail "$name" "$(tail -3 <<<"$out" | tr '\n' ' ')"; fi
}

work=$(mktemp -d "${TMPDIR:-/tmp}/nskeys-musl.XXXXXX")
endpoint_pid=
trap '[ -n "$endpoint_pid" ] && kill "$endpoint_pid" 2>/dev/null; rm -rf "$work"' EXIT

t0=$(date +%s)
target_dir=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
if cargo build --release --locked --target "$target" >"$work/build.log" 2>&1; then
  ok "release build for $target ($(($(date +%s) - t0)) s)"
else
  fail "release build for $target" "the end of cargo's output follows"
  tail -20 "$work/build.log"
  echo "musl: $passed passed, $failed failed"
  exit 1
fi
bin="$target_dir/$target/release/nskeys"
kind=$(file -b "$bin")
echo "     file: $kind"
echo "     size: $(wc -c <"$bin") bytes"
# .cargo/config.toml makes it a non-PIE static executable, which every file(1) calls
# "statically linked" (a static PIE would be "static-pie linked", or "dynamically linked" to
# file(1) before 5.37).
static() { grep -q 'statically linked' <<<"$kind" && ! grep -q interpreter <<<"$kind"; }
check "file(1): statically linked, no interpreter" static
check "it runs on this Linux: --version" "$bin" --version

if [ "$(id -u)" != 0 ] || ! command -v chroot >/dev/null 2>&1; then
  echo "skip empty-root checks (they need root and chroot)"
else
  # The scratch image: the binary, the CA bundle where rustls-native-certs looks, a work dir.
  image="$work/image"
  mkdir -p "$image/etc/ssl/certs" "$image/keys"
  cp "$bin" "$image/nskeys"
  ca=/etc/ssl/certs/ca-certificates.crt
  [ -f "$ca" ] || ca=$(python3 -c 'import ssl; print(ssl.get_default_verify_paths().cafile or "")')
  cp "$ca" "$image/etc/ssl/certs/ca-certificates.crt"
  in_image() { chroot "$image" /nskeys "$@"; }
  check "empty root: gen --alg es256 --out-dir /keys" in_image gen --alg es256 --out-dir /keys/pair
  check "empty root: inspect the pair with its key: exit 0" \
    in_image inspect /keys/pair/public.pem --key /keys/pair/private.pem
  check "empty root: expiry: exit 0" in_image expiry /keys/pair/public.pem
  # The independent NetSuite stand-in (tests/standin/netsuite.py) on 127.0.0.1, the pair uploaded.
  ctl() { python3 "$repo/ci/standin_ctl.py" "$@"; }
  endpoint_pid=$(ctl start "$work/standin.json")
  url=$(ctl get "$work/standin.json" token_url)
  client=$(ctl get "$work/standin.json" client_ids)
  ctl upload "$work/standin.json" "$image/keys/pair/public.pem" >/dev/null
  id=$(openssl x509 -in "$image/keys/pair/public.pem" -outform DER | openssl dgst -sha256 -binary |
    base64 | tr '+/' '-_' | tr -d '=')
  verified() {
    in_image verify --token-url "$url" --client-id "$client" --key /keys/pair/private.pem \
      --cert /keys/pair/public.pem --cert-id="$id" &&
      ctl last "$work/standin.json" kid="$id" alg=ES256
  }
  token_issued() {
    local got
    got=$(in_image token --token-url "$url" --client-id "$client" --key /keys/pair/private.pem \
      --cert-id="$id") && [ "$got" = "$(ctl token "$work/standin.json")" ]
  }
  check "empty root: verify against the NetSuite stand-in: exit 0, token issued" verified
  check "empty root: token prints the token the stand-in issued" token_issued
  # Without a CA bundle: plain http to loopback still works (it needs no TLS roots), and
  # https says why it cannot in one line, exit 3.
  rm "$image/etc/ssl/certs/ca-certificates.crt"
  check "empty root without CA certificates: verify over http to loopback still works" verified
  no_ca() {
    local code
    in_image verify --account 1234567 --client-id "$client" --key /keys/pair/private.pem \
      --cert-id="$id" --timeout 5 >/dev/null 2>"$work/no-ca.err"
    code=$?
    cat "$work/no-ca.err"
    [ "$code" = 3 ] && [ "$(wc -l <"$work/no-ca.err")" = 1 ] && grep -q 'CA certificates' "$work/no-ca.err"
  }
  check "empty root without CA certificates: https is one line, exit 3" no_ca
  echo "     without CA certificates: $(cat "$work/no-ca.err")"
fi
echo "musl: $passed passed, $failed failed"
[ "$failed" = 0 ]
