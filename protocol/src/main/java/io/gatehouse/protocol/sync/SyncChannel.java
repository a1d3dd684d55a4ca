package io.gatehouse.protocol.sync;

/** Constants of the config channel a gateway node opens to the control plane. */
public final class SyncChannel {
    /** WebSocket path on the control plane. */
    public static final String PATH = "/nodes/connect";
    /** Header with the node's id on the upgrade request. */
    public static final String NODE_ID_HEADER = "X-Gatehouse-Node-Id";
    /** Largest message either side accepts: a full snapshot of a large installation. */
    public static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

    private SyncChannel() {
    }
}
