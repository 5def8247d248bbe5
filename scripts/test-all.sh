#!/usr/bin/env bash
# The whole test suite (the README's test command). With --ci, also installs the system
# packages the tests need first.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--ci" ]; then
  bash scripts/install-deps.sh
fi
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
