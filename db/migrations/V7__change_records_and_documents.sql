-- Subscriptions get their full lifecycle: requested (PENDING), approved (ACTIVE) or REJECTED with a reason the
-- developer sees, SUSPENDED and resumed, CLOSED for good. What was CANCELLED is now CLOSED.
alter table subscriptions drop constraint if exists subscriptions_status_check;
update subscriptions set status = 'CLOSED' where status = 'CANCELLED';
alter table subscriptions add constraint subscriptions_status_check
    check (status in ('PENDING', 'ACTIVE', 'SUSPENDED', 'REJECTED', 'CLOSED'));
alter table subscriptions add column reason text;
-- One open subscription (pending, active or suspended) per application and API; rejected and closed ones stay as history.
drop index subscriptions_active_unique;
create unique index subscriptions_active_unique on subscriptions (application_id, api_id)
    where status in ('PENDING', 'ACTIVE', 'SUSPENDED');

-- An API published from an OpenAPI document routes only its documented operations unless its owner turns this on.
alter table apis add column pass_through boolean not null default false;
-- The documented operations as JSON [{method, pathTemplate}]; null for an API without a document.
alter table apis add column operations text;

-- The plans an API offers; a subscription to an API that offers plans must use one of them.
create table api_plans (
    api_id   uuid not null references apis (id) on delete cascade,
    plan_id  uuid not null references plans (id),
    primary key (api_id, plan_id)
);
create index api_plans_plan on api_plans (plan_id);

-- Each OpenAPI document an API was published from, every version kept: the portal's docs come from here.
create table api_documents (
    api_id        uuid        not null references apis (id) on delete cascade,
    version       integer     not null,
    content       text        not null,
    format        text        not null check (format in ('JSON', 'YAML')),
    openapi       text        not null, -- the document's openapi field, e.g. 3.1.0
    sha256        text        not null,
    size_bytes    integer     not null,
    operations    integer     not null,
    created_at    timestamptz not null,
    constraint api_documents_pkey primary key (api_id, version)
);

-- Who changed what: one row per changed record, written in the transaction of the change. Rows are only ever
-- added; the trigger below refuses updates and deletes, whoever asks.
create table change_records (
    id              uuid primary key,
    seq             bigint generated always as identity,
    at              timestamptz not null,
    actor           text        not null,
    actor_role      text        not null,
    source_address  text,
    request_id      text,
    entity_type     text        not null,
    entity_id       text        not null,
    api_id          uuid, -- no foreign key: the history outlives a deleted API
    action          text        not null,
    before          text, -- JSON of the record's fields; null for a creation
    after           text  -- null for a deletion
);
create index change_records_api on change_records (api_id, seq);
create index change_records_entity on change_records (entity_type, entity_id, seq);

create function change_records_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'change_records is append-only: % refused', tg_op using errcode = '42501';
end;
$$;
create trigger change_records_append_only before update or delete on change_records
    for each row execute function change_records_append_only();
create trigger change_records_no_truncate before truncate on change_records
    for each statement execute function change_records_append_only();
