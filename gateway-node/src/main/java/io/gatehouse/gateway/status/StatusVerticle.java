package io.gatehouse.gateway.status;

import io.gatehouse.gateway.NodeSettings;
import io.gatehouse.gateway.audit.GatewayAudit;
import io.gatehouse.gateway.config.ActiveConfig;
import io.gatehouse.gateway.config.ConfigHolder;
import io.gatehouse.gateway.sync.ControlPlaneClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

/**
 * Health and status on their own port, away from API traffic (as Kong's status listener): a load balancer probes
 * readiness here, and an operator sees which config the node serves.
 */
public final class StatusVerticle extends VerticleBase {
    private final NodeSettings settings;
    private final ConfigHolder config;
    private final ControlPlaneClient controlPlane;
    private final GatewayAudit audit;
    private final io.gatehouse.gateway.metrics.GatewayMetrics metrics;
    private final io.gatehouse.gateway.metrics.MetricsScrape scrape;
    private final io.gatehouse.gateway.drain.Drain drain;
    private HttpServer server;

    /** The event loops' transport ({@code io_uring}, {@code epoll}, {@code nio}): auto may have fallen back. */
    private final String transport;

    public StatusVerticle(NodeSettings settings, ConfigHolder config, ControlPlaneClient controlPlane, GatewayAudit audit,
                          io.gatehouse.gateway.metrics.GatewayMetrics metrics, io.gatehouse.gateway.drain.Drain drain,
                          String transport) {
        this.transport = transport;
        this.metrics = metrics;
        this.drain = drain;
        this.scrape = new io.gatehouse.gateway.metrics.MetricsScrape(metrics, config, controlPlane, audit);
        this.settings = settings;
        this.config = config;
        this.controlPlane = controlPlane;
        this.audit = audit;
    }

    @Override
    public Future<?> start() {
        server = vertx.createHttpServer();
        return server.requestHandler(this::handle).listen(settings.statusPort(), settings.proxyHost());
    }

    private void handle(HttpServerRequest request) {
        switch (request.path()) {
            case "/status/live" -> json(request, 200, new JsonObject().put("status", "UP"));
            case "/status/ready" -> {
                // Draining comes first: a stopping node must leave the load balancer before its listener closes.
                boolean draining = drain.draining();
                boolean ready = config.loaded() && !draining;
                json(request, ready ? 200 : 503, new JsonObject().put("status", ready ? "UP" : "DOWN")
                        .put("reason", ready ? null : draining ? "draining: the node is stopping" : "no configuration loaded yet"));
            }
            case "/metrics" -> {
                if (!metrics.enabled()) {
                    json(request, 404, new JsonObject().put("code", "metrics_off")
                            .put("message", "metrics are switched off on this node (gatehouse.metrics=false)"));
                    return;
                }
                // Like /status, the audit spool's figures are read on a worker thread.
                vertx.executeBlocking(scrape::write, false).onComplete(done -> {
                    if (done.succeeded()) {
                        request.response().setStatusCode(200)
                                .putHeader("Content-Type", io.gatehouse.gateway.metrics.MetricsScrape.contentType())
                                .end(done.result());
                    } else {
                        json(request, 500, new JsonObject().put("code", "metrics_unavailable")
                                .put("message", "the node's metrics could not be read: " + done.cause()));
                    }
                });
            }
            case "/status" -> {
                // The spool's figures wait on its lock and read a segment file: a worker thread reads them.
                vertx.executeBlocking(this::status, false).onComplete(done -> {
                    if (done.succeeded()) {
                        json(request, 200, done.result());
                    } else {
                        json(request, 500, new JsonObject().put("code", "status_unavailable")
                                .put("message", "the node's status could not be read: " + done.cause()));
                    }
                });
            }
            default -> json(request, 404, new JsonObject().put("code", "not_found").put("message", "no such status endpoint"));
        }
    }

    private JsonObject status() throws java.io.IOException {
        ActiveConfig current = config.current();
        JsonObject status = new JsonObject()
                .put("nodeId", settings.nodeId())
                .put("ready", current != null && !drain.draining())
                .put("draining", drain.draining())
                .put("transport", transport)
                .put("configSource", config.source())
                .put("configVersion", current == null ? null : current.version())
                .put("configHash", current == null ? null : current.hash())
                .put("apis", current == null ? 0 : current.routes().size())
                .put("keys", current == null ? 0 : current.keys().size());
        if (controlPlane != null) {
            status.put("controlPlane", new JsonObject()
                    .put("url", settings.controlPlaneUrl())
                    .put("connected", controlPlane.connected())
                    .put("lastError", controlPlane.lastError())
                    .put("configBacklogPeak", controlPlane.configBacklogPeak())
                    .put("usage", new JsonObject()
                            .put("reportsWaiting", controlPlane.usage().pendingReports())
                            .put("spoolDepth", controlPlane.usage().spoolDepth())
                            .put("admittedSpooled", controlPlane.usage().admittedSpooled())
                            .put("reportsReplayed", controlPlane.usage().replayedReports())
                            .put("writeFailures", controlPlane.usage().writeFailures())));
        }
        GatewayAudit.SpoolMetrics spool = audit == null ? null : audit.metrics();
        status.put("audit", spool == null ? new JsonObject().put("enabled", false) : new JsonObject()
                .put("enabled", true)
                .put("shipping", spool.shipping())
                .put("spool", new JsonObject()
                        .put("depthRecords", spool.depthRecords())
                        .put("depthBytes", spool.depthBytes())
                        .put("oldestUnsentAgeMillis", spool.oldestUnsentAgeMillis())
                        .put("droppedSpoolFull", spool.droppedSpoolFull())
                        .put("refusedQueueFull", spool.refusedQueueFull())
                        .put("dropped", spool.dropped())
                        .put("queued", spool.queued())
                        .put("written", spool.written())));
        return status;
    }

    private static void json(HttpServerRequest request, int status, JsonObject body) {
        request.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
    }

    @Override
    public Future<?> stop() {
        return server.close();
    }
}
