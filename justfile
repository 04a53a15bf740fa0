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

# nskeys against openssl and a Python client, side by side (RSA-4096 takes a few minutes).
# The same without just: python3 bench/bench.py [--runs 21] [--rsa-runs 61] [--rows ...]
bench *ARGS:
    python3 bench/bench.py {{ARGS}}
