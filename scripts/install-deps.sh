#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh machine. Safe to run twice.
set -euo pipefail
cd "$(dirname "$0")/.."
rustup component add rustfmt clippy >/dev/null 2>&1 || true
