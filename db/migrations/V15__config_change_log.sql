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
create function config_api_entry(a apis) returns text language sql stable as $$
    select case when a.status in ('PUBLISHED', 'DEPRECATED') then json_build_object(
        'id', a.id::text, 'name', a.name, 'version', a.version, 'host', a.host, 'basePath', a.base_path,
        'stripBasePath', a.strip_base_path, 'targets', a.targets::json, 'keyHeader', a.key_header,
        'connectTimeoutMs', a.connect_timeout_ms, 'readTimeoutMs', a.read_timeout_ms, 'status', a.status,
        'upstreamPolicy', a.upstream_policy::json, 'canary', a.canary::json, 'shadow', a.shadow::json,
        'operations', case when a.pass_through then null else a.operations::json end,
        'allowEncodedSlashes', case when a.allow_encoded_slashes then true end)::text end
$$;

create function config_plan_entry(p plans) returns text language sql stable as $$
    select json_build_object('id', p.id::text, 'name', p.name, 'ratePerSecond', p.rate_per_second, 'burst', p.burst,
        'monthlyQuota', p.monthly_quota, 'quotaMode', p.quota_mode, 'failureMode', p.failure_mode)::text
$$;

create function config_utc(t timestamptz) returns text language sql immutable as $$
    select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

create function config_subscription_entry(s subscriptions) returns text language sql stable as $$
    select case when s.status = 'ACTIVE' and a.status in ('PUBLISHED', 'DEPRECATED') then json_build_object(
        'id', s.id::text, 'applicationId', s.application_id::text, 'apiId', s.api_id::text, 'planId', s.plan_id::text,
        'billingAnchor', config_utc(s.billing_anchor))::text end
    from apis a where a.id = s.api_id
$$;

create function config_key_entry(k api_keys) returns text language sql stable as $$
    select case when k.revoked_at is null then json_build_object(
        'id', k.id::text, 'keyHash', k.key_hash, 'applicationId', k.application_id::text,
        'consumerId', app.consumer_id::text, 'expiresAt', config_utc(k.expires_at),
        'suspension', c.suspended_reason)::text end
    from applications app join consumers c on c.id = app.consumer_id where app.id = k.application_id
$$;

create function config_log_append(section text, entity_id text, payload text) returns void language sql as $$
    insert into config_log (section, entity_id, payload) values (section, entity_id, payload)
$$;

create function config_log_plans() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' then
        perform config_log_append('plans', old.id::text, null);
    elsif tg_op = 'INSERT' or config_plan_entry(old) is distinct from config_plan_entry(new) then
        perform config_log_append('plans', new.id::text, config_plan_entry(new));
    end if;
    return null;
end $$;

create function config_log_subscriptions() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' then
        perform config_log_append('subscriptions', old.id::text, null);
    elsif tg_op = 'INSERT' then
        if config_subscription_entry(new) is not null then
            perform config_log_append('subscriptions', new.id::text, config_subscription_entry(new));
        end if;
    elsif config_subscription_entry(old) is distinct from config_subscription_entry(new) then
        perform config_log_append('subscriptions', new.id::text, config_subscription_entry(new));
    end if;
    return null;
end $$;

create function config_log_keys() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' then
        perform config_log_append('keys', old.id::text, null);
    elsif tg_op = 'INSERT' then
        if config_key_entry(new) is not null then
            perform config_log_append('keys', new.id::text, config_key_entry(new));
        end if;
    elsif config_key_entry(old) is distinct from config_key_entry(new) then
        perform config_log_append('keys', new.id::text, config_key_entry(new));
    end if;
    return null;
end $$;

-- An API that stops being served takes its subscriptions with it, and one that starts brings them back. Removals
-- are logged before the API's and additions after it, so every prefix of the log is a config a node accepts.
create function config_log_apis() returns trigger language plpgsql as $$
declare
    live_before boolean := tg_op <> 'INSERT' and old.status in ('PUBLISHED', 'DEPRECATED');
    live_after boolean := tg_op <> 'DELETE' and new.status in ('PUBLISHED', 'DEPRECATED');
begin
    if tg_op = 'DELETE' then
        perform config_log_append('apis', old.id::text, null);
        return null;
    end if;
    if live_before and not live_after then
        perform config_log_append('subscriptions', s.id::text, null)
        from subscriptions s where s.api_id = new.id and s.status = 'ACTIVE';
    end if;
    if (tg_op = 'INSERT' and live_after) or (tg_op = 'UPDATE' and config_api_entry(old) is distinct from config_api_entry(new)) then
        perform config_log_append('apis', new.id::text, config_api_entry(new));
    end if;
    if live_after and not live_before then
        perform config_log_append('subscriptions', s.id::text, config_subscription_entry(s))
        from subscriptions s where s.api_id = new.id and s.status = 'ACTIVE';
    end if;
    return null;
end $$;

-- A consumer's suspension is carried by each of its keys.
create function config_log_consumers() returns trigger language plpgsql as $$
begin
    if old.suspended_reason is distinct from new.suspended_reason then
        perform config_log_append('keys', k.id::text, config_key_entry(k))
        from api_keys k join applications app on app.id = k.application_id
        where app.consumer_id = new.id and k.revoked_at is null;
    end if;
    return null;
end $$;

create trigger config_log_plans after insert or update or delete on plans for each row execute function config_log_plans();
create trigger config_log_apis after insert or update or delete on apis for each row execute function config_log_apis();
create trigger config_log_subscriptions after insert or update or delete on subscriptions
    for each row execute function config_log_subscriptions();
create trigger config_log_keys after insert or update or delete on api_keys for each row execute function config_log_keys();
create trigger config_log_consumers after update on consumers for each row execute function config_log_consumers();

-- What exists now becomes the log's first entries, in an order every prefix of which a node accepts.
insert into config_log (section, entity_id, payload) select 'plans', p.id::text, config_plan_entry(p) from plans p order by p.id;
insert into config_log (section, entity_id, payload)
    select 'apis', a.id::text, config_api_entry(a) from apis a where config_api_entry(a) is not null order by a.id;
insert into config_log (section, entity_id, payload)
    select 'subscriptions', s.id::text, config_subscription_entry(s) from subscriptions s
    where config_subscription_entry(s) is not null order by s.id;
insert into config_log (section, entity_id, payload)
    select 'keys', k.id::text, config_key_entry(k) from api_keys k where config_key_entry(k) is not null order by k.id;

drop table config_publications;
