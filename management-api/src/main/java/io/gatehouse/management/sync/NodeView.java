package io.gatehouse.management.sync;

import java.time.Instant;

/**
 * A gateway node as the admin API shows it.
 *
 * @param status   PENDING (a config was sent, no answer yet), IN_SYNC, NACKED (it refused the last one; see lastError),
 *                 CONNECTING (connected, nothing to send yet), DISCONNECTED, or STALE (it serves the last published
 *                 version, but the control plane cannot publish the changes made since; see lastError)
 * @param version  the config version the node last said it serves
 * @param inSync   whether it serves exactly the current version and content
 */
public record NodeView(String nodeId, String address, boolean connected, String status, long version, String hash,
                       boolean inSync, Instant connectedAt, Instant lastSeen, String lastError, String nodeVersion) {
}
