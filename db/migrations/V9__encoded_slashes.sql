-- Whether request paths of an API may hold encoded '/' or '\' (%2F, %5C), kept encoded on their way upstream.
-- Off by default: most upstreams decode them into separators the gateway did not route on (docs/request-path.md).
alter table apis add column allow_encoded_slashes boolean not null default false;
