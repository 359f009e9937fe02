#!/usr/bin/env bash
# Serve the playground on http://127.0.0.1:8080, installing the build tools when missing.
# The first run compiles burn for wasm (about 15 minutes on 2 cores); later runs are warm.
source "$(dirname "$0")/setup.sh"
setup_build
cd "$ROOT"
log "trunk serve on http://127.0.0.1:8080"
exec trunk serve "$@"
