package io.gatehouse.gateway.audit;

import io.gatehouse.audit.spool.AuditWriter;
import java.util.concurrent.TimeUnit;

import java.util.function.UnaryOperator;

/**
 * The node's audit settings (docs/configuration.md). Audit is on when a Kafka bootstrap address is set, or when
 * {@code gatehouse.audit.enabled=true} (records then wait in the spool until a broker is configured).
 *
 * @param enabled          whether every request is recorded
 * @param kafkaBootstrap   Kafka bootstrap servers, or null: records stay in the spool
 * @param topic            the Kafka topic
 * @param spoolMaxBytes    the spool's size bound; beyond it the oldest unsent records are dropped (counted)
 * @param segmentBytes     size of one spool segment file
 * @param queueCapacity    records waiting in memory for the spool writer; beyond it new records are dropped (counted)
 * @param batchRecords     records signed under one batch signature at most
 * @param batchLingerMs    how long the writer waits for a batch to fill after its first record
 */
public record AuditSettings(boolean enabled, String kafkaBootstrap, String topic, long spoolMaxBytes, long segmentBytes,
                            int queueCapacity, int batchRecords, long batchLingerMs) {
    /** The most records one batch may hold: a record's path then has at most 16 hashes (512 bytes). */
    public static final int MAX_BATCH_RECORDS = 65_536;

    /** @param property a setting's value by property name, or null when it is not set */
    public static AuditSettings load(UnaryOperator<String> property) {
        String bootstrap = property.apply("gatehouse.audit.kafka.bootstrap");
        String enabled = property.apply("gatehouse.audit.enabled");
        AuditSettings settings = new AuditSettings(
                enabled != null ? Boolean.parseBoolean(enabled) : bootstrap != null,
                bootstrap,
                value(property, "gatehouse.audit.kafka.topic", "gatehouse.audit"),
                number(property, "gatehouse.audit.spool.max-bytes", 1L << 30),
                number(property, "gatehouse.audit.spool.segment-bytes", 64L << 20),
                (int) number(property, "gatehouse.audit.queue-capacity", 65_536),
                (int) number(property, "gatehouse.audit.batch-records", AuditWriter.DEFAULT_BATCH_RECORDS),
                number(property, "gatehouse.audit.batch-linger-ms", TimeUnit.NANOSECONDS.toMillis(AuditWriter.DEFAULT_LINGER_NANOS)));
        if (settings.segmentBytes <= 0 || settings.spoolMaxBytes < settings.segmentBytes || settings.queueCapacity <= 0) {
            throw new IllegalArgumentException("gatehouse.audit.spool.max-bytes must be at least gatehouse.audit.spool.segment-bytes (> 0),"
                    + " and gatehouse.audit.queue-capacity positive");
        }
        if (settings.batchRecords < 1 || settings.batchRecords > MAX_BATCH_RECORDS) {
            throw new IllegalArgumentException("gatehouse.audit.batch-records must be between 1 and " + MAX_BATCH_RECORDS
                    + ", got " + settings.batchRecords);
        }
        if (settings.batchLingerMs < 0 || settings.batchLingerMs > 1_000) {
            throw new IllegalArgumentException("gatehouse.audit.batch-linger-ms must be between 0 and 1000, got " + settings.batchLingerMs);
        }
        return settings;
    }

    private static String value(UnaryOperator<String> property, String name, String fallback) {
        String value = property.apply(name);
        return value == null ? fallback : value;
    }

    private static long number(UnaryOperator<String> property, String name, long fallback) {
        String value = property.apply(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, got '" + value + "'");
        }
    }
}
