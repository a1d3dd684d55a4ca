#!/usr/bin/env bash
# The developer portal at the size of a real API program: on a running local platform seeded by bench/console-seed.sh
# (1,000 APIs, 10,000 applications; seeded here first if missing), measures the server time of the catalog and its
# search, an API reference page rendered from a 5 MB OpenAPI document (its first, uncached render apart), and a
# developer's usage page over 30 days of hourly counts.
#
# Time is curl's %{time_total} on 127.0.0.1, over BENCH_REQUESTS requests per page after 3 unmeasured warm-up
# requests; p50 and p95 per page. Target (the portal's issue): p95 < 200 ms.
#
# usage: bench/portal.sh
# env:   GATEHOUSE_HOME, GATEHOUSE_URL, GATEHOUSE_LOCAL_DB_PORT as for bench/console-seed.sh
#        BENCH_REQUESTS   requests per page (default 50)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
home="${GATEHOUSE_HOME:-$root/.gatehouse}"
url="${GATEHOUSE_URL:-http://127.0.0.1:${GATEHOUSE_HTTP_PORT:-8001}}"
requests="${BENCH_REQUESTS:-50}"
token=$(cat "$home/admin-token")
export PGPASSWORD=$(cat "$home/db-password")
psql_cmd=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${GATEHOUSE_LOCAL_DB_PORT:-54329}" -U postgres -d postgres)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

seeded=$("${psql_cmd[@]}" -t -A -c "select count(*) from apis where name like 'bench-api-%'")
if [ "$seeded" -lt 1000 ]; then
  BENCH_REQUESTS=1 BENCH_PUBLISHES=0 "$root/bench/console-seed.sh" > /dev/null
fi

# ---- a published API with a 5 MB document ---------------------------------------------------------------------
large=$("${psql_cmd[@]}" -t -A -c "select id from apis where name = 'bench-portal-large' limit 1")
if [ -z "$large" ]; then
  python3 - "$work/doc.json" <<'PY'
import json, sys
# 200 documented operations whose responses refer to padded schemas, up to 5 MiB: the reference renders them all.
schemas, padding, i = {}, "word " * 500, 0
paths = {f"/things{n}/{{id}}": {"get": {"tags": [f"group{n % 10}"], "summary": f"Thing {n}",
          "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
          "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/Thing{n}"}}}}}}}
         for n in range(200)}
doc = {"openapi": "3.0.3", "info": {"title": "bench portal large", "version": "1"}, "paths": paths, "components": {"schemas": schemas}}
while len(json.dumps(doc)) < 5 * 1024 * 1024:
    for _ in range(100):
        schemas[f"Thing{i}"] = {"type": "object", "description": padding, "properties": {"id": {"type": "string"}, "next": {"$ref": f"#/components/schemas/Thing{i}"}}}
        i += 1
open(sys.argv[1], "w").write(json.dumps(doc))
PY
  large=$(curl -fsS -H "Authorization: Bearer $token" -H 'Content-Type: application/vnd.oai.openapi+json' --data-binary @"$work/doc.json" \
    "$url/admin/apis/import?name=bench-portal-large&basePath=/bench-portal-large&target=http://127.0.0.1:9000&status=PUBLISHED" \
    | python3 -c 'import json,sys;print(json.load(sys.stdin)["api"]["id"])')
  echo "published a $(stat -c %s "$work/doc.json" | awk '{printf "%.1f", $1 / 1048576}') MB document as API $large"
fi
# The reference is rendered once per document version and kept: its first render is the cost a cache miss pays.
first=$(curl -sS -o /dev/null -w '%{http_code} %{time_total}' "$url/portal/apis/$large/reference")
echo "first request of the 5 MB document's reference since the control plane started (uncached unless an earlier run asked): ${first#* } s (status ${first%% *})"

# ---- a developer with an application, subscribed, and 30 days of hourly usage ---------------------------------
account() { awk -F'\t' -v r="$1" '$2 == r {print $1 "\t" $4; exit}' "$home/accounts"; }
IFS=$'\t' read -r dev_email dev_password < <(account developer)
jar="$work/dev.jar"
# Builds before seeded accounts counted as verified left the local developer unable to create applications.
"${psql_cmd[@]}" -c "update users set email_verified_at = created_at where lower(email) = lower('$dev_email') and email_verified_at is null"
csrf() { grep -o 'name="csrf-token" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"$//'; }
token_of_page() { curl -fsS -c "$jar" -b "$jar" "$url$1" | csrf; }
t=$(token_of_page /portal/sign-in)
status=$(curl -sS -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" --data-urlencode "email=$dev_email" \
  --data-urlencode "password=$dev_password" --data-urlencode "csrf-token=$t" "$url/portal/sign-in")
[ "$status" = 303 ] || { echo "bench: portal sign-in of $dev_email answered $status" >&2; exit 1; }
app=$("${psql_cmd[@]}" -t -A -c "select a.id from applications a join consumers c on c.id = a.consumer_id join users u on u.id = c.user_id
                                  where lower(u.email) = lower('$dev_email') and a.name = 'bench-usage' limit 1")
if [ -z "$app" ]; then
  t=$(token_of_page /portal/apps)
  location=$(curl -sS -o /dev/null -w '%{redirect_url}' -c "$jar" -b "$jar" --data-urlencode "name=bench-usage" \
    --data-urlencode "csrf-token=$t" "$url/portal/apps")
  app=${location##*/}
  offer=$("${psql_cmd[@]}" -t -A -c "select a.id || ':' || p.id from apis a join api_plans ap on ap.api_id = a.id join plans p on p.id = ap.plan_id
                                    where a.name in ('bench-api-1', 'bench-api-2', 'bench-api-3') order by a.name")
  for o in $offer; do
    t=$(token_of_page "/portal/apps/$app")
    curl -sS -o /dev/null -c "$jar" -b "$jar" --data-urlencode "offer=$o" --data-urlencode "csrf-token=$t" "$url/portal/apps/$app/subscriptions"
  done
  # 30 days × 24 hours of counts per subscription, as gateways would have reported them.
  "${psql_cmd[@]}" -c "
    insert into usage_hourly (subscription_id, plan_id, hour, consumer_id, application_id, api_id, admitted, refused,
                              informational, success, redirect, client_error, server_error)
    select s.id, s.plan_id, date_trunc('hour', now()) - h * interval '1 hour', a.consumer_id, a.id, s.api_id, 1000, 10, 0, 950, 5, 50, 5
    from subscriptions s join applications a on a.id = s.application_id, generate_series(0, 30 * 24 - 1) h
    where a.id = '$app' on conflict do nothing"
fi
subscribed=$("${psql_cmd[@]}" -t -A -c "select count(*) from subscriptions where application_id = '$app'")

results="$work/results"
measure() { # label, then curl arguments
  local label=$1; shift
  local times="$work/times" status
  for _ in 1 2 3; do curl -sS -o /dev/null "$@"; done
  : > "$times"
  for _ in $(seq "$requests"); do
    curl -sS -o /dev/null -w '%{http_code} %{time_total} %{size_download}\n' "$@" >> "$times"
  done
  status=$(awk '{print $1}' "$times" | sort -u | tr '\n' ' ')
  sort -k2 -n "$times" | awk -v label="$label" -v status="$status" '
    { t[NR] = $2 * 1000; size = $3 }
    END {
      p50 = t[int((NR + 1) * 0.50)]; p95 = t[int(NR * 0.95 + 0.999)]
      printf "| %s | %s| %d | %.1f | %.1f | %.1f | %s |\n", label, status, NR, p50, p95, t[NR], (p95 < 200 ? "yes" : "NO")
    }' | tee -a "$results"
}

echo "| page | status | requests | p50 ms | p95 ms | max ms | p95 < 200 ms |"
echo "|---|---|---|---|---|---|---|"
measure "portal: catalog, every API (200 of 1,000+ versions shown)" "$url/portal/apis"
measure "portal: catalog search ?q=bench-api-5 (111 matches)" "$url/portal/apis?q=bench-api-5"
measure "portal: catalog search, JSON" -H 'Accept: application/json' "$url/portal/apis?q=bench-api-5"
measure "portal: catalog search, no match" "$url/portal/apis?q=nothing-matches-this"
measure "portal: API reference of a 5 MB document (cached render)" "$url/portal/apis/$large/reference"
measure "portal: usage page, $subscribed APIs × 30 days of hourly counts" -b "$jar" "$url/portal/apps/$app/usage"
measure "portal: usage JSON" -b "$jar" -H 'Accept: application/json' "$url/portal/apps/$app/usage"
echo
echo "load: $(uptime)"
