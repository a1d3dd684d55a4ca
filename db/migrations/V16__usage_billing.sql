-- Usage billing through Stripe (docs/billing.md): plan prices with versions, the Stripe objects Gatehouse made, the
-- outbox of meter events, webhook events already handled, and payment standing.

-- Why a consumer's keys are refused (402 payment_required at the gateways); null while they may be used.
alter table consumers add column if not exists suspended_reason text;

-- A plan's price, one row per version. A version applies to the periods that start at or after effective_from, so a
-- change made mid-period applies from each subscription's next period. Money is in the currency's minor units.
create table plan_prices (
    plan_id         uuid        not null references plans (id) on delete cascade,
    version         integer     not null check (version >= 1),
    effective_from  timestamptz not null,
    currency        text        not null check (currency ~ '^[A-Z]{3}$'),
    base_price      bigint      not null check (base_price >= 0),
    included_units  bigint      not null check (included_units >= 0),
    unit_price      bigint      not null check (unit_price >= 0),
    per             bigint      not null check (per >= 1),
    tiers           text,       -- JSON array of {upTo, unitPrice, flatFee}; null for a flat unit price
    created_at      timestamptz not null,
    primary key (plan_id, version)
);

-- Single values Gatehouse keeps about its Stripe account (the meter's id).
create table billing_settings (
    name   text primary key,
    value  text not null
);

-- The Stripe customer of a consumer, made when it first subscribes to a paid plan.
create table billing_customers (
    consumer_id         uuid primary key,
    stripe_customer_id  text        not null unique,
    created_at          timestamptz not null
);

-- The Stripe product and prices of a plan's price version.
create table billing_prices (
    plan_id                uuid    not null,
    version                integer not null,
    stripe_product_id      text    not null,
    stripe_base_price_id   text,
    stripe_usage_price_id  text    not null,
    primary key (plan_id, version)
);

-- The Stripe subscription of a paid Gatehouse subscription. No foreign keys: billing history outlives deletions.
create table billing_subscriptions (
    subscription_id         uuid primary key,
    consumer_id             uuid        not null,
    plan_id                 uuid        not null,
    price_version           integer     not null,
    stripe_subscription_id  text        not null unique,
    status                  text        not null check (status in ('ACTIVE', 'DELETED')),
    created_at              timestamptz not null,
    deleted_at              timestamptz
);

-- Overage units of a subscription's period already put in the outbox, and the last sequence used: updated in the
-- transaction that adds an event, under this row's lock, so two runs never enqueue the same units.
create table billing_periods (
    subscription_id  uuid        not null,
    period_start     timestamptz not null,
    period_end       timestamptz not null,
    enqueued_units   bigint      not null check (enqueued_units >= 0),
    last_sequence    bigint      not null check (last_sequence >= 0),
    primary key (subscription_id, period_start)
);

-- Meter events to send, with their state: PENDING (to send, at next_attempt_at), SENT (handed to Stripe, answer not
-- yet recorded), ACKNOWLEDGED (Stripe has it), FAILED (Stripe refused it for good; its error is kept). The identifier
-- (subscription, period, sequence) is fixed here, before sending, so every resend is the same event to Stripe.
create table meter_event_outbox (
    identifier          text primary key,
    subscription_id     uuid        not null,
    consumer_id         uuid        not null,
    plan_id             uuid        not null,
    stripe_customer_id  text,
    period_start        timestamptz not null,
    period_end          timestamptz not null,
    sequence            bigint      not null check (sequence >= 1),
    units               bigint      not null check (units > 0),
    event_time          timestamptz not null,
    state               text        not null check (state in ('PENDING', 'SENT', 'ACKNOWLEDGED', 'FAILED')),
    attempts            integer     not null default 0,
    next_attempt_at     timestamptz not null,
    stale               boolean     not null default false,
    error_code          text,
    error_message       text,
    created_at          timestamptz not null,
    sent_at             timestamptz,
    acknowledged_at     timestamptz,
    unique (subscription_id, period_start, sequence)
);
create index meter_event_outbox_due on meter_event_outbox (next_attempt_at) where state in ('PENDING', 'SENT');
create index meter_event_outbox_consumer on meter_event_outbox (consumer_id, period_start);

-- Stripe webhook events handled, by Stripe's event id: an event delivered again is acknowledged and ignored.
create table stripe_webhook_events (
    event_id     text primary key,
    type         text        not null,
    received_at  timestamptz not null
);

-- A consumer's payment standing: a failed invoice starts the grace period; when it ends unpaid the consumer is
-- suspended (consumers.suspended_reason = 'payment_failed'); a paid invoice ends it.
create table billing_payment_standing (
    consumer_id        uuid primary key,
    state              text        not null check (state in ('GOOD', 'PAST_DUE')),
    stripe_invoice_id  text,
    failed_at          timestamptz,
    suspend_at         timestamptz,
    updated_at         timestamptz not null
);
