# Assertions shared by the shell tests (sourced). Each test script ends with `finish NAME`, which
# prints "NAME: N passed, M failed" and fails when anything failed.
passed=0
failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
check() { local what=$1; shift; if "$@"; then ok; else fail "$what"; fi; }
size_of() { vipsheader -f width "$1" 2>/dev/null | tr -d '\n'; printf x; vipsheader -f height "$1" 2>/dev/null; }
finish() {
  echo "$1: $passed passed, $failed failed"
  [ "$failed" = 0 ]
}
