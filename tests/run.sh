#!/usr/bin/env bash
# The test command: installs what a fresh machine lacks, starts RabbitMQ on loopback (unless
# ISOVM_AMQP_URL names one), and runs every test in the release profile, the profile the
# binaries are built in too, so RocksDB and V8 are compiled once.
set -euo pipefail
source "$(dirname "$0")/../.ci/env.sh"
cd "$isovm_root"
isovm_apt_install clang libclang-dev rabbitmq-server nodejs
isovm_v8_archive
isovm_rabbitmq
# TypeScript, for the SDK's test (tests/sdk.rs): the version sdk/package.json pins.
[ -x sdk/node_modules/.bin/tsc ] || (cd sdk && npm install --no-audit --no-fund --loglevel=error)
cargo test --release "$@"
# The contract, hostile, determinism and built-in suites and the leak corpus once more, with
# every call run both in the worker's reused context and in a fresh one, compared
# (--verify-isolation): any difference fails the batch.
if [ $# -eq 0 ]; then
  ISOVM_VERIFY_ISOLATION=1 cargo test --release --test contracts --test hostile \
    --test determinism --test isolation --test builtins_strings --test builtins_objects \
    --test instrumented_semantics --test nested_calls --test iost_numbers --test native_token \
    --test package --test update --test iost_api_determinism --test accounts \
    --test signatures
fi
