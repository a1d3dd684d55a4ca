package io.gatehouse.audit.testing;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * A real single-node KRaft Kafka in this JVM, for tests. It can be stopped and started again on the same ports and
 * log directory, which is how a broker outage is played.
 */
public final class KafkaBroker implements AutoCloseable {
    private final Path dir;
    private final int brokerPort;
    private final int controllerPort;
    private KafkaRaftServer server;

    public KafkaBroker(Path dir) throws IOException {
        this.dir = dir;
        this.brokerPort = freePort();
        int controller = freePort();
        while (controller == brokerPort) {
            // The kernel may hand the port just closed to the very next caller.
            controller = freePort();
        }
        this.controllerPort = controller;
        Files.createDirectories(dir);
        Path config = writeConfig();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = kafka.tools.StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c",
                config.toString(), "--standalone"}, new PrintStream(out));
        if (status != 0) {
            throw new IOException("kafka storage format failed: " + out);
        }
    }

    private Properties properties() {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.bootstrap.servers", "127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("num.partitions", "3");
        p.put("auto.create.topics.enable", "true");
        p.put("log.dirs", dir.resolve("logs").toString());
        return p;
    }

    private Path writeConfig() throws IOException {
        Path file = dir.resolve("server.properties");
        try (Writer writer = Files.newBufferedWriter(file)) {
            properties().store(writer, null);
        }
        return file;
    }

    public KafkaBroker start() {
        server = new KafkaRaftServer(KafkaConfig.fromProps(properties(), false), Time.SYSTEM);
        server.startup();
        return this;
    }

    public void stop() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }

    public String bootstrap() {
        return "127.0.0.1:" + brokerPort;
    }

    /**
     * Creates a topic and returns once every partition has a leader, as an operator would before traffic. A topic
     * made on the first send instead can answer that send with NOT_LEADER while its leadership settles, and an
     * idempotent producer's retry then fails as out of order: delivered at least once, but maybe twice.
     */
    public void createTopic(String topic, int partitions) throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                java.util.Map.of("bootstrap.servers", bootstrap()))) {
            admin.createTopics(java.util.List.of(new org.apache.kafka.clients.admin.NewTopic(topic, partitions, (short) 1))).all().get();
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
            while (true) {
                var description = admin.describeTopics(java.util.List.of(topic)).allTopicNames().get().get(topic);
                if (description.partitions().size() == partitions && description.partitions().stream().allMatch(p -> p.leader() != null)) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topic " + topic + " has no leader for every partition: " + description);
                }
                Thread.onSpinWait();
            }
        }
    }

    @Override
    public void close() {
        stop();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
