package io.gatehouse.protocol.sync;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.gatehouse.protocol.config.ConfigDelta;
import io.gatehouse.protocol.config.ConfigSnapshot;

/** What the control plane sends to a gateway node over its config channel. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = ControlMessage.Snapshot.class, name = "snapshot"),
        @JsonSubTypes.Type(value = ControlMessage.SnapshotChunk.class, name = "snapshot-chunk"),
        @JsonSubTypes.Type(value = ControlMessage.Delta.class, name = "delta"),
        @JsonSubTypes.Type(value = ControlMessage.QuotaLease.class, name = "quota-lease"),
        @JsonSubTypes.Type(value = ControlMessage.RateLease.class, name = "rate-lease"),
        @JsonSubTypes.Type(value = ControlMessage.UsageAck.class, name = "usage-ack"),
        @JsonSubTypes.Type(value = ControlMessage.Refused.class, name = "refused")
})
public sealed interface ControlMessage {

    /** Replace whatever the node holds with this configuration: a small one, in one message (see {@link SnapshotChunk}). */
    record Snapshot(ConfigSnapshot snapshot) implements ControlMessage {
    }

    /**
     * One part of a full configuration too large for one message. Chunks of one snapshot share {@code version} and
     * {@code hash} and are numbered from 0 by {@code sequence}; the one marked {@code last} completes it. A chunk 0
     * starts a new snapshot and discards any incomplete one. The node keeps serving what it holds until the last
     * chunk arrives and the assembled content has {@code hash}; then it switches, persists and acknowledges the
     * version (or refuses it: {@code snapshot_out_of_order} for a missing chunk, {@code hash_mismatch}). Entries
     * within a snapshot may come in any order and any chunk.
     */
    record SnapshotChunk(long version, String hash, java.time.Instant publishedAt, int sequence, boolean last,
                         java.util.List<io.gatehouse.protocol.config.ApiDefinition> apis,
                         java.util.List<io.gatehouse.protocol.config.PlanDefinition> plans,
                         java.util.List<io.gatehouse.protocol.config.KeyGrant> keys,
                         java.util.List<io.gatehouse.protocol.config.SubscriptionGrant> subscriptions) implements ControlMessage {
        public SnapshotChunk {
            apis = apis == null ? java.util.List.of() : apis;
            plans = plans == null ? java.util.List.of() : plans;
            keys = keys == null ? java.util.List.of() : keys;
            subscriptions = subscriptions == null ? java.util.List.of() : subscriptions;
        }
    }

    /**
     * Move from {@code delta.baseVersion()} to {@code delta.version()}: the entries changed in between, each at its
     * last state. The control plane may send several deltas back to back (a node catching up on a long log gets it in
     * bounded parts); each builds on the one before and is acknowledged on its own.
     */
    record Delta(ConfigDelta delta) implements ControlMessage {
    }

    /**
     * Quota units granted to this node ({@code units} may be 0). {@code exhausted}: nothing is left to grant in this
     * period. {@code remaining} is what was left to grant after this grant, for the quota headers.
     */
    record QuotaLease(long requestId, String subscriptionId, java.time.Instant periodStart, long units, long quota,
                      long remaining, boolean exhausted) implements ControlMessage {
    }

    /**
     * This node's share of a subscription's rate limit, valid for {@code validForMs} from when the node receives it:
     * a steady {@code ratePerSecond} and a bucket of {@code burst} requests. The shares of all nodes never add up to
     * more than the plan's rate and burst. The control plane may send one unasked, to shrink or grow a share;
     * {@code leaseId} orders them, and a node acknowledges the one it installed in its next request.
     * {@code initialTokens}: what a node without a share in force may start its bucket with (0 unless the
     * subscription has been idle everywhere long enough for a single bucket to have filled).
     */
    record RateLease(long requestId, long leaseId, String subscriptionId, double ratePerSecond, double burst, long validForMs,
                     double initialTokens) implements ControlMessage {
    }

    /**
     * The usage report is applied, now or before (a report sent again is acknowledged without being counted twice);
     * the node may let it go.
     */
    record UsageAck(String batchId) implements ControlMessage {
    }

    /**
     * The control plane refused a node message: it was malformed, out of range, or named something the node may not
     * touch. Nothing of it was applied. {@code refusedType} is the message's type; {@code requestId} or
     * {@code batchId} say which one when it had one. A refused usage batch will never be accepted: the node drops it.
     */
    record Refused(String refusedType, String code, String message, Long requestId, String batchId) implements ControlMessage {
    }
}
