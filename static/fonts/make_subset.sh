#!/bin/sh
# Rebuild NotoSansSC-Subset.otf and OFL.txt from Debian's fonts-noto-cjk (apt-get install fonts-noto-cjk).
# Needs fonttools (requirements-dev.txt); run from anywhere: sh static/fonts/make_subset.sh
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${SRC:-/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc}
COPYRIGHT=${COPYRIGHT:-/usr/share/doc/fonts-noto-cjk/copyright}
PYTHON=${PYTHON:-python3}
[ -x "$HERE/../../.venv/bin/python" ] && PYTHON="$HERE/../../.venv/bin/python"
TEXT=$(mktemp)
trap 'rm -f "$TEXT"' EXIT

# The ~3,755 characters of GB2312 level 1 (rows 0xB0-0xD7), decoded from their byte range.
"$PYTHON" - "$TEXT" <<'PY'
import sys
chars = []
for row in range(0xB0, 0xD8):
    for cell in range(0xA1, 0xFF):
        if row == 0xD7 and cell > 0xF9:
            break
        chars.append(bytes([row, cell]).decode("gb2312"))
open(sys.argv[1], "w", encoding="utf-8").write("".join(chars))
PY

# Font number 2 in the collection is the Simplified Chinese face. Unicode ranges: Basic Latin, Latin-1,
# Latin Extended-A, general punctuation, currency signs, CJK punctuation, full-width forms.
"$PYTHON" -m fontTools.subset "$SRC" --font-number=2 --text-file="$TEXT" \
  --unicodes="U+0020-007E,U+00A0-017F,U+2000-206F,U+20A0-20CF,U+2100-2122,U+3000-303F,U+FF01-FF65,U+FFE0-FFE6" \
  --layout-features='*' --no-hinting --desubroutinize --name-IDs='*' \
  --output-file="$HERE/NotoSansSC-Subset.otf"

# The licence, as Debian ships it for these fonts.
{
  echo "Noto Sans CJK: Copyright 2010-2012, Google Corporation."
  echo "NotoSansSC-Subset.otf is a subset (a Modified Version) of Noto Sans CJK SC Regular, under the same licence."
  echo
  # the stand-alone "License: SIL-1.1" paragraph (after a blank line), up to the next licence
  awk '/^License: / { on = (prev == "" && $0 == "License: SIL-1.1"); prev = $0; next }
       on { sub(/^ /, ""); if ($0 == ".") $0 = ""; print } { prev = $0 }' "$COPYRIGHT"
} > "$HERE/OFL.txt"
ls -l "$HERE/NotoSansSC-Subset.otf"
