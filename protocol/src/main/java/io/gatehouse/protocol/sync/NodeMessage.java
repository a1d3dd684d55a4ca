package io.gatehouse.protocol.sync;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** What a gateway node sends to the control plane over its config channel. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = NodeMessage.Hello.class, name = "hello"),
        @JsonSubTypes.Type(value = NodeMessage.Ack.class, name = "ack"),
        @JsonSubTypes.Type(value = NodeMessage.Nack.class, name = "nack"),
        @JsonSubTypes.Type(value = NodeMessage.Heartbeat.class, name = "heartbeat"),
        @JsonSubTypes.Type(value = NodeMessage.QuotaLeaseRequest.class, name = "quota-lease"),
        @JsonSubTypes.Type(value = NodeMessage.QuotaReturn.class, name = "quota-return"),
        @JsonSubTypes.Type(value = NodeMessage.RateLeaseRequest.class, name = "rate-lease"),
        @JsonSubTypes.Type(value = NodeMessage.UsageReport.class, name = "usage"),
        @JsonSubTypes.Type(value = NodeMessage.VariantReport.class, name = "variants")
})
public sealed interface NodeMessage {

    /**
     * First message on a connection: who the node is and what it holds (version 0 and a null hash when it holds nothing).
     */
    record Hello(String nodeId, long version, String hash, String nodeVersion) implements NodeMessage {
    }

    /** The node applied and persisted this version; {@code hash} is what it computed, not what it was told. */
    record Ack(long version, String hash) implements NodeMessage {
    }

    /** The node could not apply this version and keeps serving {@code heldVersion}. */
    record Nack(long version, long heldVersion, String code, String error) implements NodeMessage {
    }

    /** Keeps last-seen fresh while nothing else is said. */
    record Heartbeat(long version) implements NodeMessage {
    }

    /** Asks for up to {@code units} more requests of a subscription's quota for the period starting at {@code periodStart}. */
    record QuotaLeaseRequest(long requestId, String subscriptionId, java.time.Instant periodStart, long units) implements NodeMessage {
    }

    /** Gives back quota units the node holds but will not use (it is idle, or stopping). */
    record QuotaReturn(String subscriptionId, java.time.Instant periodStart, long units) implements NodeMessage {
    }

    /**
     * Asks for (or renews) this node's share of a subscription's rate limit. {@code demandPerSecond} is what the node
     * saw asked of it lately, admitted or not: shares follow demand. {@code appliedLeaseId} is the last rate lease
     * the node installed for this subscription (0 for none): leases before it are no longer in use anywhere.
     */
    record RateLeaseRequest(long requestId, String subscriptionId, double demandPerSecond, long appliedLeaseId) implements NodeMessage {
    }

    /** Canary and stable traffic since the last report, for the owner deciding on a canary. Best effort: not acknowledged. */
    record VariantReport(java.util.List<io.gatehouse.protocol.usage.VariantCounts> variants) implements NodeMessage {
    }

    /**
     * Usage since the last report. A node with a usage spool numbers its reports: {@code sequence} is the report id
     * (with the node id), stable across the node's restarts because it is written to the spool with the counts, and
     * the control plane applies each (node, sequence) once. Without a sequence (nodes before the spool),
     * {@code batchId} is the id, unique per node. {@code batchId} is always set: acknowledgements and refusals name it.
     */
    record UsageReport(String batchId, java.util.List<io.gatehouse.protocol.usage.UsageRecord> records, Long sequence) implements NodeMessage {
        public UsageReport(String batchId, java.util.List<io.gatehouse.protocol.usage.UsageRecord> records) {
            this(batchId, records, null);
        }
    }
}
