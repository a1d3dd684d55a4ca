-- Batch signatures: a node signs one Merkle root per batch of records. A batch-signed row keeps, beside its fields,
-- its place in the batch (batch id, leaf index, batch size) and its Merkle path (32-byte sibling hashes from the leaf
-- up, concatenated); `signature` is then the node's signature over the batch statement, not over the row alone.
-- Rows stored before (single-signed) keep the four columns null and verify as before. The hash chain is unchanged:
-- chain_hash still covers the record's canonical form only. Adding nullable columns without a default rewrites no row.
ALTER TABLE audit_records
    ADD COLUMN batch_id    bigint,
    ADD COLUMN leaf_index  integer,
    ADD COLUMN leaf_count  integer,
    ADD COLUMN merkle_path bytea;
