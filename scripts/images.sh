#!/usr/bin/env bash
# `npm run images`: builds the five images from the repository root, each with its own Dockerfile and the tag the
# manifests and compose use (<package>:latest), one after another; prints their sizes. Stops at the first failure.
# On Minikube run `eval $(minikube docker-env)` first, so the images land in the cluster's Docker.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/packages.sh
for p in "${IMAGE_PACKAGES[@]}"; do
  echo "==> docker build -f $p/Dockerfile -t $p:latest ."
  docker build -f "$p/Dockerfile" -t "$p:latest" .
done
docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E "^($(IFS='|'; echo "${IMAGE_PACKAGES[*]}")):latest " || true
