#!/usr/bin/env bash
# Run every test, installing what the tests need when missing:
#   1. cargo fmt --check and cargo clippy -D warnings
#   2. native tests on the CPU backend, and on wgpu over Mesa's Vulkan (lavapipe)
#   3. headless wasm-bindgen tests in Chromium: WebGPU (SwiftShader) and the CPU fallback
#   4. end to end: the built site served on 127.0.0.1, driven by Playwright in Chromium
#      (screenshots land in test-results/)
source "$(dirname "$0")/setup.sh"
setup_test
cd "$ROOT"

log "cargo fmt --check"
cargo fmt --check
log "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings

log "native tests (CPU, then wgpu on Vulkan)"
cargo test

log "headless browser tests (wasm-bindgen-test in Chromium)"
# Every tests/web*.rs is a headless-browser test binary (tests/web_common/ is their helpers).
web_tests=()
for file in tests/web*.rs; do web_tests+=(--test "$(basename "$file" .rs)"); done
CHROMEDRIVER=/usr/bin/chromedriver \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
WASM_BINDGEN_TEST_TIMEOUT=600 \
  cargo test --release --target wasm32-unknown-unknown "${web_tests[@]}"

build_site
log "end-to-end tests (Playwright, Chromium)"
node --test --test-concurrency=1 tests/e2e/
