-- Retention of the audit trail: whole monthly partitions older than the retention period are dropped, and what
-- each one held is kept here. Chains are per partition (each starts at the zero hash), so the partitions kept stay
-- verifiable from their first row; this row is what lets verify tell a partition retired by policy from one
-- deleted by hand, and lets an export made before the drop still be checked against the head the store recorded.
CREATE TABLE audit_retired_partitions (
    partition_month text PRIMARY KEY,
    seq             bigint      NOT NULL,
    head_hash       bytea       NOT NULL,
    first_at        timestamptz,
    last_at         timestamptz,
    retired_at      timestamptz NOT NULL DEFAULT now()
);
