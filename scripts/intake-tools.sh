#!/usr/bin/env bash
# Makes sure the document-intake tools are on the machine: poppler's pdftotext, pdfinfo and
# pdftoppm (Debian's poppler-utils), Tesseract with its Vietnamese model (tesseract-ocr,
# tesseract-ocr-vie) and antiword for old Word (.doc) files; for the tests also qpdf (to
# make an encrypted PDF) and Chromium (to print the labelled set as PDFs with real
# Vietnamese fonts). Installed from Debian's packages when missing.
set -euo pipefail
missing=()
command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null && command -v pdfinfo >/dev/null || missing+=(poppler-utils)
command -v tesseract >/dev/null || missing+=(tesseract-ocr)
if command -v tesseract >/dev/null && ! tesseract --list-langs 2>/dev/null | grep -qx vie; then
  missing+=(tesseract-ocr-vie)
elif ! command -v tesseract >/dev/null; then
  missing+=(tesseract-ocr-vie)
fi
command -v antiword >/dev/null || missing+=(antiword)
command -v qpdf >/dev/null || missing+=(qpdf)
command -v chromium >/dev/null || missing+=(chromium)
# The labelled set is laid out in Liberation Serif (Times New Roman's metrics, as the decrees
# are typed); a recommendation of Chromium's only, so not there after a lean install, and
# with the fallback font the scans' header reads differently.
{ command -v fc-list >/dev/null && fc-list | grep -q "Liberation Serif"; } || missing+=(fonts-liberation)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian's ${missing[*]} (once)"
  if [ "$(id -u)" = 0 ]; then
    sudo=""
  elif command -v sudo >/dev/null; then
    sudo="sudo"
  else
    echo "missing ${missing[*]} and this user cannot install packages: install them" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "pdftotext: $(pdftotext -v 2>&1 | head -1)"
echo "tesseract: $(tesseract --version 2>&1 | head -1), languages: $(tesseract --list-langs 2>/dev/null | tail -n +2 | tr '\n' ' ')"
echo "antiword: $(command -v antiword), qpdf: $(qpdf --version 2>&1 | head -1), chromium: $(chromium --version 2>/dev/null)"
echo "fonts: $(fc-match 'Liberation Serif' 2>/dev/null)"
