package io.gatehouse.management.metrics;

import io.gatehouse.management.sync.ConfigPublisher;
import io.gatehouse.management.sync.NodeRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.time.Duration;
import java.time.Instant;

/**
 * The control plane's own metrics, exported by Quarkus at {@code /q/metrics} under the names docs/operations.md
 * lists: nodes connected to this instance, whether config publishing is healthy, how long nodes take to acknowledge
 * a published version, quota ledger operations, usage and audit records taken in. No label names a consumer, a key
 * or a node.
 */
@ApplicationScoped
public class ControlPlaneMetrics {
    /** Bounds of the publish-to-ACK histogram: a healthy push is well under a second, a struggling one seconds. */
    private static final Duration[] ACK_BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};

    @Inject
    MeterRegistry registry;
    @Inject
    NodeRegistry nodes;
    @Inject
    ConfigPublisher publisher;

    private Timer publishAck;
    private Counter ledgerGrants;
    private Counter ledgerReturns;
    private Counter usageRecords;
    private Counter auditRecords;

    void onStart(@Observes StartupEvent event) {
        // Gauges read live state at scrape time; nothing is kept here.
        Gauge.builder("gatehouse.control_plane.nodes_connected", nodes, NodeRegistry::connectedCount)
                .description("Gateway nodes connected to this control plane instance").register(registry);
        Gauge.builder("gatehouse.control_plane.config_publishing_healthy", publisher, p -> p.health().healthy() ? 1 : 0)
                .description("0 while the readiness check config-publishing is down").register(registry);
        publishAck = Timer.builder("gatehouse.control_plane.publish_ack")
                .description("From a config version's publication to a connected node's ACK of it")
                .serviceLevelObjectives(ACK_BUCKETS)
                .register(registry);
        ledgerGrants = ledger("grant");
        ledgerReturns = ledger("return");
        usageRecords = Counter.builder("gatehouse.control_plane.usage_records_ingested")
                .description("Usage records taken from node reports and stored").register(registry);
        auditRecords = Counter.builder("gatehouse.control_plane.audit_records_ingested")
                .description("Audit records read from Kafka and stored (duplicates of stored records not counted)").register(registry);
    }

    private Counter ledger(String operation) {
        return Counter.builder("gatehouse.control_plane.ledger_operations").tag("operation", operation)
                .description("Quota ledger operations: units granted to nodes, units given back").register(registry);
    }

    /**
     * A node acknowledged the version it was sent. Counted only for a node connected before the version was
     * published: a node that connects later and catches up would measure its own absence, not the push.
     */
    public void acknowledged(Instant publishedAt, Instant connectedAt) {
        if (publishAck == null || publishedAt == null || connectedAt == null || connectedAt.isAfter(publishedAt)) {
            return;
        }
        publishAck.record(Duration.between(publishedAt, Instant.now()));
    }

    public void ledgerGrant() {
        if (ledgerGrants != null) {
            ledgerGrants.increment();
        }
    }

    public void ledgerReturn() {
        if (ledgerReturns != null) {
            ledgerReturns.increment();
        }
    }

    public void usageIngested(int records) {
        if (usageRecords != null) {
            usageRecords.increment(records);
        }
    }

    public void auditIngested(int records) {
        if (auditRecords != null) {
            auditRecords.increment(records);
        }
    }
}
