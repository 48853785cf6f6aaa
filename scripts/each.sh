#!/usr/bin/env bash
# Runs one npm script (test, typecheck, ...) in every package, in order; fails if any package fails.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/packages.sh
script="$1"
failed=()
for p in "${PACKAGES[@]}"; do
  echo "==> $p: npm run $script"
  (cd "$p" && npm run --if-present --silent "$script") || failed+=("$p")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "npm run $script FAILED in: ${failed[*]}"
  exit 1
fi
echo "npm run $script passed in: ${PACKAGES[*]}"
