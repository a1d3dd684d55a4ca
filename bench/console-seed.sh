#!/usr/bin/env bash
# Console and admin API at the size of a real API program: seeds a running local platform (./run.sh, or the launcher
# jar) with 1,000 APIs, 10,000 applications with a subscription each and 100,000 API keys, straight into its
# PostgreSQL with generate_series (seconds, not hours of admin calls), then measures the server time of the console's
# main pages, of the paginated admin lists and of publishing a 5 MB OpenAPI document.
#
# Time is curl's %{time_total} on 127.0.0.1 (connection, server work and transfer; no browser rendering), over
# BENCH_REQUESTS requests per page after 3 unmeasured warm-up requests; p50 and p95 per page. Target: p95 < 200 ms.
#
# usage: bench/console-seed.sh            (seeds once; rows named bench-* are kept for the next run)
# env:   GATEHOUSE_HOME            the platform's home (default .gatehouse): admin-token, db-password, accounts
#        GATEHOUSE_URL             the control plane (default http://127.0.0.1:${GATEHOUSE_HTTP_PORT:-8001})
#        GATEHOUSE_LOCAL_DB_PORT   the embedded PostgreSQL's port (default 54329)
#        BENCH_REQUESTS            requests per page (default 50)
#        BENCH_PUBLISHES           5 MB documents published (default 10; each one is a new DRAFT API)
#        BENCH_RESEED=1            delete the bench-* rows and seed again
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
home="${GATEHOUSE_HOME:-$root/.gatehouse}"
url="${GATEHOUSE_URL:-http://127.0.0.1:${GATEHOUSE_HTTP_PORT:-8001}}"
requests="${BENCH_REQUESTS:-50}"
publishes="${BENCH_PUBLISHES:-10}"
token=$(cat "$home/admin-token")
export PGPASSWORD=$(cat "$home/db-password")
psql_cmd=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "${GATEHOUSE_LOCAL_DB_PORT:-54329}" -U postgres -d postgres)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

curl -fsS -o /dev/null -H "Authorization: Bearer $token" "$url/admin/config" \
  || { echo "bench: no control plane at $url (start ./run.sh first)" >&2; exit 2; }

# ---- seeding -------------------------------------------------------------------------------------------------
if [ "${BENCH_RESEED:-0}" = 1 ]; then
  "${psql_cmd[@]}" <<'SQL'
delete from consumers where username like 'bench-%';
delete from api_plans where api_id in (select id from apis where name like 'bench-%');
delete from subscriptions where api_id in (select id from apis where name like 'bench-%');
delete from api_documents where api_id in (select id from apis where name like 'bench-%');
delete from apis where name like 'bench-%';
delete from plans where name = 'bench-gold';
SQL
fi
seeded=$("${psql_cmd[@]}" -t -A -c "select count(*) from apis where name like 'bench-api-%'")
if [ "$seeded" -lt 1000 ]; then
  started=$(date +%s.%N)
  # One team in ten is "demo", the team of the local api-owner account, so the api-owner pages list 100 APIs.
  # Ten applications per consumer, one subscription each (ten per API, one in twenty PENDING), ten keys each.
  "${psql_cmd[@]}" <<'SQL'
begin;
insert into plans (id, name, description, rate_per_second, burst, monthly_quota, quota_mode, created_at, updated_at)
values (gen_random_uuid(), 'bench-gold', 'benchmark plan', 100, 50, 1000000, 'SOFT', now(), now());
insert into apis (id, name, version, base_path, targets, connect_timeout_ms, read_timeout_ms, status, owner_team, created_at, updated_at)
select gen_random_uuid(), 'bench-api-' || n, '1', '/bench-api-' || n, '[{"url":"http://127.0.0.1:9000","weight":1}]',
       5000, 60000, 'PUBLISHED', case when n % 10 = 0 then 'demo' else 'bench-team-' || (n % 10) end,
       now() - (1000 - n) * interval '1 second', now()
from generate_series(1, 1000) n;
insert into api_plans (api_id, plan_id) select a.id, p.id from apis a, plans p where a.name like 'bench-api-%' and p.name = 'bench-gold';
insert into consumers (id, username, email, created_at)
select gen_random_uuid(), 'bench-dev-' || n, 'bench-dev-' || n || '@example.com', now() from generate_series(1, 1000) n;
insert into applications (id, consumer_id, name, created_at)
select gen_random_uuid(), c.id, 'bench-app-' || i, now() from consumers c, generate_series(1, 10) i where c.username like 'bench-dev-%';
with numbered as (select id, row_number() over (order by id) as n from applications where name like 'bench-app-%'),
     apis_numbered as (select id, row_number() over (order by name) - 1 as k from apis where name like 'bench-api-%')
insert into subscriptions (id, application_id, api_id, plan_id, status, created_at)
select gen_random_uuid(), numbered.id, apis_numbered.id, (select id from plans where name = 'bench-gold'),
       case when numbered.n % 20 = 0 then 'PENDING' else 'ACTIVE' end, now()
from numbered join apis_numbered on apis_numbered.k = numbered.n % 1000;
insert into api_keys (id, application_id, key_hash, prefix, created_at)
select gen_random_uuid(), a.id, encode(sha256((a.id::text || '/' || i)::bytea), 'hex'), 'ghk_bench', now()
from applications a, generate_series(1, 10) i where a.name like 'bench-app-%';
commit;
analyze;
SQL
  echo "seeded 1,000 APIs, 10,000 applications and subscriptions, 100,000 keys in $(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s"
else
  echo "bench-* rows already seeded (BENCH_RESEED=1 seeds again)"
fi

# ---- signing in ----------------------------------------------------------------------------------------------
sign_in() { # email password cookie-jar
  local page csrf
  page=$(curl -fsS -c "$3" -b "$3" "$url/console/sign-in")
  csrf=$(printf '%s' "$page" | grep -o 'name="csrf-token" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"$//')
  local status
  status=$(curl -sS -o /dev/null -w '%{http_code}' -c "$3" -b "$3" --data-urlencode "email=$1" --data-urlencode "password=$2" \
    --data-urlencode "csrf-token=$csrf" "$url/console/sign-in")
  [ "$status" = 303 ] || { echo "bench: sign-in of $1 answered $status" >&2; exit 1; }
}
account() { awk -F'\t' -v r="$1" '$2 == r {print $1 "\t" $4; exit}' "$home/accounts"; }
IFS=$'\t' read -r admin_email admin_password < <(account admin)
IFS=$'\t' read -r owner_email owner_password < <(account api-owner)
sign_in "$admin_email" "$admin_password" "$work/admin.jar"
sign_in "$owner_email" "$owner_password" "$work/owner.jar"

# ---- measuring -----------------------------------------------------------------------------------------------
results="$work/results"
: > "$results"
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
api=$("${psql_cmd[@]}" -t -A -c "select id from apis where name = 'bench-api-500'")
owned=$("${psql_cmd[@]}" -t -A -c "select id from apis where name = 'bench-api-10'")
app=$("${psql_cmd[@]}" -t -A -c "select a.id from applications a where a.name = 'bench-app-5' order by a.id limit 1")
deep=$(curl -fsS -H "Authorization: Bearer $token" "$url/admin/keys?limit=1000" | python3 -c 'import json,sys;print(json.load(sys.stdin)["nextCursor"])')
admin_api=(-H "Authorization: Bearer $token")

echo "| page | status | requests | p50 ms | p95 ms | max ms | p95 < 200 ms |"
echo "|---|---|---|---|---|---|---|"
measure "console: APIs (admin, first page of 1,000+)" -b "$work/admin.jar" "$url/console/apis"
measure "console: APIs (api-owner, 100 of their team)" -b "$work/owner.jar" "$url/console/apis"
measure "console: an API's page (admin)" -b "$work/admin.jar" "$url/console/apis/$api"
measure "console: an API's page (api-owner)" -b "$work/owner.jar" "$url/console/apis/$owned"
measure "console: an API's subscriptions (api-owner)" -b "$work/owner.jar" "$url/console/apis/$owned/subscriptions"
measure "console: nodes (admin)" -b "$work/admin.jar" "$url/console/nodes"
measure "admin: GET /admin/apis (100 of 1,000)" "${admin_api[@]}" "$url/admin/apis"
measure "admin: GET /admin/consumers" "${admin_api[@]}" "$url/admin/consumers"
measure "admin: GET /admin/applications" "${admin_api[@]}" "$url/admin/applications"
measure "admin: GET /admin/subscriptions (of 10,000)" "${admin_api[@]}" "$url/admin/subscriptions"
measure "admin: GET /admin/subscriptions?apiId=…&status=ACTIVE" "${admin_api[@]}" "$url/admin/subscriptions?apiId=$api&status=ACTIVE"
measure "admin: GET /admin/keys (of 100,000, no total)" "${admin_api[@]}" "$url/admin/keys"
measure "admin: GET /admin/keys?limit=1000&cursor=(page 2)" "${admin_api[@]}" "$url/admin/keys?limit=1000&cursor=$deep"
measure "admin: GET /admin/applications/{id}/keys" "${admin_api[@]}" "$url/admin/applications/$app/keys"
measure "admin: GET /admin/nodes" "${admin_api[@]}" "$url/admin/nodes"

# ---- publishing a 5 MB OpenAPI document ------------------------------------------------------------------------
python3 - "$work/doc.json" <<'PY'
import json, sys
# 200 documented operations and padded schemas up to 5 MiB, like PublishFromDocumentTest's large document.
paths = {f"/things{i}/{{id}}": {"get": {"parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                                         "responses": {"200": {"description": "ok"}}}} for i in range(200)}
schemas, padding, i = {}, "word " * 500, 0
doc = {"openapi": "3.0.3", "info": {"title": "bench large", "version": "1"}, "paths": paths, "components": {"schemas": schemas}}
while len(json.dumps(doc)) < 5 * 1024 * 1024:
    for _ in range(100):
        schemas[f"Thing{i}"] = {"type": "object", "description": padding, "properties": {"id": {"type": "string"}}}
        i += 1
open(sys.argv[1], "w").write(json.dumps(doc))
PY
size=$(stat -c %s "$work/doc.json")
run=$(date +%s)
: > "$work/publish"
for n in $(seq "$publishes"); do
  curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' "${admin_api[@]}" -H 'Content-Type: application/vnd.oai.openapi+json' \
    --data-binary @"$work/doc.json" \
    "$url/admin/apis/import?name=bench-doc-$run-$n&basePath=/bench-doc-$run-$n&target=http://127.0.0.1:9000&status=DRAFT" >> "$work/publish"
done
sort -k2 -n "$work/publish" | awk -v size="$size" '
  { t[NR] = $2 * 1000; s[$1] = 1 }
  END {
    for (k in s) codes = codes k " "
    printf "| admin: publish a %.1f MB OpenAPI document (POST /admin/apis/import) | %s| %d | %.0f | %.0f | %.0f | — |\n", size / 1048576, codes, NR, t[int((NR + 1) * 0.5)], t[int(NR * 0.95 + 0.999)], t[NR]
  }' | tee -a "$results"
echo
echo "load: $(uptime)"
