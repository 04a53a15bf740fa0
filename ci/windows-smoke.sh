#!/usr/bin/env bash
# Cross-build the release nskeys.exe (x86_64-pc-windows-gnu) and try it under Wine, judging
# what it makes with openssl and PyJWT + cryptography on the Linux side: one line per check,
# a closing "windows smoke: N passed, N failed", exit 1 if any check failed (2 if a tool is
# missing). Installs nothing: run ci/install-cross.sh windows first.
#   ci/windows-smoke.sh            build, then run the checks
#   NSKEYS_EXE=path/nskeys.exe ci/windows-smoke.sh    judge an .exe built elsewhere
#   KEEP=1 ci/windows-smoke.sh     keep the work directory (printed) for a look afterwards
# Only the command-line contract is used, never source file names, so it survives any
# reorganisation of src/.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
repo=$PWD
target=x86_64-pc-windows-gnu
# Debian 12's wine64 puts the 64-bit loader here, not on PATH; elsewhere it is wine64 or wine.
wine=${WINE:-}
for w in /usr/lib/wine/wine64 "$(command -v wine64)" "$(command -v wine)"; do
  [ -z "$wine" ] && [ -n "$w" ] && [ -x "$w" ] && wine=$w
done
wineserver=$(dirname "${wine:-/}")/wineserver
[ -x "$wineserver" ] || wineserver=$(command -v wineserver || echo wineserver)

missing=()
for tool in cargo x86_64-w64-mingw32-gcc openssl python3; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ -n "$wine" ] && [ -x "$wine" ] || missing+=(wine64)
python3 -c 'import jwt, cryptography' >/dev/null 2>&1 || missing+=("python3 jwt+cryptography")
if [ ${#missing[@]} -gt 0 ]; then
  echo "windows-smoke: missing: ${missing[*]}: run ci/install-cross.sh windows" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/nskeys-wine.XXXXXX")
endpoint_pid=
cleanup() {
  for p in $endpoint_pid ${tls_pid:-}; do kill "$p" 2>/dev/null; done
  # Stop this prefix's wineserver (started by the runs below) before removing the prefix.
  WINEPREFIX="$work/prefix" "$wineserver" -k 2>/dev/null
  if [ "${KEEP:-0}" = 1 ]; then echo "windows-smoke: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }
# check NAME COMMAND...: one line for the check; on failure, what the command or nskeys said.
check() {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then ok "$name"; else fail "$name" "$(tail -3 <<<"$out" | tr '\n' ' ')"; fi
}

# --- Build --------------------------------------------------------------------------------
t0=$(date +%s)
bin="$work/bin"
mkdir -p "$bin"
if [ -n "${NSKEYS_EXE:-}" ]; then
  cp "$NSKEYS_EXE" "$bin/nskeys.exe" || exit 2
else
  target_dir=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
  if cargo build --release --locked --target "$target" >"$work/build.log" 2>&1; then
    ok "cross-build release nskeys.exe for $target ($(($(date +%s) - t0)) s)"
  else
    fail "cross-build release nskeys.exe for $target" "the end of cargo's output follows"
    tail -20 "$work/build.log"
    echo "windows smoke: $passed passed, $failed failed"
    exit 1
  fi
  cp "$target_dir/$target/release/nskeys.exe" "$bin/"
fi
# Test infrastructure only: Wine 8 lacks ProcessPrng (see ci/windows/processprng.c).
x86_64-w64-mingw32-gcc -shared -O2 -o "$bin/bcryptprimitives.dll" \
  ci/windows/processprng.c -ladvapi32 || exit 2

export WINEPREFIX="$work/prefix" WINEARCH=win64 WINEDEBUG=-all
# No Mono or Gecko (nothing here needs them, and they would be fetched from the network).
export WINEDLLOVERRIDES="mscoree=;mshtml="
# A clean environment: nothing of the caller's NS_*/NSKEYS_* settings reaches nskeys.
for v in $(env | grep -oE '^(NS|NSKEYS)_[A-Za-z0-9_]*'); do unset "$v"; done

run="$work/run"
mkdir -p "$run"
cd "$run" || exit 2
# ns ARGS...: nskeys.exe under Wine in the current directory; stdout and stderr to files
# ($run/out, $run/err); when it fails, the end of its stderr is printed for the check's report.
ns() {
  "$wine" "$bin/nskeys.exe" "$@" >"$run/out" 2>"$run/err"
  local code=$?
  [ "$code" = 0 ] || tail -2 "$run/err"
  return "$code"
}
# The judges, all on the Linux side.
cert_id() {
  openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '='
}
same_key() { # private key and certificate hold the same public key
  [ "$(openssl pkey -in "$1" -pubout)" = "$(openssl x509 -in "$2" -noout -pubkey)" ]
}
pyjwt_roundtrip() { # ALG KEY CERT: PyJWT signs with the key and verifies with the certificate
  python3 - "$@" <<'PY'
import sys, jwt
from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key
alg, key, cert = sys.argv[1:4]
k = load_pem_private_key(open(key, "rb").read(), None)
c = x509.load_pem_x509_certificate(open(cert, "rb").read())
token = jwt.encode({"iss": "smoke"}, k, algorithm=alg)
assert jwt.decode(token, c.public_key(), algorithms=[alg])["iss"] == "smoke"
PY
}
one_error_line() { [ "$(wc -l <"$run/err")" -eq 1 ] && grep -q '^nskeys: ' "$run/err"; }

# --- Runs at all ----------------------------------------------------------------------------
t1=$(date +%s)
if ns --version && grep -q '^nskeys ' "$run/out"; then
  ok "nskeys.exe --version starts under Wine (prefix made in $(($(date +%s) - t1)) s)"
else
  fail "nskeys.exe --version" "$(cat "$run/err")"
  echo "windows smoke: $passed passed, $failed failed"
  exit 1
fi

# --- gen es256 / ps256, judged by openssl and PyJWT ------------------------------------------
pkcs8() { head -1 "$1" | grep -qx -- "-----BEGIN PRIVATE KEY-----"; }
key_text_has() { openssl pkey -in "$1" -noout -text | grep -q "$2"; }
self_signed() { openssl verify -CAfile "$1" "$1"; }
cert_text_has() { # CERT PATTERN...
  local text
  text=$(openssl x509 -in "$1" -noout -text) || return 1
  shift
  for p in "$@"; do grep -q "$p" <<<"$text" || { echo "no '$p' in the certificate"; return 1; }; done
}
check "gen --alg es256 exits 0" ns gen --alg es256 --out-dir es
check "es256 key: PKCS#8, EC P-256 (openssl)" eval 'pkcs8 es/private.pem && key_text_has es/private.pem prime256v1'
check "es256 certificate: ecdsa-with-SHA256, self-signed, verifies (openssl)" \
  eval 'cert_text_has es/public.pem ecdsa-with-SHA256 "CA:TRUE" && self_signed es/public.pem'
check "es256 key matches certificate (openssl)" same_key es/private.pem es/public.pem
check "es256 pair signs and verifies ES256 (PyJWT)" pyjwt_roundtrip ES256 es/private.pem es/public.pem

check "gen --alg ps256 exits 0" ns gen --alg ps256 --out-dir ps
check "ps256 key: PKCS#8 rsaEncryption, 4096 bits (openssl)" \
  eval 'pkcs8 ps/private.pem && key_text_has ps/private.pem "4096 bit"'
check "ps256 certificate: RSASSA-PSS, SHA-256, salt 0x40, verifies (openssl)" \
  eval 'cert_text_has ps/public.pem rsassaPss sha256 "Salt Length: 0x40" && self_signed ps/public.pem'
check "ps256 key matches certificate (openssl)" same_key ps/private.pem ps/public.pem
check "ps256 pair signs and verifies PS256 (PyJWT)" pyjwt_roundtrip PS256 ps/private.pem ps/public.pem

# --- inspect / expiry -------------------------------------------------------------------------
# within DIR ARGS...: nskeys.exe run inside DIR.
within() { local dir=$1; shift; (cd "$dir" && ns "$@"); }
exit_is() { # CODE ARGS...: nskeys exits with CODE
  local want=$1 got
  shift
  "$@"
  got=$?
  [ "$got" = "$want" ] || { echo "exit $got, expected $want"; return 1; }
}
prometheus_end() { # the notAfter nskeys reports equals openssl's
  local ns_end ssl_end
  ns expiry --format prometheus es/public.pem || return 1
  ns_end=$(grep -E '^x509_cert_not_after[{ ]' "$run/out" | awk '{print $NF}')
  ssl_end=$(date -u -d "$(openssl x509 -in es/public.pem -noout -enddate | cut -d= -f2)" +%s)
  if ! { [ -n "$ns_end" ] && [ "$ns_end" -eq "$ssl_end" ]; }; then
    echo "nskeys $ns_end, openssl $ssl_end"
    return 1
  fi
}
check "inspect public.pem --key private.pem: exit 0 (they match)" exit_is 0 within es inspect public.pem --key private.pem
check "inspect with another pair's key: exit 2" exit_is 2 ns inspect es/public.pem --key ps/private.pem
check "expiry public.pem: exit 0" exit_is 0 within es expiry
check "expiry's notAfter equals openssl's (prometheus format)" prometheus_end
check "expiry --at 2100-01-01T00:00:00Z: exit 2 (expired)" exit_is 2 ns expiry --at 2100-01-01T00:00:00Z es/public.pem

# --- refusal to overwrite, --force --------------------------------------------------------------
before=$(sha256sum es/private.pem es/public.pem)
check "gen into a directory holding a pair: exit 3" exit_is 3 ns gen --alg es256 --out-dir es
check "the refusal is one line on stderr" one_error_line
check "the refusal touched nothing" test "$before" = "$(sha256sum es/private.pem es/public.pem)"
check "gen --force over a pair: exit 0" eval 'ns gen --alg es256 --out-dir es2 && cp es2/private.pem es2.old && ns gen --alg es256 --force --out-dir es2'
check "the forced pair is new and matches (openssl)" \
  eval '! cmp -s es2.old es2/private.pem && same_key es2/private.pem es2/public.pem'

# --- verify / token against the NetSuite stand-in (tests/standin/netsuite.py) -----------------
# An independent implementation of Oracle's token endpoint (Python, cryptography + PyJWT),
# on 127.0.0.1; certificates are "uploaded" through its control API, as the M2M setup page does.
ctl() { python3 "$repo/ci/standin_ctl.py" "$@"; }
if endpoint_pid=$(ctl start "$run/standin.json"); then
  ok "the NetSuite stand-in answers on $(ctl get "$run/standin.json" base)"
else
  fail "start the NetSuite stand-in (tests/standin/netsuite.py)"
fi
url=$(ctl get "$run/standin.json" token_url)
client=$(ctl get "$run/standin.json" client_ids)
conn=(--token-url "$url" --client-id "$client")
upload() { ctl upload "$run/standin.json" "$1" >/dev/null; }
verdict_is() { ctl last "$run/standin.json" "$@"; } # FIELD=VALUE...: last request issued, with these
token_is_issued() {
  ns token "${conn[@]}" --key es/private.pem --cert es/public.pem --cert-id="$es_id" &&
    verdict_is && [ "$(tr -d '\r\n' <"$run/out")" = "$(ctl token "$run/standin.json")" ]
}
closed_pipe() { # ARGS...: nskeys writing into a pipe whose reader has gone exits 0, silently
  "$wine" "$bin/nskeys.exe" "$@" 2>"$run/pipe.err" | true
  local code=${PIPESTATUS[0]}
  # (The warning about a key outside the user profile is not about the pipe.)
  if [ "$code" != 0 ] || grep -qv 'outside your user profile' "$run/pipe.err"; then
    echo "exit $code: $(cat "$run/pipe.err")"
    return 1
  fi
}
check "upload es/public.pem and ps/public.pem to the stand-in" eval 'upload es/public.pem && upload ps/public.pem'
es_id=$(cert_id es/public.pem)
ps_id=$(cert_id ps/public.pem)
check "verify ES256: exit 0" ns verify "${conn[@]}" --key es/private.pem --cert es/public.pem --cert-id="$es_id"
check "the stand-in issued a token for the ES256 assertion with the certificate's kid" verdict_is alg=ES256 kid="$es_id" iss="$client" aud="$url"
check "verify PS256: exit 0" ns verify "${conn[@]}" --key ps/private.pem --cert ps/public.pem --cert-id="$ps_id"
check "the stand-in issued a token for the PS256 assertion with the certificate's kid" verdict_is alg=PS256 kid="$ps_id"
check "token prints the token the endpoint issued" token_is_issued
# NetSuite answers an unknown Certificate ID with HTTP 500 server_error (observed; the
# stand-in does the same): no token, and nskeys says so in one line, exit 2 or 3.
unknown_kid() {
  ns verify "${conn[@]}" --key es/private.pem --cert-id=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
  local code=$?
  { [ "$code" = 2 ] || [ "$code" = 3 ]; } && one_error_line || { echo "exit $code"; return 1; }
}
check "verify with a kid the stand-in does not know: no token, exit 2 or 3, one line" unknown_kid
check "verify into a closed pipe (| true): exit 0, nothing on stderr" \
  closed_pipe verify "${conn[@]}" --key es/private.pem --cert es/public.pem --cert-id="$es_id"
check "expiry into a closed pipe (| true): exit 0, nothing on stderr" closed_pipe expiry es/public.pem ps/public.pem

# --- https: rustls with the Windows platform verifier (CryptoAPI) ---------------------------------
tls="$work/tls"
mkdir -p "$tls"
make_tls() { # a private CA and a certificate for 127.0.0.1 / localhost signed by it
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -keyout "$tls/ca.key" -out "$tls/ca.pem" -subj "/CN=nskeys smoke CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" &&
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout "$tls/server.key" -out "$tls/server.csr" -subj "/CN=localhost" &&
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$tls/ext" &&
    openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial \
      -days 2 -out "$tls/server.pem" -extfile "$tls/ext"
} >/dev/null 2>&1
if make_tls; then
  tls_pid=$(ctl start "$run/tls.json" --tls "$tls/server.pem" "$tls/server.key")
  tls_url=$(ctl get "$run/tls.json" token_url)
  check "https to a server no root vouches for: refused, exit 3" \
    exit_is 3 ns verify --token-url "$tls_url" --client-id "$client" --key es/private.pem --cert-id="$es_id"
  # Wine 8's CryptoAPI answers E_INVALIDARG when rustls-platform-verifier builds its chain
  # engine with extra roots; nskeys then trusts the --ca-cert roots alone (webpki), which is
  # what is checked here. The release workflow checks it on real Windows too.
  ctl upload "$run/tls.json" es/public.pem >/dev/null
  check "https with --ca-cert (a private CA): exit 0, token issued" \
    eval 'ns verify --token-url "$tls_url" --client-id "$client" --key es/private.pem --cert-id="$es_id" --ca-cert "$tls/ca.pem" && ctl last "$run/tls.json" kid="$es_id"' 
  kill "$tls_pid" 2>/dev/null
else
  fail "make a CA and server certificate with openssl"
fi

# --- manual rotation: pointers without symlinks -----------------------------------------------
pending() { # FIELD: the pending entry's key_file or cert_file in rot/nskeys-state.json
  python3 -c 'import json,sys; s=json.load(open("rot/nskeys-state.json"))
print(next(e[sys.argv[1]] for e in s["certificates"] if e["status"] == "pending"))' "$1" 2>/dev/null
}
pointers_switched() {
  if [ ! -f rot/private.pem ] || [ -L rot/private.pem ] || [ -L rot/public.pem ]; then
    echo "not regular files"
    return 1
  fi
  cmp rot/private.pem "rot/$new_key" && cmp rot/public.pem "rot/$new_cert"
}
expiry_once() {
  ns expiry --format json rot
  python3 -c 'import json,sys; n=len(json.load(open(sys.argv[1]))); print(n, "certificates"); sys.exit(n != 1)' "$run/out"
}
check "rotation pair: gen --alg es256 --out-dir rot, uploaded" \
  eval 'ns gen --alg es256 --out-dir rot && upload rot/public.pem'
rot_id=$(cert_id rot/public.pem)
old_key=$(sha256sum <rot/private.pem)
check "rotate (step 1: new pair beside the old, pending): exit 0" \
  within rot rotate "${conn[@]}" --cert-id="$rot_id"
new_key=$(pending key_file)
new_cert=$(pending cert_file)
check "step 1 left private.pem as it was" test "$old_key" = "$(sha256sum <rot/private.pem)"
check "the pending pair matches (openssl)" same_key "rot/$new_key" "rot/$new_cert"
new_id=$(cert_id "rot/$new_cert" 2>/dev/null)
check "upload the pending certificate to the stand-in" upload "rot/$new_cert"
check "rotate --new-cert-id (step 2: prove, switch): exit 0" within rot rotate "${conn[@]}" --new-cert-id="$new_id"
check "the new pair was proven with its kid (stand-in)" verdict_is kid="$new_id"
check "private.pem and public.pem hold the new pair, as regular files" pointers_switched
check "the switched pointers match each other (openssl)" same_key rot/private.pem rot/public.pem
check "verify after rotation, kid from the state file: exit 0" within rot verify "${conn[@]}"
check "that assertion carried the new kid (stand-in)" verdict_is kid="$new_id"
check "expiry rot reports the certificate in use once" expiry_once

# --- where the key is: the one protection check std can make on Windows --------------------------
profile=$("$wine" cmd /c echo %USERPROFILE% 2>/dev/null | tr -d '\r')
no_warning() { ! grep -qi warning "$run/err" || { cat "$run/err"; return 1; }; }
check "gen under %USERPROFILE%: exit 0" ns gen --out-dir "$profile\\nskeys-smoke"
check "gen under %USERPROFILE%: no warning about other users" no_warning
check "gen outside the profile (Z:\\...): exit 0" ns gen --out-dir outside
check "gen outside the profile: warns that others may read the key" grep -qi warning "$run/err"

echo "windows smoke: $passed passed, $failed failed ($(($(date +%s) - t0)) s in all)"
[ "$failed" = 0 ]
