-- What gateways enforce, as an ordered log of changes instead of whole published snapshots.
--
-- Every insert, update or delete of an API, plan, subscription or key appends an entry here from a trigger, in the
-- same transaction as the change, so no code path can change what gateways enforce without the log knowing. An
-- entry holds the entity as a node reads it (JSON), or null when the node must forget it. Entries are written
-- without a version; the control plane numbers them when it publishes (in commit order, under one advisory lock),
-- so the log's version is the config version and a node at version v needs exactly the entries after v.

create table config_log (
    id            bigserial primary key,
    -- Entries of one transaction are numbered together, in the order they were written.
    txid          bigint      not null default txid_current(),
    section       text        not null check (section in ('apis', 'plans', 'keys', 'subscriptions')),
    entity_id     text        not null,
    payload       text,
    version       bigint      constraint config_log_version_unique unique,
    -- SHA-256 of the entry's canonical form (null for a removal): what it adds to the content hash.
    entry_hash    bytea,
    -- The content hash of the whole config at this version: the sum of every live entry's hash.
    content_hash  text,
    published_at  timestamptz,
    -- Why this entry could not be published (it is then published as a removal).
    problem       text
);
create index config_log_unpublished on config_log (txid, id) where version is null;
create index config_log_entity on config_log (section, entity_id, version desc) where version is not null;
create index config_log_problems on config_log (section, entity_id) where problem is not null;

-- The log's head, kept with each publish: version, content hash and live entries per section. horizon: entries at
-- or below it may have been compacted away, so a node holding an older version gets a full snapshot.
create table config_log_head (
    singleton      boolean     primary key default true check (singleton),
    version        bigint      not null,
    content_hash   text        not null,
    published_at   timestamptz not null,
    apis           bigint      not null,
    plans          bigint      not null,
    keys           bigint      not null,
    subscriptions  bigint      not null,
    horizon        bigint      not null
);
insert into config_log_head values (true, 0, repeat('0', 64), now(), 0, 0, 0, 0, 0);

-- A consumer suspended for billing keeps its keys; the gateway refuses them with 402 and this reason.
alter table consumers add column if not exists suspended_reason text;
create index if not exists api_keys_expires_at on api_keys (expires_at) where revoked_at is null;

-- The entities as nodes read them (field names of protocol/config's records); null when a node must not have them.
-- Functions of a row and plain values only, so PostgreSQL inlines them into the set-based triggers below.
create function config_utc(t timestamptz) returns text language sql immutable as $$
    select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

create function config_api_json(a apis) returns text language sql immutable as $$
    select case when a.status in ('PUBLISHED', 'DEPRECATED') then json_build_object(
        'id', a.id::text, 'name', a.name, 'version', a.version, 'host', a.host, 'basePath', a.base_path,
        'stripBasePath', a.strip_base_path, 'targets', a.targets::json, 'keyHeader', a.key_header,
        'connectTimeoutMs', a.connect_timeout_ms, 'readTimeoutMs', a.read_timeout_ms, 'status', a.status,
        'upstreamPolicy', a.upstream_policy::json, 'canary', a.canary::json, 'shadow', a.shadow::json,
        'operations', case when a.pass_through then null else a.operations::json end,
        'allowEncodedSlashes', case when a.allow_encoded_slashes then true end)::text end
$$;

create function config_plan_json(p plans) returns text language sql immutable as $$
    select json_build_object('id', p.id::text, 'name', p.name, 'ratePerSecond', p.rate_per_second, 'burst', p.burst,
        'monthlyQuota', p.monthly_quota, 'quotaMode', p.quota_mode, 'failureMode', p.failure_mode)::text
$$;

-- api_status: the status of the subscription's API (a subscription to an API no node serves is not sent).
create function config_subscription_json(s subscriptions, api_status text) returns text language sql immutable as $$
    select case when s.status = 'ACTIVE' and api_status in ('PUBLISHED', 'DEPRECATED') then json_build_object(
        'id', s.id::text, 'applicationId', s.application_id::text, 'apiId', s.api_id::text, 'planId', s.plan_id::text,
        'billingAnchor', config_utc(s.billing_anchor))::text end
$$;

-- consumer_id, suspension: of the key's application's consumer.
create function config_key_json(k api_keys, consumer_id uuid, suspension text) returns text language sql immutable as $$
    select case when k.revoked_at is null then json_build_object(
        'id', k.id::text, 'keyHash', k.key_hash, 'applicationId', k.application_id::text,
        'consumerId', consumer_id::text, 'expiresAt', config_utc(k.expires_at), 'suspension', suspension)::text end
$$;

-- Statement-level triggers with transition tables: a statement that changes 200,000 keys appends its entries in one
-- insert, not 200,000 trigger calls. Entries are appended in id order within a statement.

create function config_log_plans_written() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' then
        insert into config_log (section, entity_id, payload) select 'plans', o.id::text, null from old_rows o order by o.id;
    elsif tg_op = 'INSERT' then
        insert into config_log (section, entity_id, payload) select 'plans', n.id::text, config_plan_json(n) from new_rows n order by n.id;
    else
        insert into config_log (section, entity_id, payload)
        select 'plans', n.id::text, config_plan_json(n) from new_rows n join old_rows o on o.id = n.id
        where config_plan_json(n) is distinct from config_plan_json(o) order by n.id;
    end if;
    return null;
end $$;

-- An API that stops being served takes its subscriptions with it, and one that starts brings them back. Removals
-- are logged before the API's own entry and additions after it, so every prefix of the log is a config a node accepts.
create function config_log_apis_written() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' then
        insert into config_log (section, entity_id, payload) select 'apis', o.id::text, null from old_rows o order by o.id;
    elsif tg_op = 'INSERT' then
        insert into config_log (section, entity_id, payload)
        select 'apis', n.id::text, config_api_json(n) from new_rows n where config_api_json(n) is not null order by n.id;
    else
        insert into config_log (section, entity_id, payload)
        select 'subscriptions', s.id::text, null
        from new_rows n join old_rows o on o.id = n.id join subscriptions s on s.api_id = n.id
        where s.status = 'ACTIVE' and o.status in ('PUBLISHED', 'DEPRECATED') and n.status not in ('PUBLISHED', 'DEPRECATED')
        order by s.id;
        insert into config_log (section, entity_id, payload)
        select 'apis', n.id::text, config_api_json(n) from new_rows n join old_rows o on o.id = n.id
        where config_api_json(n) is distinct from config_api_json(o) order by n.id;
        insert into config_log (section, entity_id, payload)
        select 'subscriptions', s.id::text, config_subscription_json(s, n.status)
        from new_rows n join old_rows o on o.id = n.id join subscriptions s on s.api_id = n.id
        where s.status = 'ACTIVE' and n.status in ('PUBLISHED', 'DEPRECATED') and o.status not in ('PUBLISHED', 'DEPRECATED')
        order by s.id;
    end if;
    return null;
end $$;

create function config_log_subscriptions_written() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' then
        insert into config_log (section, entity_id, payload) select 'subscriptions', o.id::text, null from old_rows o order by o.id;
    elsif tg_op = 'INSERT' then
        insert into config_log (section, entity_id, payload)
        select 'subscriptions', n.id::text, config_subscription_json(n, a.status)
        from new_rows n join apis a on a.id = n.api_id
        where config_subscription_json(n, a.status) is not null order by n.id;
    else
        insert into config_log (section, entity_id, payload)
        select 'subscriptions', n.id::text, config_subscription_json(n, a.status)
        from new_rows n join old_rows o on o.id = n.id join apis a on a.id = n.api_id
        where config_subscription_json(n, a.status) is distinct from config_subscription_json(o, a.status) order by n.id;
    end if;
    return null;
end $$;

create function config_log_keys_written() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' then
        insert into config_log (section, entity_id, payload) select 'keys', o.id::text, null from old_rows o order by o.id;
    elsif tg_op = 'INSERT' then
        insert into config_log (section, entity_id, payload)
        select 'keys', n.id::text, config_key_json(n, app.consumer_id, c.suspended_reason)
        from new_rows n join applications app on app.id = n.application_id join consumers c on c.id = app.consumer_id
        where n.revoked_at is null order by n.id;
    else
        insert into config_log (section, entity_id, payload)
        select 'keys', n.id::text, config_key_json(n, app.consumer_id, c.suspended_reason)
        from new_rows n join old_rows o on o.id = n.id
             join applications app on app.id = n.application_id join consumers c on c.id = app.consumer_id
        where config_key_json(n, app.consumer_id, c.suspended_reason) is distinct from config_key_json(o, app.consumer_id, c.suspended_reason)
        order by n.id;
    end if;
    return null;
end $$;

-- A consumer's suspension is carried by each of its keys.
create function config_log_consumers_written() returns trigger language plpgsql as $$
begin
    insert into config_log (section, entity_id, payload)
    select 'keys', k.id::text, config_key_json(k, n.id, n.suspended_reason)
    from new_rows n join old_rows o on o.id = n.id
         join applications app on app.consumer_id = n.id join api_keys k on k.application_id = app.id
    where o.suspended_reason is distinct from n.suspended_reason and k.revoked_at is null
    order by k.id;
    return null;
end $$;

create trigger config_log_plans_inserted after insert on plans referencing new table as new_rows
    for each statement execute function config_log_plans_written();
create trigger config_log_plans_updated after update on plans referencing old table as old_rows new table as new_rows
    for each statement execute function config_log_plans_written();
create trigger config_log_plans_deleted after delete on plans referencing old table as old_rows
    for each statement execute function config_log_plans_written();
create trigger config_log_apis_inserted after insert on apis referencing new table as new_rows
    for each statement execute function config_log_apis_written();
create trigger config_log_apis_updated after update on apis referencing old table as old_rows new table as new_rows
    for each statement execute function config_log_apis_written();
create trigger config_log_apis_deleted after delete on apis referencing old table as old_rows
    for each statement execute function config_log_apis_written();
create trigger config_log_subscriptions_inserted after insert on subscriptions referencing new table as new_rows
    for each statement execute function config_log_subscriptions_written();
create trigger config_log_subscriptions_updated after update on subscriptions referencing old table as old_rows new table as new_rows
    for each statement execute function config_log_subscriptions_written();
create trigger config_log_subscriptions_deleted after delete on subscriptions referencing old table as old_rows
    for each statement execute function config_log_subscriptions_written();
create trigger config_log_keys_inserted after insert on api_keys referencing new table as new_rows
    for each statement execute function config_log_keys_written();
create trigger config_log_keys_updated after update on api_keys referencing old table as old_rows new table as new_rows
    for each statement execute function config_log_keys_written();
create trigger config_log_keys_deleted after delete on api_keys referencing old table as old_rows
    for each statement execute function config_log_keys_written();
create trigger config_log_consumers_updated after update on consumers referencing old table as old_rows new table as new_rows
    for each statement execute function config_log_consumers_written();

-- What exists now becomes the log's first entries, in an order every prefix of which a node accepts.
insert into config_log (section, entity_id, payload) select 'plans', p.id::text, config_plan_json(p) from plans p order by p.id;
insert into config_log (section, entity_id, payload)
    select 'apis', a.id::text, config_api_json(a) from apis a where config_api_json(a) is not null order by a.id;
insert into config_log (section, entity_id, payload)
    select 'subscriptions', s.id::text, config_subscription_json(s, a.status) from subscriptions s join apis a on a.id = s.api_id
    where config_subscription_json(s, a.status) is not null order by s.id;
insert into config_log (section, entity_id, payload)
    select 'keys', k.id::text, config_key_json(k, app.consumer_id, c.suspended_reason)
    from api_keys k join applications app on app.id = k.application_id join consumers c on c.id = app.consumer_id
    where k.revoked_at is null order by k.id;

drop table config_publications;
