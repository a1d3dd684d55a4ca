-- The developer portal: self-registered accounts with a verified email, their own consumer, named keys, plans that
-- need an owner's approval, mail kept in an outbox when no SMTP server is configured, and APIs' sunset dates.

alter table users add column display_name text;
-- When the owner of the address proved it by opening the link mailed to it. Accounts made before self-registration
-- were made by an administrator or a provider, who vouched for the address.
alter table users add column email_verified_at timestamptz;
update users set email_verified_at = created_at;

-- Single-use links that verify an address; only their SHA-256 is kept, like reset tokens.
create table email_verification_tokens (
    token_hash  text primary key,
    user_id     uuid        not null references users (id) on delete cascade,
    created_at  timestamptz not null,
    expires_at  timestamptz not null,
    used_at     timestamptz
);
create index email_verification_tokens_user on email_verification_tokens (user_id);

-- Mail the control plane would have sent, kept when no SMTP server is configured (docs/portal.md): a local run or a
-- test reads its links here. Erased with the account of its recipient.
create table mail_outbox (
    id          uuid primary key,
    recipient   text        not null,
    subject     text        not null,
    body        text        not null,
    created_at  timestamptz not null
);
create index mail_outbox_recipient on mail_outbox (lower(recipient), created_at);

-- A self-registered developer's own consumer. Null for consumers an administrator made, and after the account is deleted
-- (the consumer stays, anonymised, because usage and billing history point at it).
alter table consumers add column user_id uuid references users (id) on delete set null;
create unique index consumers_user_unique on consumers (user_id);

-- What the developer called a key, so a list of prefixes can be told apart.
alter table api_keys add column name text;

-- A plan whose subscriptions wait PENDING until an owner of the API approves them.
alter table plans add column requires_approval boolean not null default false;

-- When a deprecated API stops being served, as announced in the catalog.
alter table apis add column sunset_at timestamptz;
