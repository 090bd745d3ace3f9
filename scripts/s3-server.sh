#!/usr/bin/env bash
# Installs the S3-compatible server the tests run against: s3s-fs, an implementation of the
# S3 protocol over a folder (https://github.com/Nugine/s3s), built from crates.io into
# target/tools. The tests start and stop it themselves (storage/tests/support/s3_server.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/tools/bin/s3s-fs
if [ -x "$bin" ]; then
  echo "s3s-fs: $("$bin" --version)"
  exit 0
fi
echo "installing s3s-fs 0.14.1 into target/tools (once; a debug build, about two minutes)"
# A debug build: the tests move a few small files, and an optimised build took three minutes
# of a clean run. Not through clippy's driver (scripts/test sets it for our crates).
env -u RUSTC_WORKSPACE_WRAPPER -u CLIPPY_ARGS \
  cargo install s3s-fs --version 0.14.1 --features binary --locked --root target/tools --quiet --debug
echo "s3s-fs: $("$bin" --version)"
