# syntax=docker/dockerfile:1
# A minimal image: the static (musl) nskeys and the CA certificates its TLS client needs,
# nothing else (no shell, no libc). rustls finds the roots at /etc/ssl/certs/ca-certificates.crt;
# without them https cannot work (nskeys says so), while http to a loopback stand-in still does.
#
#   docker build -t nskeys .                      # builds nskeys from this source (rust:alpine)
#   docker build -t nskeys --build-arg FROM=dist . # takes the binary from dist/ (just dist)
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/keys" nskeys gen
#
# The container runs as nobody (65534); --user makes the files it writes yours.
ARG FROM=source
ARG RUST_VERSION=1.95
ARG ALPINE_VERSION=3.22

# The binary built from source. On Alpine the native target is *-unknown-linux-musl and Rust
# links it statically, on amd64 and arm64 alike. --target is explicit so that the flags in
# .cargo/config.toml reach nskeys but not the proc-macros the build runs.
FROM rust:${RUST_VERSION}-alpine AS source
# Alpine's package versions change within a release: pinning them would break the build.
# hadolint ignore=DL3018
RUN apk add --no-cache musl-dev gcc ca-certificates
WORKDIR /src
COPY . .
RUN target="$(rustc --print host-tuple)" \
 && cargo build --release --locked --target "$target" \
 && cp "target/$target/release/nskeys" /nskeys \
 && /nskeys --version

# The binary from a release archive made by ci/dist.sh for this machine's architecture.
FROM alpine:${ALPINE_VERSION} AS dist
# hadolint ignore=DL3018
RUN apk add --no-cache ca-certificates
COPY dist/ /dist/
RUN set -e; arch="$(apk --print-arch)"; \
    tar -xzf /dist/nskeys-*-"$arch"-unknown-linux-musl.tar.gz -C /tmp; \
    cp /tmp/nskeys-*-"$arch"-unknown-linux-musl/nskeys /nskeys; \
    /nskeys --version

FROM ${FROM} AS binary

FROM scratch
COPY --from=binary /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=binary /nskeys /usr/local/bin/nskeys
WORKDIR /keys
USER 65534:65534
ENTRYPOINT ["/usr/local/bin/nskeys"]
CMD ["--help"]
