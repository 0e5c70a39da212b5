#!/usr/bin/env bash
# Builds isovm and runs the token example through `isovm exec` on a fresh database:
# deploy + issue (height 1), then transfers, one of which fails (height 2).
set -euo pipefail
source "$(dirname "$0")/../../.ci/env.sh"
cd "$isovm_root"
isovm_apt_install clang libclang-dev
isovm_v8_archive
cargo build --release --quiet
db=$(mktemp -d)
trap 'rm -rf "$db"' EXIT
./target/release/isovm exec --db "$db" examples/token/01-deploy.json examples/token/02-transfers.json
