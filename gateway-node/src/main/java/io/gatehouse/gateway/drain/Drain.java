package io.gatehouse.gateway.drain;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/**
 * Whether the node is draining: stopping on SIGTERM without failing a request. From the moment it begins, readiness
 * answers 503 and every answer not yet begun carries {@code Connection: close}, so a client holding a keep-alive
 * connection opens a new one (to another node) for its next request instead of finding this one closed under it.
 * One flag for the node, read by every event loop: a volatile read per answer, nothing more.
 */
public final class Drain {
    private volatile boolean draining;

    /** Readiness down, connections closed after their next answer. Irreversible: a draining node is stopping. */
    public void begin() {
        draining = true;
    }

    public boolean draining() {
        return draining;
    }

    /** Called as an answer's head is prepared: while draining, it ends the connection after this answer. */
    public void closeAfter(HttpServerResponse response) {
        if (draining) {
            response.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
        }
    }
}
