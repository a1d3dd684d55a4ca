-- Usage reports already applied, by node and report sequence. A node spools each report with its sequence before
-- sending it and sends it again after a restart until it is acknowledged; the id is written in the same transaction
-- as the counts, so a report sent twice is acknowledged and counted once. Ids are kept longer than the control plane
-- accepts the hours a report counts (NodeMessageRules: 8 days), so a report resent after its id is forgotten is
-- refused for its old hours instead of counted again.
create table usage_report_ids (
    node_id     text        not null,
    sequence    bigint      not null check (sequence >= 0),
    applied_at  timestamptz not null,
    primary key (node_id, sequence)
);
create index usage_report_ids_applied on usage_report_ids (applied_at);
