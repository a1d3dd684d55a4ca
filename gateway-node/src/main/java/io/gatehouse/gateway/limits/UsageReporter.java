package io.gatehouse.gateway.limits;

import io.gatehouse.protocol.sync.NodeMessage;
import io.gatehouse.protocol.sync.SyncChannel;
import io.gatehouse.protocol.usage.UsageRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Reports usage to the control plane in small batches and keeps every batch until the control plane acknowledges
 * it: a batch lost with a connection or a control plane restart is sent again, and the control plane stores each
 * batch id once, so nothing is lost and nothing counted twice. Runs on one thread (the config channel's event loop).
 */
public final class UsageReporter {
    private static final Logger LOG = LoggerFactory.getLogger(UsageReporter.class);
    private static final long RESEND_NANOS = TimeUnit.SECONDS.toNanos(3);
    private static final int MAX_PENDING = 100_000;
    /** The control plane remembers batch ids for seven days; a batch older than this is given up, never resent. */
    private static final long GIVE_UP_NANOS = TimeUnit.DAYS.toNanos(6);

    private final Limits limits;
    private final String batchPrefix;
    private final Map<String, Pending> pending = new LinkedHashMap<>();
    private long sequence;

    private static final class Pending {
        final NodeMessage.UsageReport report;
        final long createdNanos = System.nanoTime();
        long lastSentNanos;

        Pending(NodeMessage.UsageReport report) {
            this.report = report;
        }
    }

    public UsageReporter(Limits limits, String nodeId) {
        this.limits = limits;
        // Node id and start time make batch ids unique across restarts of the same node.
        this.batchPrefix = nodeId + "-" + System.currentTimeMillis() + "-";
    }

    /** Collects what was counted since the last call and sends what is due. */
    public void report(ControlPlaneLink link) {
        List<UsageRecord> records = limits.drainUsage();
        // The control plane takes at most MAX_USAGE_RECORDS records per batch.
        for (int from = 0; from < records.size(); from += SyncChannel.MAX_USAGE_RECORDS) {
            List<UsageRecord> batch = records.subList(from, Math.min(records.size(), from + SyncChannel.MAX_USAGE_RECORDS));
            String id = batchPrefix + (++sequence);
            pending.put(id, new Pending(new NodeMessage.UsageReport(id, List.copyOf(batch))));
            if (pending.size() > MAX_PENDING) {
                Iterator<String> oldest = pending.keySet().iterator();
                LOG.error("usage batch {} dropped: {} batches wait for the control plane", oldest.next(), MAX_PENDING);
                oldest.remove();
            }
        }
        sendDue(link, false);
    }

    /** After a reconnect everything unacknowledged is sent again at once. */
    public void resendAll(ControlPlaneLink link) {
        sendDue(link, true);
    }

    public void acknowledged(String batchId) {
        pending.remove(batchId);
    }

    public int pendingBatches() {
        return pending.size();
    }

    private void sendDue(ControlPlaneLink link, boolean all) {
        long now = System.nanoTime();
        pending.values().removeIf(p -> {
            boolean tooOld = now - p.createdNanos > GIVE_UP_NANOS;
            if (tooOld) {
                LOG.error("usage batch {} given up after six days without an acknowledgement", p.report.batchId());
            }
            return tooOld;
        });
        if (!link.connected()) {
            return;
        }
        for (Pending p : pending.values()) {
            if (all || p.lastSentNanos == 0 || now - p.lastSentNanos > RESEND_NANOS) {
                p.lastSentNanos = now;
                link.send(p.report);
            }
        }
    }
}
