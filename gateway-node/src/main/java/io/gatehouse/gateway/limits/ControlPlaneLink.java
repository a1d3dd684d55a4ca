package io.gatehouse.gateway.limits;

import io.gatehouse.protocol.sync.NodeMessage;

/** What the limits need of the config channel: whether it is up, and a way to send. */
public interface ControlPlaneLink {
    boolean connected();

    /** Sends if connected; a message that cannot be sent is dropped (callers retry on their own schedule). */
    void send(NodeMessage message);
}
