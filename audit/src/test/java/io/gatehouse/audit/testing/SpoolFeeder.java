package io.gatehouse.audit.testing;

import io.gatehouse.audit.ship.KafkaShipper;
import io.gatehouse.audit.signing.NodeKeys;
import io.gatehouse.audit.spool.AuditWriter;
import io.gatehouse.audit.spool.Spool;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * A stand-in for a busy gateway node in its own JVM, to be killed with SIGKILL: it queues records as fast as the
 * writer takes them and ships them to Kafka (unless the bootstrap is {@code none}), printing how many reached the
 * spool. Arguments: data directory, Kafka bootstrap or none, topic.
 */
public final class SpoolFeeder {
    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]);
        NodeKeys keys = NodeKeys.loadOrCreate(data);
        Spool spool = new Spool(data.resolve("spool"), 256L << 20, 256 << 10);
        AuditWriter writer = new AuditWriter(spool, keys, 5_000).start();
        if (!"none".equals(args[1])) {
            new KafkaShipper(spool, args[1], args[2], Map.of()).start();
        }
        long next = 0;
        long lastReport = 0;
        while (true) {
            if (writer.offer(Records.record("node-killed", (int) next, Instant.now()))) {
                next++;
            } else {
                Thread.onSpinWait();
            }
            if (writer.written() - lastReport >= 500) {
                lastReport = writer.written();
                System.out.println("spooled " + lastReport);
                System.out.flush();
            }
        }
    }
}
