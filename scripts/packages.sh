# The project's packages, in the order they are installed, built and tested. Sourced by the other scripts.
# A folder that does not exist yet (a later issue adds it) is skipped.
ALL_PACKAGES=(db user-service event-service booking-service notification-service e2e bench)
PACKAGES=()
for p in "${ALL_PACKAGES[@]}"; do
  if [ -f "$p/package.json" ]; then PACKAGES+=("$p"); fi
done
