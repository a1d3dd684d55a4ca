-- A Stripe meter sums a customer's events, and every metered price on it bills that whole sum: two paid
-- subscriptions of one consumer on one meter would each be billed for both. Each of a consumer's live paid
-- subscriptions therefore has its own meter "slot" (docs/billing.md): slot 1 is the original meter, slot n the n-th
-- meter, and a metered price exists per plan price version and slot.

-- The Stripe meter of each slot, by its event name.
create table billing_meters (
    slot             integer primary key check (slot >= 1),
    event_name       text not null unique,
    stripe_meter_id  text not null unique
);
insert into billing_meters (slot, event_name, stripe_meter_id)
    select 1, 'gatehouse_api_requests', value from billing_settings where name = 'meter_id';
delete from billing_settings where name = 'meter_id';

-- The slot a Stripe subscription's usage price is on: no other live subscription of the same consumer holds it.
alter table billing_subscriptions add column meter_slot integer not null default 1 check (meter_slot >= 1);
alter table billing_subscriptions alter column meter_slot drop default;

-- A metered price is tied to one meter: one per price version and slot (the base price and product are shared).
alter table billing_prices add column meter_slot integer not null default 1 check (meter_slot >= 1);
alter table billing_prices alter column meter_slot drop default;
alter table billing_prices drop constraint billing_prices_pkey;
alter table billing_prices add primary key (plan_id, version, meter_slot);

-- The slot an event was sent to, fixed at its first send so every resend names the same meter; null before.
alter table meter_event_outbox add column meter_slot integer check (meter_slot >= 1);
update meter_event_outbox set meter_slot = 1 where stripe_customer_id is not null;
