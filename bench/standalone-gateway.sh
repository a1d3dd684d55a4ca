#!/usr/bin/env bash
# Starts a gateway node in standalone mode for the benchmark; proxy-compare.sh runs it with BENCH_UPSTREAM_URL set.
# usage: standalone-gateway.sh JAR PORT KEY   (BENCH_TLS_CERT/BENCH_TLS_KEY set: serve PORT over TLS, HTTP/2 by ALPN)
set -euo pipefail
jar="$1"; port="$2"; key="$3"
work=$(mktemp -d)
hash=$(printf %s "$key" | sha256sum | cut -d' ' -f1)
# BENCH_LIMITS=1: the plan has a rate limit and a quota that are never reached, so every request pays for the
# GCRA check, the quota unit and the usage count without being refused.
plan='{"id": "bench-plan", "name": "bench", "quotaMode": "HARD"}'
if [ "${BENCH_LIMITS:-0}" = 1 ]; then
  plan='{"id": "bench-plan", "name": "bench", "ratePerSecond": 10000000, "burst": 1000000, "monthlyQuota": 1000000000000, "quotaMode": "HARD"}'
fi
cat >"$work/snapshot.json" <<JSON
{
  "version": 1,
  "publishedAt": "2026-01-01T00:00:00Z",
  "apis": [{"id": "bench", "name": "bench", "version": "1", "basePath": "/bench", "stripBasePath": false,
            "targets": [{"url": "${BENCH_UPSTREAM_URL}", "weight": 1}], "keyHeader": "X-API-Key",
            "connectTimeoutMs": 2000, "readTimeoutMs": 30000, "status": "PUBLISHED"}],
  "plans": [$plan],
  "keys": [{"id": "bench-key", "keyHash": "$hash", "applicationId": "bench-app", "consumerId": "bench-consumer"}],
  "subscriptions": [{"id": "bench-sub", "applicationId": "bench-app", "apiId": "bench", "planId": "bench-plan"}]
}
JSON
# With the harness's --tls the clients speak TLS to PORT: the TLS listener takes it, with the harness's certificate,
# and the plain listener is off (its port is left to the OS).
if [ -n "${BENCH_TLS_CERT:-}" ]; then
  export GATEHOUSE_TLS_CERT_FILE="$BENCH_TLS_CERT" GATEHOUSE_TLS_KEY_FILE="$BENCH_TLS_KEY" GATEHOUSE_TLS_PORT="$port" \
    GATEHOUSE_PLAIN_HTTP=off
  port=0
fi
export GATEHOUSE_SNAPSHOT_FILE="$work/snapshot.json" GATEHOUSE_PROXY_HOST=127.0.0.1 GATEHOUSE_PROXY_PORT="$port" \
  GATEHOUSE_STATUS_PORT=0 GATEHOUSE_DATA_DIR="$work/data" GATEHOUSE_CONFIG=/nonexistent \
  GATEHOUSE_ACCESS_LOG="${GATEHOUSE_ACCESS_LOG:-off}"
exec "${GATEWAY_JAVA:-java}" ${GATEWAY_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseParallelGC -XX:+AlwaysPreTouch} -jar "$jar"
