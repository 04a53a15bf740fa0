# nskeys tasks. `just --list` shows them.

# Build the release binary (target/release/nskeys).
build:
    cargo build --release --locked

# The test suite, exactly as CI runs it.
test:
    cargo test --locked

# Formatting and lints, as CI checks them.
lint:
    cargo fmt --check
    cargo clippy --locked --all-targets -- -D warnings

# Remake the fixtures with openssl (new random keys; tests depend only on their kind).
fixtures:
    bash fixtures/make.sh

# cargo-fuzz needs nightly, or RUSTC_BOOTSTRAP=1 on stable (set here); installed if missing.
# A crash is saved under fuzz/artifacts/<target>/: copy it to fuzz/regressions/ with the fix,
# where `cargo test --test main parsers_proptest` replays it.
# Fuzz each parser for FUZZ_SECONDS seconds (default 60), starting from the fixtures.
fuzz seconds=env_var_or_default("FUZZ_SECONDS", "60"):
    #!/usr/bin/env bash
    set -euo pipefail
    command -v cargo-fuzz >/dev/null 2>&1 || cargo install --locked cargo-fuzz
    cd fuzz
    export RUSTC_BOOTSTRAP=1
    seed() { local dir="corpus/$1"; shift; mkdir -p "$dir"; cp -n "$@" "$dir/" 2>/dev/null || true; }
    for t in certificate private_key pem_blocks token_answer; do
        case "$t" in
            certificate) seed "$t" ../fixtures/expiry/*.pem ../fixtures/expiry/*.der ../fixtures/oracle/*-public.pem ;;
            private_key) seed "$t" ../fixtures/keys/* ../fixtures/oracle/*-private.pem ;;
            pem_blocks) seed "$t" ../fixtures/expiry/bundle.pem ../fixtures/keys/*.pem ;;
            token_answer)
                mkdir -p "corpus/$t"
                printf '\000{"access_token":"eyJ.x.y","token_type":"bearer","expires_in":3600}' > "corpus/$t/issued"
                printf '\002{"error":"invalid_grant","error_description":"x"}' > "corpus/$t/refused" ;;
        esac
        echo "== fuzz $t for {{seconds}} s"
        cargo fuzz run "$t" "corpus/$t" -- -max_total_time={{seconds}} -rss_limit_mb=512 -timeout=10 -print_final_stats=1
    done

# RUSTSEC-2023-0071 (rsa, Marvin) is ignored on purpose: see "Supply chain" in the README.
# Check the dependencies against the RustSec advisory database (fetched from GitHub).
audit:
    command -v cargo-audit >/dev/null 2>&1 || cargo install --locked cargo-audit
    cargo audit --ignore RUSTSEC-2023-0071

# nskeys against openssl and a Python client, side by side (RSA-4096 takes a few minutes).
# The same without just: python3 bench/bench.py [--runs 21] [--rsa-runs 61] [--rows ...]
bench *ARGS:
    python3 bench/bench.py {{ARGS}}

# Installs what the cross builds need (once): bash ci/install-cross.sh
# Cross-build nskeys.exe and run the smoke suite under Wine, judged by openssl and PyJWT.
windows:
    bash ci/windows-smoke.sh

# Lints for the Windows build (code behind cfg(windows) is checked nowhere else on Linux).
lint-windows:
    cargo clippy --locked --all-targets --target x86_64-pc-windows-gnu -- -D warnings

# The static Linux binary: build, `file` says statically linked, works in an empty root (as in the image).
musl:
    bash ci/musl.sh

# Release archives for the targets installed here, in dist/ with SHA256SUMS (see ci/dist.sh).
dist *TARGETS:
    bash ci/dist.sh {{TARGETS}}
