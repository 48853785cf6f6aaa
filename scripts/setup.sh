#!/usr/bin/env bash
# `npm run setup`: installs every package (npm workspaces: one root package-lock.json, one node_modules) and
# builds them (the root postinstall runs scripts/build.sh). Same as `npm install` at the root.
set -euo pipefail
cd "$(dirname "$0")/.."
npm install --no-audit --no-fund
