#!/usr/bin/env bash
# Starts PostgreSQL, Redis and NATS (JetStream) when they are installed but not running, as the
# environment notes describe. Tests never mock these; under CI=true an unreachable service fails them.
set -u
up() { (echo > "/dev/tcp/127.0.0.1/$1") >/dev/null 2>&1; }

if ! up 5432 && command -v pg_ctlcluster >/dev/null; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
if ! up 6379 && command -v redis-server >/dev/null; then
  echo "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
fi
if ! up 4222 && [ -x /usr/sbin/nats-server ]; then
  echo "starting NATS"
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log || true
fi
for i in $(seq 1 30); do
  up 5432 && up 6379 && up 4222 && exit 0
  sleep 1
done
echo "warning: some services are still down (5432: $(up 5432 && echo up || echo down), 6379: $(up 6379 && echo up || echo down), 4222: $(up 4222 && echo up || echo down))"
