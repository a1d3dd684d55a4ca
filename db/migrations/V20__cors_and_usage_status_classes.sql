-- Which web pages may call an API from a browser (CORS), as the gateway reads it (protocol's CorsRule); null: only
-- the developer portal's origin. Sent to the gateways with the API.
alter table apis add column cors text;

create or replace function config_api_json(a apis) returns text language sql immutable as $$
    select case when a.status in ('PUBLISHED', 'DEPRECATED') then json_build_object(
        'id', a.id::text, 'name', a.name, 'version', a.version, 'host', a.host, 'basePath', a.base_path,
        'stripBasePath', a.strip_base_path, 'targets', a.targets::json, 'keyHeader', a.key_header,
        'connectTimeoutMs', a.connect_timeout_ms, 'readTimeoutMs', a.read_timeout_ms, 'status', a.status,
        'upstreamPolicy', a.upstream_policy::json, 'canary', a.canary::json, 'shadow', a.shadow::json,
        'operations', case when a.pass_through then null else a.operations::json end,
        'allowEncodedSlashes', case when a.allow_encoded_slashes then true end,
        'cors', a.cors::json)::text end
$$;

-- The answers counted in each hour by status class (1xx to 5xx), so the portal's daily chart needs no audit trail.
-- Hours reported before these columns existed have zeros: their requests show as admitted and refused only.
alter table usage_hourly
    add column informational bigint not null default 0,
    add column success       bigint not null default 0,
    add column redirect      bigint not null default 0,
    add column client_error  bigint not null default 0,
    add column server_error  bigint not null default 0;
