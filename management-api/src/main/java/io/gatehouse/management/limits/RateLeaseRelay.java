package io.gatehouse.management.limits;

import io.gatehouse.management.sync.NodeRegistry;
import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.sync.ControlMessage;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * Carries a rate share pushed to a node that is connected to another control plane instance: the allocating
 * instance notifies through PostgreSQL ({@code NOTIFY gatehouse_rate_leases}), every instance listens, and the one
 * holding the node's connection sends it on. No infrastructure beyond the database.
 *
 * <p>Best effort by design: a push lost on the way (no listening connection, the node just moved) costs only
 * responsiveness. The allocator keeps counting the node's previous share until the node acknowledges a newer one
 * or the previous one expires, and the node gets its new share at its next renewal (every 200 ms while it has
 * traffic).
 */
@ApplicationScoped
public class RateLeaseRelay {
    private static final Logger LOG = Logger.getLogger(RateLeaseRelay.class);
    static final String CHANNEL = "gatehouse_rate_leases";

    @Inject
    Pool pool;
    @Inject
    Vertx vertx;
    @Inject
    NodeRegistry nodes;

    private volatile boolean stopped;

    void onStart(@Observes StartupEvent event) {
        listen();
    }

    void onStop(@Observes ShutdownEvent event) {
        stopped = true;
    }

    /** Sends a pushed share towards the instance its node is connected to, wherever that is. */
    public void forward(RateAllocator.Grant grant) {
        String payload = new JsonObject().put("node", grant.nodeId()).put("message", Json.write(grant.lease())).encode();
        pool.preparedQuery("select pg_notify($1, $2)").execute(Tuple.of(CHANNEL, payload)).subscribe().with(
                ok -> { },
                failure -> LOG.debugf("rate share for node %s not forwarded: %s", grant.nodeId(), failure.toString()));
    }

    private void listen() {
        if (stopped) {
            return;
        }
        pool.getConnection().subscribe().with(connection -> {
            PgConnection pg = PgConnection.cast(connection);
            pg.notificationHandler(notification -> {
                try {
                    JsonObject payload = new JsonObject(notification.getPayload());
                    nodes.deliver(payload.getString("node"), Json.read(payload.getString("message"), ControlMessage.class));
                } catch (RuntimeException e) {
                    LOG.warnf("unreadable rate share notification: %s", e.toString());
                }
            });
            pg.closeHandler(() -> {
                if (!stopped) {
                    vertx.setTimer(1000, id -> listen());
                }
            });
            pg.query("listen " + CHANNEL).execute().subscribe().with(
                    ok -> LOG.debugf("limits: listening for rate shares pushed by other instances"),
                    failure -> {
                        LOG.warnf("limits: cannot listen for rate shares pushed by other instances (%s)", failure.toString());
                        connection.close().subscribe().with(v -> { }, e -> { });
                    });
        }, failure -> vertx.setTimer(1000, id -> listen()));
    }
}
