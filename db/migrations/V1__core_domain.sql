-- Gatehouse core domain: APIs, plans, consumers, applications, subscriptions, API keys,
-- and the configuration versions pushed to gateway nodes.
-- Ids are UUIDs made by the control plane; times are timestamptz (UTC).

create table apis (
    id                  uuid primary key,
    name                text        not null,
    version             text        not null,
    host                text,
    base_path           text        not null,
    strip_base_path     boolean     not null default true,
    targets             text        not null, -- JSON array of {url, weight}
    key_header          text        not null default 'X-API-Key',
    connect_timeout_ms  integer     not null,
    read_timeout_ms     integer     not null,
    status              text        not null check (status in ('DRAFT', 'PUBLISHED', 'DEPRECATED')),
    created_at          timestamptz not null,
    updated_at          timestamptz not null,
    constraint apis_name_version_unique unique (name, version)
);
-- Two APIs may not answer on the same host and base path (null host = any host).
create unique index apis_route_unique on apis (coalesce(lower(host), ''), base_path);

create table plans (
    id               uuid primary key,
    name             text        not null constraint plans_name_unique unique,
    description      text,
    rate_per_second  bigint check (rate_per_second > 0),
    burst            bigint check (burst >= 0),
    monthly_quota    bigint check (monthly_quota >= 0),
    quota_mode       text        not null check (quota_mode in ('HARD', 'SOFT')),
    created_at       timestamptz not null,
    updated_at       timestamptz not null
);

create table consumers (
    id          uuid primary key,
    username    text        not null constraint consumers_username_unique unique,
    email       text,
    created_at  timestamptz not null
);

create table applications (
    id           uuid primary key,
    consumer_id  uuid        not null references consumers (id) on delete cascade,
    name         text        not null,
    description  text,
    created_at   timestamptz not null,
    constraint applications_consumer_name_unique unique (consumer_id, name)
);

create table subscriptions (
    id              uuid primary key,
    application_id  uuid        not null references applications (id) on delete cascade,
    api_id          uuid        not null references apis (id),
    plan_id         uuid        not null references plans (id),
    status          text        not null check (status in ('ACTIVE', 'CANCELLED')),
    created_at      timestamptz not null,
    cancelled_at    timestamptz
);
-- One active subscription per application and API; cancelled ones stay as history.
create unique index subscriptions_active_unique on subscriptions (application_id, api_id) where status = 'ACTIVE';

create table api_keys (
    id              uuid primary key,
    application_id  uuid        not null references applications (id) on delete cascade,
    key_hash        text        not null constraint api_keys_hash_unique unique, -- SHA-256 hex; the key itself is never stored
    prefix          text        not null,
    created_at      timestamptz not null,
    expires_at      timestamptz,
    revoked_at      timestamptz
);
create index api_keys_application on api_keys (application_id);

create table config_publications (
    version       bigint primary key,
    hash          text        not null,
    snapshot      text        not null, -- the ConfigSnapshot as sent to nodes (JSON)
    published_at  timestamptz not null
);
