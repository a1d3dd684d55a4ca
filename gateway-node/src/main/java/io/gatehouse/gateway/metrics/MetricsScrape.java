package io.gatehouse.gateway.metrics;

import io.gatehouse.gateway.audit.GatewayAudit;
import io.gatehouse.gateway.config.ActiveConfig;
import io.gatehouse.gateway.config.ConfigHolder;
import io.gatehouse.gateway.routing.Route;
import io.gatehouse.gateway.routing.TargetState;
import io.gatehouse.gateway.sync.ControlPlaneClient;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The node's metrics in Prometheus text format, as the status port serves them at {@code /metrics}. Names and
 * labels are the ones docs/operations.md lists. Reading the audit spool's figures waits on its lock: call it from a
 * worker thread, never an event loop.
 */
public final class MetricsScrape {
    private final GatewayMetrics metrics;
    private final ConfigHolder config;
    private final ControlPlaneClient controlPlane;
    private final GatewayAudit audit;

    /** @param controlPlane null for a standalone node; @param audit null or off when the node keeps no audit trail */
    public MetricsScrape(GatewayMetrics metrics, ConfigHolder config, ControlPlaneClient controlPlane, GatewayAudit audit) {
        this.metrics = metrics;
        this.config = config;
        this.controlPlane = controlPlane;
        this.audit = audit;
    }

    public static String contentType() {
        return PrometheusText.CONTENT_TYPE;
    }

    public String write() throws IOException {
        PrometheusText out = new PrometheusText();
        ActiveConfig current = config.current();
        List<Route> routes = current == null ? List.of() : new ArrayList<>(current.routes().all());
        routes.sort(Comparator.comparing(Route::apiId));
        List<ApiMeters> meters = new ArrayList<>();
        if (metrics.enabled()) {
            meters.add(metrics.unrouted);
            for (Route route : routes) {
                meters.add(route.meters());
            }
            requests(out, meters);
        }
        upstreams(out, routes);
        node(out, current);
        return out.toString();
    }

    private static void requests(PrometheusText out, List<ApiMeters> meters) {
        out.family("gatehouse_gateway_requests_total", "counter",
                "Answered requests by API, status class and the gateway's error code (empty when the upstream answered).");
        for (ApiMeters m : meters) {
            for (int statusClass = 0; statusClass < ApiMeters.STATUS_CLASSES.length; statusClass++) {
                for (int code = 0; code < ApiMeters.CODES; code++) {
                    long count = m.requests(statusClass, code);
                    if (count > 0) {
                        out.sample("gatehouse_gateway_requests_total", count, "api", m.apiId,
                                "status_class", ApiMeters.STATUS_CLASSES[statusClass], "code", ApiMeters.code(code));
                    }
                }
            }
        }
        out.family("gatehouse_gateway_request_duration_seconds", "histogram",
                "From the request's arrival to the end of its answer.");
        for (ApiMeters m : meters) {
            out.histogram("gatehouse_gateway_request_duration_seconds", m.duration, "api", m.apiId);
        }
        out.family("gatehouse_gateway_upstream_duration_seconds", "histogram",
                "From the first attempt sent upstream to the end of the answer relayed (retries included).");
        for (ApiMeters m : meters) {
            out.histogram("gatehouse_gateway_upstream_duration_seconds", m.upstreamDuration, "api", m.apiId);
        }
        out.family("gatehouse_gateway_requests_in_flight", "gauge", "Requests routed to the API and not yet answered.");
        for (ApiMeters m : meters.subList(1, meters.size())) {
            out.sample("gatehouse_gateway_requests_in_flight", m.inFlight(), "api", m.apiId);
        }
        out.family("gatehouse_gateway_lease_waits_total", "counter", "Requests held for a rate or quota lease.");
        for (ApiMeters m : meters.subList(1, meters.size())) {
            out.sample("gatehouse_gateway_lease_waits_total", m.leaseWaits.sum(), "api", m.apiId);
        }
        out.family("gatehouse_gateway_lease_refusals_total", "counter", "Requests refused by the plan's limits, by reason.");
        for (ApiMeters m : meters.subList(1, meters.size())) {
            out.sample("gatehouse_gateway_lease_refusals_total", m.rateLimited.sum(), "api", m.apiId, "reason", "rate_limited");
            out.sample("gatehouse_gateway_lease_refusals_total", m.quotaExceeded.sum(), "api", m.apiId, "reason", "quota_exceeded");
            out.sample("gatehouse_gateway_lease_refusals_total", m.limitsUnavailable.sum(), "api", m.apiId, "reason", "limits_unavailable");
        }
    }

    private static void upstreams(PrometheusText out, List<Route> routes) {
        out.family("gatehouse_gateway_upstream_target_up", "gauge", "1 while the target takes traffic (not ejected, not unhealthy).");
        for (Route route : routes) {
            for (TargetState target : route.targets()) {
                out.sample("gatehouse_gateway_upstream_target_up", target.ejected() ? 0 : 1, "api", route.apiId(), "target", target.url().url());
            }
        }
        out.family("gatehouse_gateway_circuit_state", "gauge", "1 for the circuit's current state.");
        for (Route route : routes) {
            String state = route.circuitState();
            for (String s : new String[] {"closed", "open", "half_open"}) {
                out.sample("gatehouse_gateway_circuit_state", s.equals(state) ? 1 : 0, "api", route.apiId(), "state", s);
            }
        }
    }

    private void node(PrometheusText out, ActiveConfig current) throws IOException {
        out.family("gatehouse_gateway_config_version", "gauge", "The config version the node serves (0 before any).")
                .sample("gatehouse_gateway_config_version", current == null ? 0 : current.version());
        out.family("gatehouse_gateway_config_last_apply_timestamp_seconds", "gauge", "When the node last applied a config (Unix time).")
                .sample("gatehouse_gateway_config_last_apply_timestamp_seconds", config.installedAtMillis() / 1000.0);
        if (controlPlane != null) {
            out.family("gatehouse_gateway_control_plane_connected", "gauge", "1 while the config channel is open.")
                    .sample("gatehouse_gateway_control_plane_connected", controlPlane.connected() ? 1 : 0);
            out.family("gatehouse_gateway_usage_spool_reports", "gauge", "Usage reports spooled and not acknowledged by the control plane.")
                    .sample("gatehouse_gateway_usage_spool_reports", controlPlane.usage().pendingReports());
            out.family("gatehouse_gateway_usage_spool_oldest_age_seconds", "gauge", "How long the oldest unacknowledged usage report has waited.")
                    .sample("gatehouse_gateway_usage_spool_oldest_age_seconds", controlPlane.usage().oldestWaitingAgeMillis() / 1000.0);
        }
        GatewayAudit.SpoolMetrics spool = audit == null ? null : audit.metrics();
        if (spool != null) {
            out.family("gatehouse_gateway_audit_spool_records", "gauge", "Audit records in the spool not acknowledged by Kafka.")
                    .sample("gatehouse_gateway_audit_spool_records", spool.depthRecords());
            out.family("gatehouse_gateway_audit_spool_oldest_age_seconds", "gauge", "Age of the oldest unsent audit record.")
                    .sample("gatehouse_gateway_audit_spool_oldest_age_seconds", spool.oldestUnsentAgeMillis() / 1000.0);
            out.family("gatehouse_gateway_audit_dropped_total", "counter", "Audit records lost (spool full, queue full).")
                    .sample("gatehouse_gateway_audit_dropped_total", spool.dropped());
        }
    }
}
