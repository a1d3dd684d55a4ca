-- The audit trail: one row per request a gateway node finished, signed by that node and chained per month.

-- Public halves of the nodes' Ed25519 audit keys (base64 X.509), registered by an administrator.
CREATE TABLE audit_node_keys (
    node_id       text PRIMARY KEY,
    public_key    text NOT NULL,
    registered_at timestamptz NOT NULL DEFAULT now()
);

-- Records, partitioned by month of their time. Partitions are created when the first record of a month arrives.
-- Each row holds its chain links: chain_hash = SHA-256(prev_hash || canonical form of the row's record), seq counts
-- from 1 within the partition. The columns are the record's fields, so the canonical form is recomputed from what
-- is stored: changing any column breaks the row's hash.
CREATE TABLE audit_records (
    partition_month text        NOT NULL,
    seq             bigint      NOT NULL,
    request_id      text        NOT NULL,
    at              timestamptz NOT NULL,
    node_id         text        NOT NULL,
    consumer_id     text,
    application_id  text,
    api_id          text,
    operation       text,
    method          text        NOT NULL,
    path            text        NOT NULL,
    status          integer     NOT NULL,
    error_code      text,
    latency_micros  bigint      NOT NULL,
    bytes_in        bigint      NOT NULL,
    bytes_out       bigint      NOT NULL,
    client_address  text,
    request_sha256  text        NOT NULL,
    response_sha256 text        NOT NULL,
    signature       bytea       NOT NULL,
    prev_hash       bytea       NOT NULL,
    chain_hash      bytea       NOT NULL,
    stored_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (request_id, at)
) PARTITION BY RANGE (at);

CREATE INDEX audit_records_chain ON audit_records (partition_month, seq);
CREATE INDEX audit_records_api ON audit_records (api_id, at);
CREATE INDEX audit_records_consumer ON audit_records (consumer_id, at);

-- Idempotency across partitions (a partitioned table's unique keys must hold the partition key): a request id is
-- stored once, whatever time a redelivered copy carries.
CREATE TABLE audit_request_ids (
    request_id      text PRIMARY KEY,
    partition_month text NOT NULL
);

-- The head of each partition's chain: the last row's sequence and hash. Updated in the same transaction as the
-- insert; it is what a removed last row is detected against, and what a dropped partition leaves behind.
CREATE TABLE audit_chain_heads (
    partition_month text PRIMARY KEY,
    seq             bigint      NOT NULL,
    head_hash       bytea       NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Records refused on ingest (unknown node, bad signature, unreadable), kept aside for inspection, never chained.
CREATE TABLE audit_quarantine (
    id          bigserial PRIMARY KEY,
    received_at timestamptz NOT NULL DEFAULT now(),
    node_id     text,
    request_id  text,
    reason      text        NOT NULL,
    payload     bytea       NOT NULL
);
