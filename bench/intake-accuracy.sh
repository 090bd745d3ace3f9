#!/usr/bin/env bash
# Document intake on the labelled set (intake/tests/set): exact-match accuracy per field for
# DOCX, PDF printed by Chromium, and scans at 150/200/300 dpi (skewed, speckled, JPEG), and
# OCR time per page. Usage: bench/intake-accuracy.sh [--scans N] [--other-dpi N]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
scripts/intake-tools.sh >&2
cargo build --release --locked -p portico-intake --example accuracy >&2
machine
echo "tesseract: $(tesseract --version 2>&1 | head -1); poppler: $(pdftotext -v 2>&1 | head -1)"
echo "== figures (% of exact matches per field)"
exec target/release/examples/accuracy "$@"
