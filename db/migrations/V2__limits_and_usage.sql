-- Plan limits across gateway nodes: quota leases, usage reports, and what plans and subscriptions need for them.

-- What a node does when it cannot reach the control plane for more than it holds: OPEN admits, CLOSED refuses.
alter table plans add column failure_mode text not null default 'OPEN' check (failure_mode in ('OPEN', 'CLOSED'));

-- Quota periods start on this instant's day and time each month; null means calendar months (UTC).
alter table subscriptions add column billing_anchor timestamptz;

-- Quota units granted to gateway nodes per subscription and period. The total never exceeds the quota:
-- this row is the cluster-wide guarantee. Nodes give back what they do not use.
create table quota_ledger (
    subscription_id  uuid        not null,
    period_start     timestamptz not null,
    granted          bigint      not null check (granted >= 0),
    primary key (subscription_id, period_start)
);

-- Usage batches already stored: a batch sent twice (a lost acknowledgement, a control plane restart) counts once.
create table usage_batches (
    batch_id     text        primary key,
    node_id      text        not null,
    received_at  timestamptz not null
);

-- Requests per subscription, plan and clock hour (UTC). No foreign keys: usage is billing history and outlives
-- deleted applications and subscriptions.
create table usage_hourly (
    subscription_id  uuid        not null,
    plan_id          uuid        not null,
    hour             timestamptz not null,
    consumer_id      uuid        not null,
    application_id   uuid        not null,
    api_id           uuid        not null,
    admitted         bigint      not null,
    refused          bigint      not null,
    primary key (subscription_id, plan_id, hour)
);
create index usage_hourly_consumer on usage_hourly (consumer_id, hour);
