-- Admin lists are walked in (created_at, id) order, a page at a time from a cursor (docs/admin-api.md). Each index
-- below lets a page be one index range scan of the page's own size, however deep the walk or whatever the filter.

create index apis_created on apis (created_at, id);
create index apis_team_created on apis (owner_team, created_at, id);
create index plans_created on plans (created_at, id);
create index consumers_created on consumers (created_at, id);
create index applications_created on applications (created_at, id);
create index applications_consumer_created on applications (consumer_id, created_at, id);
create index subscriptions_created on subscriptions (created_at, id);
create index subscriptions_api_created on subscriptions (api_id, created_at, id);
create index subscriptions_application_created on subscriptions (application_id, created_at, id);
create index api_keys_created on api_keys (created_at, id);
-- Replaces api_keys_application: (application_id) alone is this index's prefix.
create index api_keys_application_created on api_keys (application_id, created_at, id);
drop index api_keys_application;
create index node_credentials_created on node_credentials (created_at, id);
