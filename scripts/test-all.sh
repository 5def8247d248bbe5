#!/usr/bin/env bash
# The whole test suite (the README's test command is `bash .ci/run`, which installs what the
# tests need and then runs this). Formatting, lints, unit and end-to-end tests (generator,
# Nu HTML checker, HTTP scenarios against `preau serve` and against the Worker under
# `wrangler dev`), then the browser journeys and accessibility checks.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--ci" ]; then
  bash scripts/install-deps.sh
fi
start=$(date +%s)
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
bash scripts/browser-tests.sh
echo "Suite complète en $(( $(date +%s) - start )) s."
