-- How an API's upstream targets are balanced, retried and ejected (JSON; null means the defaults).
alter table apis add column upstream_policy text;
