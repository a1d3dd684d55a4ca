#!/usr/bin/env bash
# Billing at scale: BENCH_SUBSCRIPTIONS (default 10,000) paid SOFT-quota subscriptions, one per consumer, each with
# usage past its included requests in the current period, seeded straight into PostgreSQL. The packaged control plane
# (its own process) provisions the Stripe objects, rates every period, enqueues one meter event per subscription and
# sends them to the Stripe-compatible test server (billing's test jar, in this JVM). Prints the time to provision, to
# rate and enqueue, and the send rate against BENCH_EVENTS_PER_SECOND and BENCH_REQUESTS_PER_SECOND, from the control
# plane's own timestamps and log; fails unless every overage unit reached the test server exactly once.
#
# usage: bench/billing.sh
# env:   BENCH_SUBSCRIPTIONS      subscriptions (default 10000)
#        BENCH_EVENTS_PER_SECOND  GATEHOUSE_BILLING_EVENTS_PER_SECOND for the run (default 1000, Stripe's live limit
#                                 for meter events)
#        BENCH_REQUESTS_PER_SECOND GATEHOUSE_STRIPE_REQUESTS_PER_SECOND for the run (default 100, Stripe's live limit
#                                 for all requests; provisioning and events are paced under it)
#        BENCH_STRIPE_CONCURRENCY GATEHOUSE_STRIPE_CONCURRENCY for the run (default: the control plane's, 8)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
local_jar="$root/deploy/local/target/gatehouse-local-0.1.0-SNAPSHOT-all.jar"
billing_tests="$root/billing/target/gatehouse-billing-0.1.0-SNAPSHOT-tests.jar"
app="$root/management-api/target/quarkus-app/quarkus-run.jar"
if [ ! -f "$local_jar" ] || [ ! -f "$billing_tests" ] || [ ! -f "$app" ]; then
  (cd "$root" && ./mvnw -B -ntp -DskipTests package)
fi
gson=$(ls ~/.m2/repository/com/google/code/gson/gson/*/gson-*.jar | grep -v sources | sort -V | tail -1)
java -Xmx1g -cp "$local_jar:$billing_tests:$gson" "$root/bench/BillingBench.java" "$app"
