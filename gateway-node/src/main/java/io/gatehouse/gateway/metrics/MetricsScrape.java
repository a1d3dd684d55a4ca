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
        List<String[]> apis = new ArrayList<>();
        if (metrics.enabled()) {
            meters.add(metrics.unrouted);
            apis.add(apiLabels(metrics.unrouted.apiId, ""));
            for (Route route : routes) {
                meters.add(route.meters());
                apis.add(apiLabels(route));
            }
            requests(out, meters, apis);
        }
        upstreams(out, routes);
        node(out, current);
        return out.toString();
    }

    /**
     * The labels naming an API on every per-API series: {@code api}, its id, stays the same across renames (series and
     * recording rules keep their identity); {@code api_name} is what operators read, as Kong's {@code service} label.
     * Both are bounded by the APIs the node serves.
     */
    private static String[] apiLabels(String apiId, String name) {
        return new String[] {"api", apiId, "api_name", name == null ? "" : name};
    }

    private static String[] apiLabels(Route route) {
        return apiLabels(route.apiId(), route.api().name());
    }

    private static String[] with(String[] api, String... more) {
        String[] all = java.util.Arrays.copyOf(api, api.length + more.length);
        System.arraycopy(more, 0, all, api.length, more.length);
        return all;
    }

    private static void requests(PrometheusText out, List<ApiMeters> meters, List<String[]> apis) {
        out.family("gatehouse_gateway_requests_total", "counter",
                "Answered requests by API, status class and the gateway's error code (empty when the upstream answered).");
        for (int i = 0; i < meters.size(); i++) {
            ApiMeters m = meters.get(i);
            for (int statusClass = 0; statusClass < ApiMeters.STATUS_CLASSES.length; statusClass++) {
                for (int code = 0; code < ApiMeters.CODES; code++) {
                    long count = m.requests(statusClass, code);
                    if (count > 0) {
                        out.sample("gatehouse_gateway_requests_total", count, with(apis.get(i),
                                "status_class", ApiMeters.STATUS_CLASSES[statusClass], "code", ApiMeters.code(code)));
                    }
                }
            }
        }
        out.family("gatehouse_gateway_request_duration_seconds", "histogram",
                "From the request's arrival to the end of its answer.");
        for (int i = 0; i < meters.size(); i++) {
            out.histogram("gatehouse_gateway_request_duration_seconds", meters.get(i).duration, apis.get(i));
        }
        out.family("gatehouse_gateway_upstream_duration_seconds", "histogram",
                "From the first attempt sent upstream to the end of the answer relayed (retries included).");
        for (int i = 0; i < meters.size(); i++) {
            out.histogram("gatehouse_gateway_upstream_duration_seconds", meters.get(i).upstreamDuration, apis.get(i));
        }
        out.family("gatehouse_gateway_requests_in_flight", "gauge", "Requests routed to the API and not yet answered.");
        for (int i = 1; i < meters.size(); i++) {
            out.sample("gatehouse_gateway_requests_in_flight", meters.get(i).inFlight(), apis.get(i));
        }
        out.family("gatehouse_gateway_lease_waits_total", "counter", "Requests held for a rate or quota lease.");
        for (int i = 1; i < meters.size(); i++) {
            out.sample("gatehouse_gateway_lease_waits_total", meters.get(i).count(ApiMeters.LEASE_WAITS), apis.get(i));
        }
        out.family("gatehouse_gateway_lease_refusals_total", "counter", "Requests refused by the plan's limits, by reason.");
        for (int i = 1; i < meters.size(); i++) {
            ApiMeters m = meters.get(i);
            out.sample("gatehouse_gateway_lease_refusals_total", m.count(ApiMeters.RATE_LIMITED), with(apis.get(i), "reason", "rate_limited"));
            out.sample("gatehouse_gateway_lease_refusals_total", m.count(ApiMeters.QUOTA_EXCEEDED), with(apis.get(i), "reason", "quota_exceeded"));
            out.sample("gatehouse_gateway_lease_refusals_total", m.count(ApiMeters.LIMITS_UNAVAILABLE), with(apis.get(i), "reason", "limits_unavailable"));
        }
    }

    private static void upstreams(PrometheusText out, List<Route> routes) {
        out.family("gatehouse_gateway_upstream_target_up", "gauge", "1 while the target takes traffic (not ejected, not unhealthy).");
        for (Route route : routes) {
            for (TargetState target : route.targets()) {
                out.sample("gatehouse_gateway_upstream_target_up", target.ejected() ? 0 : 1, with(apiLabels(route), "target", target.url().url()));
            }
        }
        out.family("gatehouse_gateway_circuit_state", "gauge", "1 for the circuit's current state.");
        for (Route route : routes) {
            String state = route.circuitState();
            for (String s : new String[] {"closed", "open", "half_open"}) {
                out.sample("gatehouse_gateway_circuit_state", s.equals(state) ? 1 : 0, with(apiLabels(route), "state", s));
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
