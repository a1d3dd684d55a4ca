package io.gatehouse.gateway.audit;

import io.gatehouse.audit.ship.KafkaShipper;
import io.gatehouse.audit.signing.NodeKeys;
import io.gatehouse.audit.spool.AuditWriter;
import io.gatehouse.audit.spool.Spool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The node's audit trail: its signing key (made on first start), the spool in its data directory, the writer
 * thread that signs records a batch at a time (one Merkle root signature per batch) and spools them, and the shipper
 * thread that moves the spool to Kafka. None of it runs on an event loop; a slow or absent broker only makes the
 * spool deeper.
 */
public final class GatewayAudit implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayAudit.class);
    public static final String SPOOL_DIR = "audit-spool";
    private final AuditEmitter emitter;
    private final NodeKeys keys;
    private final Spool spool;
    private final AuditWriter writer;
    private final KafkaShipper shipper;

    private GatewayAudit(AuditEmitter emitter, NodeKeys keys, Spool spool, AuditWriter writer, KafkaShipper shipper) {
        this.emitter = emitter;
        this.keys = keys;
        this.spool = spool;
        this.writer = writer;
        this.shipper = shipper;
    }

    public static GatewayAudit start(String nodeId, Path dataDir, AuditSettings settings) {
        if (!settings.enabled()) {
            return new GatewayAudit(AuditEmitter.OFF, null, null, null, null);
        }
        try {
            NodeKeys keys = NodeKeys.loadOrCreate(dataDir);
            Spool spool = new Spool(dataDir.resolve(SPOOL_DIR), settings.spoolMaxBytes(), settings.segmentBytes());
            AuditWriter writer = new AuditWriter(spool, keys, settings.queueCapacity(), settings.batchRecords(),
                    java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(settings.batchLingerMs())).start();
            KafkaShipper shipper = settings.kafkaBootstrap() == null ? null
                    : new KafkaShipper(spool, settings.kafkaBootstrap(), settings.topic(), Map.of()).start();
            LOG.info("audit on: node {} signs with public key {} (register it with the control plane); {} records waiting in {}; {}",
                    nodeId, keys.publicKeyBase64(), spool.depth(), dataDir.resolve(SPOOL_DIR),
                    shipper == null ? "no Kafka configured, records stay in the spool" : "shipping to " + settings.kafkaBootstrap());
            return new GatewayAudit(new AuditRecorder(nodeId, writer), keys, spool, writer, shipper);
        } catch (IOException e) {
            throw new IllegalStateException("audit spool or key in " + dataDir + " unusable: " + e.getMessage(), e);
        }
    }

    public AuditEmitter emitter() {
        return emitter;
    }

    /** The node's public key (base64 X.509), or null when audit is off. */
    public String publicKey() {
        return keys == null ? null : keys.publicKeyBase64();
    }

    /**
     * The spool as an operator watches it (the status port's {@code audit} section).
     *
     * @param depthRecords           records spooled and not yet acknowledged by Kafka
     * @param depthBytes             bytes of the spool's segment files on disk
     * @param oldestUnsentAgeMillis  how long the oldest unacknowledged record has waited; 0 when none waits
     * @param droppedSpoolFull       unsent records dropped because the spool reached its size bound
     * @param refusedQueueFull       records refused before the spool (the writer's queue was full, or the disk failed)
     * @param written                records signed and spooled since the node started
     * @param queued                 records waiting in memory for the spool writer
     * @param shipping               whether a Kafka bootstrap is configured (otherwise records only accumulate)
     */
    public record SpoolMetrics(long depthRecords, long depthBytes, long oldestUnsentAgeMillis, long droppedSpoolFull,
                               long refusedQueueFull, long written, long queued, boolean shipping) {
        public long dropped() {
            return droppedSpoolFull + refusedQueueFull;
        }
    }

    /**
     * Reads the spool's figures. Blocking: the spool synchronises with its writer (which may be in an fsync) and the
     * oldest record's age is read from its segment file, so call it from a worker thread, never an event loop.
     *
     * @return null when audit is off
     */
    public SpoolMetrics metrics() throws IOException {
        if (spool == null) {
            return null;
        }
        return new SpoolMetrics(spool.depth(), spool.bytes(), spool.oldestAgeMillis(), spool.dropped(), writer.refused(),
                writer.written(), writer.queued(), shipper != null);
    }

    /** Records spooled and not yet acknowledged by Kafka. */
    public long spoolDepth() {
        return spool == null ? 0 : spool.depth();
    }

    /** Records lost: dropped from a full spool, or refused by a full in-memory queue. */
    public long dropped() {
        return spool == null ? 0 : spool.dropped() + writer.refused();
    }

    public long written() {
        return writer == null ? 0 : writer.written();
    }

    /** Batches signed since start: one Ed25519 signature each, however many records they hold. */
    public long batchesSigned() {
        return writer == null ? 0 : writer.batches();
    }

    @Override
    public void close() {
        close(0);
    }

    /**
     * Stops the trail: the writer spools what it holds, then, when Kafka is configured, the shipper is given up to
     * {@code flushMillis} to empty the spool before it stops (a node being drained leaves nothing behind); what is
     * still unsent then is shipped at the next start from the same data directory. Blocking.
     */
    public void close(long flushMillis) {
        try {
            if (writer != null) {
                writer.close();
            }
            if (shipper != null && flushMillis > 0) {
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(flushMillis);
                long depth = spool.depth();
                while (depth > 0 && System.nanoTime() - deadline < 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
                    depth = spool.depth();
                }
                if (depth > 0) {
                    LOG.warn("audit spool: {} records not shipped to Kafka within {} ms; they are shipped at the next start", depth, flushMillis);
                } else {
                    LOG.info("audit spool flushed to Kafka");
                }
            }
            if (shipper != null) {
                shipper.close();
            }
            if (spool != null) {
                spool.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.warn("audit spool did not close cleanly: {}", e.toString());
        }
    }
}
