package io.gatehouse.protocol.sync;

/** Constants of the config channel a gateway node opens to the control plane. */
public final class SyncChannel {
    /** WebSocket path on the control plane. */
    public static final String PATH = "/nodes/connect";
    /** Header with the node's id on the upgrade request. */
    public static final String NODE_ID_HEADER = "X-Gatehouse-Node-Id";
    /** Largest message a node accepts from the control plane: a full snapshot of a large installation. */
    public static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
    /**
     * Largest message the control plane accepts from a node (usage and variant reports are the big ones). A larger
     * one closes the connection (WebSocket status 1009).
     */
    public static final int MAX_NODE_MESSAGE_BYTES = 1024 * 1024;
    /** Largest node message other than a usage or variant report: ids, counts and short texts. */
    public static final int MAX_SMALL_NODE_MESSAGE_BYTES = 8 * 1024;
    /** Most records a usage report may carry; a node splits what it has into batches of at most this many. */
    public static final int MAX_USAGE_RECORDS = 2_000;
    /** Most entries a variant report may carry. */
    public static final int MAX_VARIANT_ENTRIES = 2_000;

    private SyncChannel() {
    }
}
