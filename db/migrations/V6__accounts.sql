-- People who use the console and the admin API: accounts (built-in or from an OIDC provider), their roles and
-- team, server-side sign-in sessions, single-use password reset tokens and personal access tokens.
-- Secrets are never stored: passwords as bcrypt hashes, session ids, reset tokens and access tokens as SHA-256.

create table users (
    id              uuid primary key,
    email           text        not null,
    password_hash   text,                       -- null for accounts that sign in through OIDC only
    roles           text        not null,       -- comma-separated, each one of the roles checked below
    team            text,
    source          text        not null default 'local' check (source in ('local', 'oidc')),
    disabled        boolean     not null default false,
    created_at      timestamptz not null,
    updated_at      timestamptz not null,
    constraint users_roles_known check (
        roles ~ '^(admin|api-owner|finance|compliance|developer)(,(admin|api-owner|finance|compliance|developer))*$')
);
create unique index users_email_unique on users (lower(email));

create table user_sessions (
    id_hash         text primary key,           -- SHA-256 of the cookie value
    user_id         uuid        not null references users (id) on delete cascade,
    roles           text        not null,       -- roles at sign-in (an OIDC user's come from the token claim)
    created_at      timestamptz not null,
    last_seen_at    timestamptz not null,
    expires_at      timestamptz not null,
    source_address  text
);
create index user_sessions_user on user_sessions (user_id);

create table password_reset_tokens (
    token_hash      text primary key,
    user_id         uuid        not null references users (id) on delete cascade,
    created_at      timestamptz not null,
    expires_at      timestamptz not null,
    used_at         timestamptz
);
create index password_reset_tokens_user on password_reset_tokens (user_id);

create table personal_access_tokens (
    id              uuid primary key,
    user_id         uuid        not null references users (id) on delete cascade,
    name            text        not null,
    token_hash      text        not null constraint personal_access_tokens_hash_unique unique,
    prefix          text        not null,       -- shown in lists so people can tell their tokens apart
    created_at      timestamptz not null,
    expires_at      timestamptz,
    last_used_at    timestamptz,
    revoked_at      timestamptz
);
create index personal_access_tokens_user on personal_access_tokens (user_id);

-- API ownership is by team. Null: only admins (and read-only roles) see the API.
alter table apis add column owner_team text;
create index apis_owner_team on apis (owner_team);
