#!/usr/bin/env bash
# Makes sure the local MariaDB/MySQL, Redis and NATS (JetStream) answer, starting any that is down with the
# machine's own binaries. Used by .ci/run; handy before `npm start` or `npm test` on a dev machine.
set -uo pipefail

up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # name port
  for _ in $(seq 1 60); do up "$2" && { echo "$1 is up on 127.0.0.1:$2"; return 0; }; sleep 0.5; done
  echo "ERROR: $1 did not come up on 127.0.0.1:$2" >&2
  return 1
}

status=0
if ! up 3306; then
  echo "MariaDB is down: starting it"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
fi
wait_for MariaDB 3306 || status=1

if ! up 6379; then
  echo "Redis is down: starting it"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
fi
wait_for Redis 6379 || status=1

if ! up 4222; then
  echo "NATS is down: starting it"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log || true
fi
wait_for NATS 4222 || status=1

exit $status
