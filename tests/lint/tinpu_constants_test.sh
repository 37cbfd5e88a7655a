#!/usr/bin/env bash
# Lint: TINPU's numbers live in backends/tinpu (target.h, legality.h), never
# in passes/. Greps every non-test source of passes/ -- with comments and
# string literals removed, so banners may still explain the format -- for
# the literals of TINPU rules (activation ranges 127/128/255, 127.5, 1/255,
# the 5-bit shift 31, 8/12-bit multiplier limits 255/4095, the int24/int16
# offset fields, the residual range 511/512, float32's 2^24) and for direct
# uses of the target table's rule helpers, which passes must reach through
# the legality model (tinpu::Legality) instead.
#
#   tinpu_constants_test.sh [DIR]    (default: passes/ of this workspace,
#                                     with its subfolders such as passes/import)
#
# First proves it can fail: a planted file with such constants must be
# flagged. Exits 1 when the real sources contain any.
set -uo pipefail
# shellcheck source=tests/lib/paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/paths.sh"
DIR="${1:-$ROOT/passes}"

LITERALS='(^|[^0-9A-Za-z_.])(12|15|16|23|24|31|127|128|255|511|512|4095|16777216|8388607|8388608|32767|32768)([^0-9A-Za-z_.]|$)|127\.5|1(\.0?f?)? *\/ *255|<< *(15|23|24)'
HELPERS='\b(UnsignedRange|SignedRange|ResidualRange|LimitsFor|ComputeOss|WeightMax|kShiftBits|kMultiplierFieldBits|kInputQuantizeMultiplierBits|kInputBatchNormMultiplierBits|kConstantFactorBits|kFloat32ExactBits)\b'

# scan FILE...: prints "file:line: code" for every offending line.
scan() {
  local f
  for f in "$@"; do
    # Drop // comments and "..." literals (escapes included) before
    # matching; ONNX opset versions are not TINPU numbers.
    sed -E 's@//.*$@@; s@"([^"\\]|\\.)*"@""@g; s@opset\(\) *[<>=!]+ *[0-9]+@opset()@g' "$f" |
      grep -nE "$LITERALS|$HELPERS" | sed "s@^@$f:@"
  done
}

TMP="$(mktemp -d "${TEST_TMPDIR:-/tmp}/lint.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
cat >"$TMP/planted.cc" <<'CC'
// 255 in a comment is fine, and so is "127.5 in a string".
ClipRange r = UnsignedRange(8);
double m = 1.0 / 255;
int64_t lim = int64_t{1} << 24;
CC
planted="$(scan "$TMP/planted.cc" | wc -l)"
if [[ $planted -ne 3 ]]; then
  echo "FAIL the lint flags $planted of the 3 planted lines:"
  scan "$TMP/planted.cc"
  exit 1
fi

# passes/ and its subpackages (passes/import).
mapfile -t files < <(find "$DIR" -maxdepth 2 \( -name '*.cc' -o -name '*.h' \) ! -name '*_test.cc' | sort)
if [[ ${#files[@]} -eq 0 ]]; then
  echo "FAIL no sources found in $DIR"
  exit 1
fi
found="$(scan "${files[@]}")"
if [[ -n $found ]]; then
  echo "FAIL TINPU constants in passes/ (put them in backends/tinpu and ask tinpu::Legality):"
  echo "$found"
  exit 1
fi
echo "ok: ${#files[@]} files of $(basename "$DIR")/ hold no TINPU constant (planted check: 3 of 3 caught)"
