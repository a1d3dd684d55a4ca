-- State that several control plane instances must share, so that what one instance decides the others see.

-- Each subscription's rate split among the gateway nodes serving it (RateAllocator): per node its smoothed demand
-- and the leases that still count (id, rate, burst, expiry in the database's clock), the time the last lease stops
-- counting, and the last lease id handed out, whichever instance the node is connected to; so the shares in force never add up to more
-- than the plan, across instances and restarts. The row is kept for the subscription's life: lease ids grow from it.
-- A request reads the row, applies the rule and writes it back only if the revision is still the one it read (else
-- it starts again): requests through any instance take effect one after another, and no lock spans round trips.
create table rate_allocations (
    subscription_id uuid        primary key,
    state           jsonb       not null,
    revision        bigint      not null,
    updated_at      timestamptz not null default now()
);

-- Canary figures per API and variant (requests, errors, latency buckets), as each control plane instance received
-- them from its nodes. Read as a sum over instances.
-- canary_minutes: one row per minute and instance, the instance's whole count of that minute (written again while the
-- minute fills, so a write repeated after a failure changes nothing); the console charts the last hour.
create table canary_minutes (
    api_id      text        not null,
    variant     text        not null check (variant in ('stable', 'canary')),
    minute      timestamptz not null,
    instance_id uuid        not null,
    counts      bigint[]    not null,
    primary key (api_id, minute, variant, instance_id)
);
create index canary_minutes_minute on canary_minutes (minute);

-- canary_totals: since the canary was set (or promoted, or rolled back, which delete the API's rows); each instance
-- adds what it received since its last write to its own row.
create table canary_totals (
    api_id      text     not null,
    variant     text     not null check (variant in ('stable', 'canary')),
    instance_id uuid     not null,
    counts      bigint[] not null,
    primary key (api_id, variant, instance_id)
);
