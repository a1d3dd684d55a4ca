package io.gatehouse.management.sync;

import io.gatehouse.protocol.sync.NodeMessage;
import io.gatehouse.protocol.sync.SyncChannel;
import io.gatehouse.protocol.usage.UsageRecord;
import io.gatehouse.protocol.usage.VariantCounts;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/**
 * What a node message must look like before anything acts on it. Every rule here is something an honest node never
 * breaks, so a message that breaks one is refused whole (nothing of it is applied) rather than repaired. Rules that
 * need the database (a quota return within what the node was leased, usage of an existing subscription) are checked
 * where the data is: QuotaLedger and UsageStore.
 */
final class NodeMessageRules {
    /** Larger than any quota or count a plan can express, small enough that sums of many cannot overflow a long. */
    static final long MAX_UNITS = 1_000_000_000_000L;
    static final double MAX_DEMAND_PER_SECOND = 1e9;
    /** Usage hours a node may still report (it gives up on batches after six days) or already report (clock skew). */
    static final Duration USAGE_PAST = Duration.ofDays(8);
    static final Duration USAGE_FUTURE = Duration.ofHours(2);

    private NodeMessageRules() {
    }

    /** Throws {@link NodeMessageRefused} when the message breaks a rule. */
    static void check(NodeMessage message, String text, String boundNodeId, SnapshotIndex index) {
        boolean large = message instanceof NodeMessage.UsageReport || message instanceof NodeMessage.VariantReport;
        if (!large && text.length() > SyncChannel.MAX_SMALL_NODE_MESSAGE_BYTES) {
            refuse("message_too_large", "a " + typeOf(message) + " message is at most " + SyncChannel.MAX_SMALL_NODE_MESSAGE_BYTES + " bytes");
        }
        if (message instanceof NodeMessage.Hello hello) {
            if (!boundNodeId.equals(hello.nodeId())) {
                refuse("node_id_mismatch", "this credential is bound to node " + boundNodeId + ", not " + hello.nodeId());
            }
            nonNegative("version", hello.version());
        } else if (message instanceof NodeMessage.Ack ack) {
            positive("version", ack.version());
            required("hash", ack.hash());
        } else if (message instanceof NodeMessage.Nack nack) {
            if (nack.version() < -1) {
                refuse("invalid_count", "version must be -1 or more");
            }
            nonNegative("heldVersion", nack.heldVersion());
        } else if (message instanceof NodeMessage.Heartbeat heartbeat) {
            nonNegative("version", heartbeat.version());
        } else if (message instanceof NodeMessage.QuotaLeaseRequest request) {
            nonNegative("requestId", request.requestId());
            uuid("subscriptionId", request.subscriptionId());
            required("periodStart", request.periodStart());
            units(request.units());
        } else if (message instanceof NodeMessage.QuotaReturn returned) {
            uuid("subscriptionId", returned.subscriptionId());
            required("periodStart", returned.periodStart());
            units(returned.units());
        } else if (message instanceof NodeMessage.RateLeaseRequest request) {
            nonNegative("requestId", request.requestId());
            uuid("subscriptionId", request.subscriptionId());
            nonNegative("appliedLeaseId", request.appliedLeaseId());
            double demand = request.demandPerSecond();
            if (!Double.isFinite(demand) || demand < 0 || demand > MAX_DEMAND_PER_SECOND) {
                refuse("invalid_count", "demandPerSecond must be between 0 and " + MAX_DEMAND_PER_SECOND);
            }
        } else if (message instanceof NodeMessage.VariantReport report) {
            variants(report, index);
        } else if (message instanceof NodeMessage.UsageReport report) {
            usage(report);
        }
    }

    private static void variants(NodeMessage.VariantReport report, SnapshotIndex index) {
        required("variants", report.variants());
        if (report.variants().size() > SyncChannel.MAX_VARIANT_ENTRIES) {
            refuse("too_many_entries", "a variant report has at most " + SyncChannel.MAX_VARIANT_ENTRIES + " entries");
        }
        int width = 2 + VariantCounts.BUCKET_BOUNDS_MS.length;
        for (VariantCounts v : report.variants()) {
            required("variants[]", v);
            if (v.apiId() == null || !index.apiIds().contains(v.apiId())) {
                refuse("unknown_api", "variant report for API " + v.apiId() + ", which the current config does not hold");
            }
            if (!"stable".equals(v.variant()) && !"canary".equals(v.variant())) {
                refuse("invalid_variant", "variant must be stable or canary");
            }
            if (v.counts() == null || v.counts().length != width) {
                refuse("invalid_counts", "counts must hold " + width + " numbers: requests, errors, then one per latency bucket");
            }
            for (long count : v.counts()) {
                if (count < 0 || count > MAX_UNITS) {
                    refuse("invalid_count", "counts must be between 0 and " + MAX_UNITS);
                }
            }
            if (v.counts()[1] > v.counts()[0]) {
                refuse("invalid_count", "errors cannot exceed requests");
            }
        }
    }

    private static void usage(NodeMessage.UsageReport report) {
        if (report.batchId() == null || report.batchId().isBlank() || report.batchId().length() > 200) {
            refuse("invalid_batch_id", "batchId must be 1 to 200 characters");
        }
        if (report.sequence() != null && report.sequence() < 0) {
            refuse("invalid_sequence", "sequence must not be negative");
        }
        required("records", report.records());
        if (report.records().size() > SyncChannel.MAX_USAGE_RECORDS) {
            refuse("too_many_entries", "a usage report has at most " + SyncChannel.MAX_USAGE_RECORDS + " records");
        }
        Instant now = Instant.now();
        for (UsageRecord r : report.records()) {
            required("records[]", r);
            uuid("subscriptionId", r.subscriptionId());
            uuid("consumerId", r.consumerId());
            uuid("applicationId", r.applicationId());
            uuid("apiId", r.apiId());
            uuid("planId", r.planId());
            required("hour", r.hour());
            if (!r.hour().truncatedTo(ChronoUnit.HOURS).equals(r.hour())
                    || r.hour().isBefore(now.minus(USAGE_PAST)) || r.hour().isAfter(now.plus(USAGE_FUTURE))) {
                refuse("invalid_hour", "hour must be a whole UTC hour within the last " + USAGE_PAST.toDays() + " days");
            }
            if (r.admitted() < 0 || r.refused() < 0 || r.admitted() > MAX_UNITS || r.refused() > MAX_UNITS) {
                refuse("invalid_count", "admitted and refused must be between 0 and " + MAX_UNITS);
            }
            if (r.statusClasses() != null) {
                if (r.statusClasses().length != UsageRecord.STATUS_CLASSES) {
                    refuse("invalid_count", "statusClasses holds " + UsageRecord.STATUS_CLASSES + " counts (1xx to 5xx)");
                }
                for (long n : r.statusClasses()) {
                    if (n < 0 || n > 2 * MAX_UNITS) {
                        refuse("invalid_count", "statusClasses counts must be between 0 and " + 2 * MAX_UNITS);
                    }
                }
            }
        }
    }

    /** The message's type as it is named on the wire. */
    static String typeOf(NodeMessage message) {
        com.fasterxml.jackson.annotation.JsonSubTypes types = NodeMessage.class.getAnnotation(com.fasterxml.jackson.annotation.JsonSubTypes.class);
        for (com.fasterxml.jackson.annotation.JsonSubTypes.Type type : types.value()) {
            if (type.value() == message.getClass()) {
                return type.name();
            }
        }
        return message.getClass().getSimpleName();
    }

    private static void units(long units) {
        if (units <= 0 || units > MAX_UNITS) {
            refuse("invalid_count", "units must be between 1 and " + MAX_UNITS);
        }
    }

    private static void nonNegative(String field, long value) {
        if (value < 0) {
            refuse("invalid_count", field + " must not be negative");
        }
    }

    private static void positive(String field, long value) {
        if (value <= 0) {
            refuse("invalid_count", field + " must be positive");
        }
    }

    private static void required(String field, Object value) {
        if (value == null) {
            refuse("missing_field", field + " is required");
        }
    }

    private static void uuid(String field, String value) {
        required(field, value);
        try {
            UUID.fromString(value);
        } catch (IllegalArgumentException e) {
            refuse("invalid_id", field + " is not an id");
        }
        if (value.length() != 36) {
            refuse("invalid_id", field + " is not an id");
        }
    }

    private static void refuse(String code, String message) {
        throw new NodeMessageRefused(code, message);
    }
}
