# The project's packages (npm workspaces of the root package.json), in the order they are built and tested.
# Sourced by the other scripts. A folder that does not exist yet (a later issue adds it) is skipped.
ALL_PACKAGES=(packages/contracts test-support packages/service-kit db user-service event-service booking-service
  notification-service e2e bench)
PACKAGES=()
for p in "${ALL_PACKAGES[@]}"; do
  if [ -f "$p/package.json" ]; then PACKAGES+=("$p"); fi
done
# Built before the others, one after another, in this order: the rest import them.
FIRST_PACKAGES=(packages/contracts test-support packages/service-kit db)
# The packages that become Docker images (built from the repository root with <package>/Dockerfile).
IMAGE_PACKAGES=(db user-service event-service booking-service notification-service)
