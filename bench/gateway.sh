#!/usr/bin/env bash
# Gateway throughput and latency against nginx and HAProxy, through ../shared/bench/proxy-compare.sh.
# The gateway runs standalone from a snapshot file: one API (/bench, path kept) routed to the harness's upstream,
# one API key sent on every request, so each request pays for routing, key hashing and lookup, and the proxy.
#
# usage: bench/gateway.sh [proxy-compare options, e.g. -d 8 -r 3, or --tls for HTTP/1.1 over TLS]
# env:   PROXY_COMPARE   path of proxy-compare.sh (default ../shared/bench/proxy-compare.sh)
#        BENCH_LIMITS=1  give the plan a rate limit and a quota that are never reached (the cost of the limits)
#        GATEWAY_JAVA_OPTS  JVM options for the gateway (default -Xms512m -Xmx512m -XX:+UseParallelGC)
#        GATEWAY_JAVA   the java binary that runs the gateway (default: java on PATH)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jar="$root/gateway-node/target/gatehouse-gateway-node-0.1.0-SNAPSHOT-all.jar"
harness="${PROXY_COMPARE:-$root/../shared/bench/proxy-compare.sh}"
[ -f "$harness" ] || { echo "bench: $harness not found (set PROXY_COMPARE)" >&2; exit 2; }
if [ ! -f "$jar" ]; then
  (cd "$root" && ./mvnw -B -ntp -q -DskipTests -pl gateway-node -am install)
fi
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
# A fixed, well-formed key: benchmarks must be repeatable. It grants nothing outside this run.
key="ghk_benchbenchbenchbenchbenchbenchbenchbenchben"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# The harness's own exit status is not a verdict (its last line is a conditional warning); its RESULT line is.
# --tls: the harness gives the gateway its certificate (BENCH_TLS_CERT/KEY) and expects https on the same URL.
scheme=http
for arg in "$@"; do [ "$arg" = --tls ] && scheme=https; done
bash "$harness" --url "$scheme://127.0.0.1:$port/bench/hello" -H "X-API-Key: $key" "$@" -- \
  "$root/bench/standalone-gateway.sh" "$jar" "$port" "$key" 2>&1 | tee "$out" || true
grep -q '^RESULT ' "$out"
