#!/usr/bin/env bash
# The control plane's audit ingest rate without Kafka: BENCH_RECORDS signed records (default 20000) of one node,
# batch-signed as its writer signs them, stored through the real AuditStore on embedded PostgreSQL in polls of
# BENCH_POLL (default 500, the consumer's max.poll.records). Prints records a second over all polls but the first
# (management-api/src/test/java/io/gatehouse/management/audit/AuditIngestBench.java; it fails unless every record
# was stored once and the store verifies).
#
# usage: bench/audit-ingest.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export BENCH_RECORDS="${BENCH_RECORDS:-20000}" BENCH_POLL="${BENCH_POLL:-500}"
./mvnw -B -ntp -pl management-api -am verify -Dtest=AuditIngestBench -Dsurefire.failIfNoSpecifiedTests=false 2>&1 \
  | tee "${TMPDIR:-/tmp}/gatehouse-audit-ingest-bench.log" | grep -E "audit ingest bench:|BUILD|ERROR|FAIL" || true
grep -q "audit ingest bench:" "${TMPDIR:-/tmp}/gatehouse-audit-ingest-bench.log"
