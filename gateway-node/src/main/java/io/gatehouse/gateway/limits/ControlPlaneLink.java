package io.gatehouse.gateway.limits;

import io.gatehouse.protocol.sync.NodeMessage;

/** What the limits need of the config channel: whether it is up, and a way to send. */
public interface ControlPlaneLink {
    boolean connected();

    /**
     * Not connected, but the connection dropped only moments ago and is being dialled again (perhaps to another
     * control plane instance): a request that needs a lease may wait for it rather than fall back on the plan's
     * failure mode at once.
     */
    default boolean reconnecting() {
        return false;
    }

    /** Sends if connected; a message that cannot be sent is dropped (callers retry on their own schedule). */
    void send(NodeMessage message);
}
