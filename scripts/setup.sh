#!/usr/bin/env bash
# Installs what is missing, and nothing else. Sourced by serve.sh and test.sh.
#   setup_build   the wasm32 target, wasm-bindgen-cli (= Cargo.lock's version), trunk, and the
#                 npm packages (binaryen's wasm-opt, which trunk runs on the site's wasm; the
#                 test and benchmark tools)
#   setup_test    + Chromium, chromedriver and Mesa's Vulkan (lavapipe), and the docs generator
#                 the widgets are tested in (MkDocs with the Material theme, PyPI, in a venv)
# Every tool comes from a package registry (crates.io, Debian, npm, PyPI): nothing is downloaded
# from elsewhere, so this works on the project's offline-but-for-registries machines.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# One target dir outside the clone, so that CI runs and later checkouts build warm.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/playground/target}"
# node_modules/.bin first: trunk runs the wasm-opt that package.json pins (binaryen 132; Debian 12's
# binaryen 108 rewrites wasm-bindgen's externref table so that the module no longer starts).
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

WASM_BINDGEN_VERSION="$(grep -A1 '^name = "wasm-bindgen"$' "$ROOT/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p')"
TRUNK_VERSION="0.21.14" # 0.22 needs rustc 1.96; this toolchain is 1.95
MKDOCS_MATERIAL_VERSION="9.8.2"
# The hosts' Python tools live outside the clone, like the target dir.
export HOSTS_VENV="${HOSTS_VENV:-$HOME/.cache/playground/hosts-venv}"
export MKDOCS="$HOSTS_VENV/bin/mkdocs"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

setup_build() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
    log "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes)"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force  # --locked fails: its lockfile pins a yanked ureq dependency
  fi
  if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
    log "cargo install trunk $TRUNK_VERSION (about 9 minutes)"
    cargo install trunk --version "$TRUNK_VERSION" --locked --force
  fi
  if ! command -v npm >/dev/null; then
    apt_install nodejs npm
  fi
  if [ ! -x "$ROOT/node_modules/.bin/wasm-opt" ] || [ ! -d "$ROOT/node_modules/playwright-core" ] ||
     [ ! -d "$ROOT/node_modules/reveal.js" ] || [ ! -x "$ROOT/node_modules/.bin/myst" ]; then
    log "npm ci (binaryen's wasm-opt; playwright-core, which drives Debian's Chromium and downloads no browser; the hosts the widgets are tested in: reveal.js, mystmd and MyST's anywidget renderer)"
    (cd "$ROOT" && npm ci --no-audit --no-fund)
  fi
}

setup_test() {
  setup_build
  apt_install chromium chromium-driver mesa-vulkan-drivers python3-venv
  if [ "$("$HOSTS_VENV/bin/pip" show mkdocs-material 2>/dev/null | sed -n 's/^Version: //p')" != "$MKDOCS_MATERIAL_VERSION" ]; then
    log "pip install mkdocs-material $MKDOCS_MATERIAL_VERSION (the docs site the widgets are tested in)"
    python3 -m venv "$HOSTS_VENV"
    "$HOSTS_VENV/bin/pip" install --quiet --disable-pip-version-check "mkdocs-material==$MKDOCS_MATERIAL_VERSION"
  fi
}

# Build the site into dist/ (the size-optimised `site` profile, then wasm-opt).
build_site() {
  log "trunk build"
  (cd "$ROOT" && trunk build)
}
