package io.gatehouse.management.audit;

import io.gatehouse.audit.testing.KafkaBroker;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.nio.file.Files;
import java.util.Map;

/** A real Kafka broker in the test JVM, and the control plane's audit ingest pointed at it. */
public class KafkaResource implements QuarkusTestResourceLifecycleManager {
    static KafkaBroker broker;

    @Override
    public Map<String, String> start() {
        try {
            broker = new KafkaBroker(Files.createTempDirectory("gatehouse-kafka")).start();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return Map.of("gatehouse.audit.kafka.bootstrap", broker.bootstrap());
    }

    @Override
    public void stop() {
        if (broker != null) {
            broker.close();
        }
    }
}
