-- A canary release in progress and traffic mirrored to a shadow upstream, per API (JSON; null for none).
alter table apis add column canary text;
alter table apis add column shadow text;
