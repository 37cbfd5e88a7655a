# shellcheck shell=bash
# Pinned conformance lists (sourced by tests/conformance/*.sh; the C++
# interpreter_test has the same rule). A conformance test must not shrink
# its own scope: every entry of tests/conformance/pins/NAME.txt must still
# be in the current list, or the test fails naming the entries that left.
# New entries are printed; tests/conformance/update_pins.sh records them.
# With QUANTC_PIN_UPDATE set to a folder the list is written there instead.
# Needs ROOT (tests/lib/paths.sh).

# check_pins NAME CURRENT_FILE (one entry per line); returns 1 when pinned
# entries left.
check_pins() {
  local name="$1" current="$2" pin="$ROOT/tests/conformance/pins/$1.txt"
  LC_ALL=C sort -u "$current" -o "$current"
  if [[ -n "${QUANTC_PIN_UPDATE:-}" ]]; then
    cp "$current" "$QUANTC_PIN_UPDATE/$name.txt"
    echo "pins: wrote $(wc -l <"$current") entries to $QUANTC_PIN_UPDATE/$name.txt"
    return 0
  fi
  if [[ ! -f "$pin" ]]; then
    echo "pins: $pin is missing"
    return 1
  fi
  local left new
  left="$(LC_ALL=C comm -23 <(LC_ALL=C sort -u "$pin") "$current")"
  new="$(LC_ALL=C comm -13 <(LC_ALL=C sort -u "$pin") "$current")"
  echo "pins $name: $(grep -c . "$pin") pinned, $(grep -c . "$current") now," \
    "$(grep -c . <<<"$left") left, $(grep -c . <<<"$new") new"
  [[ -n "$new" ]] && sed 's/^/  NEW (record with tests\/conformance\/update_pins.sh): /' <<<"$new"
  if [[ -n "$left" ]]; then
    echo "pins $name: pinned entries that left:"
    sed 's/^/  /' <<<"$left"
    return 1
  fi
  return 0
}
