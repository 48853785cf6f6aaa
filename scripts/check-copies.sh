#!/usr/bin/env bash
# The shared infrastructure files are parallel copies (each service builds on its own): keep them identical.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/packages.sh
status=0
for dir in src/lib test/support/infra.ts test/support/service-process.ts \
  src/messaging/nats-link.ts src/messaging/bookings-stream.ts src/messaging/durable-consumer.ts; do
  ref=""
  for p in user-service event-service booking-service notification-service; do
    [ -e "$p/$dir" ] || continue
    # booking-service alone owns the BOOKINGS stream's configuration; the others' copy only looks it up.
    [ "$dir" = src/messaging/bookings-stream.ts ] && [ "$p" = booking-service ] && continue
    if [ -z "$ref" ]; then ref="$p"; continue; fi
    if [ -d "$p/$dir" ]; then
      # Every file of the reference's lib must be the same; a service may have extra files of its own.
      for f in "$ref/$dir"/*; do
        cmp -s "$f" "$p/$dir/$(basename "$f")" || { echo "differs from $f: $p/$dir/$(basename "$f")"; status=1; }
      done
    else
      cmp -s "$ref/$dir" "$p/$dir" || { echo "differs from $ref/$dir: $p/$dir"; status=1; }
    fi
  done
done
[ $status -eq 0 ] && echo "shared lib copies are identical"
exit $status
