-- Each gateway node has its own credential, bound to its node id. Only the SHA-256 of the token is stored;
-- the token is shown once, when it is issued. Revoked credentials stay as history.
create table node_credentials (
    id          uuid primary key,
    node_id     text        not null check (length(node_id) between 1 and 200),
    token_hash  text        not null constraint node_credentials_hash_unique unique,
    prefix      text        not null,
    created_at  timestamptz not null,
    revoked_at  timestamptz
);
create index node_credentials_node on node_credentials (node_id);

-- Quota units each node holds per subscription and period: a node can give back only what it was leased.
create table quota_node_leases (
    subscription_id  uuid        not null,
    period_start     timestamptz not null,
    node_id          text        not null,
    leased           bigint      not null check (leased >= 0),
    primary key (subscription_id, period_start, node_id)
);

-- Batch ids are unique per node: one node cannot claim another's batch id and so have its usage dropped as a resend.
alter table usage_batches drop constraint usage_batches_pkey;
alter table usage_batches add primary key (node_id, batch_id);
