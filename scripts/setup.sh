#!/usr/bin/env bash
# Installs every package from its lock file and builds it. Run by `npm install` / `npm run setup` at the root.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/packages.sh
for p in "${PACKAGES[@]}"; do
  echo "==> $p: npm ci && build"
  (cd "$p" && npm ci --no-audit --no-fund --loglevel=error && npm run --if-present --silent build)
done
