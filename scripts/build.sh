#!/usr/bin/env bash
# Builds every package (tsc) after the root install: run by `npm install` / `npm ci` (postinstall) and `npm run build`.
# Two at a time (the machines here have 2 cores); stops with the failing packages named.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/packages.sh
build() { # package -> builds it, output kept together
  local out
  if out=$(cd "$1" && npm run --if-present --silent build 2>&1); then echo "==> $1: built"; else
    echo "==> $1: build FAILED"; echo "$out"; return 1
  fi
}
# The contracts, test-support, the kit and db first, in that order (the kit's test helpers import test-support;
# the others import all of them).
failed=()
for p in "${FIRST_PACKAGES[@]}"; do
  [ -f "$p/package.json" ] && { build "$p" || failed+=("$p"); }
done
pids=() names=()
for p in "${PACKAGES[@]}"; do
  [[ " ${FIRST_PACKAGES[*]} " == *" $p "* ]] && continue
  build "$p" &
  pids+=($!) names+=("$p")
  if [ ${#pids[@]} -ge 2 ]; then
    wait "${pids[0]}" || failed+=("${names[0]}")
    pids=("${pids[@]:1}") names=("${names[@]:1}")
  fi
done
for i in "${!pids[@]}"; do wait "${pids[$i]}" || failed+=("${names[$i]}"); done
if [ ${#failed[@]} -gt 0 ]; then
  echo "build FAILED in: ${failed[*]}" >&2
  exit 1
fi
