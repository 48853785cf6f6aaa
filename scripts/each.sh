#!/usr/bin/env bash
# Runs one npm script (test, typecheck, ...) in every package, in order; fails if any package fails.
# `each.sh test` (root `npm test`) also runs the scripts' own tests (node --test scripts/) and ends with one line
# for the whole run, `N passed, N failed`: every jest and node:test result counted, read from their summary
# lines ("Tests: 1 failed, 33 passed, 34 total"; "# pass 52" / "# fail 0"). A package that fails without a
# summary line (a build error) counts as one failure.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/packages.sh
script="$1"
failed=()
passed_total=0
failed_total=0
counts=()
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

# Adds the results of the run whose output is in $log: "$1" names it, "$2" is its exit status.
count() {
  local name="$1" status="$2" plain p f
  plain="$(sed 's/\x1b\[[0-9;]*m//g' "$log")"
  # jest: the last "Tests:" line; node:test: its "# pass N" and "# fail N" (or "ℹ pass N" from the spec reporter).
  local tests
  tests="$(grep -E '^Tests:' <<<"$plain" | tail -1)"
  if [ -n "$tests" ]; then
    p="$(grep -oE '[0-9]+ passed' <<<"$tests" | grep -oE '[0-9]+' || true)"
    f="$(grep -oE '[0-9]+ failed' <<<"$tests" | grep -oE '[0-9]+' || true)"
  else
    p="$(grep -E '^(# |ℹ )pass [0-9]+' <<<"$plain" | tail -1 | grep -oE '[0-9]+' || true)"
    f="$(grep -E '^(# |ℹ )fail [0-9]+' <<<"$plain" | tail -1 | grep -oE '[0-9]+' || true)"
  fi
  p="${p:-0}"
  f="${f:-0}"
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed_total=$((passed_total + p))
  failed_total=$((failed_total + f))
  counts+=("$name $p/$((p + f))")
}

for p in "${PACKAGES[@]}"; do
  echo "==> $p: npm run $script"
  if [ "$script" = test ]; then
    (cd "$p" && npm run --if-present --silent "$script") 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    # A package that printed nothing is counted too: it failed without a summary, or ran no tests.
    if [ -s "$log" ] || [ "$status" -ne 0 ]; then count "$p" "$status"; fi
  else
    (cd "$p" && npm run --if-present --silent "$script")
    status=$?
  fi
  [ "$status" -eq 0 ] || failed+=("$p")
done

if [ "$script" = test ]; then
  echo "==> scripts: node --test scripts/"
  node --test scripts/ 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  count scripts "$status"
  [ "$status" -eq 0 ] || failed+=(scripts)
  echo "passed/run by package: ${counts[*]}"
  if [ ${#failed[@]} -gt 0 ]; then echo "FAILED in: ${failed[*]}"; fi
  echo "$passed_total passed, $failed_total failed"
  [ ${#failed[@]} -eq 0 ]
  exit
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "npm run $script FAILED in: ${failed[*]}"
  exit 1
fi
echo "npm run $script passed in: ${PACKAGES[*]}"
