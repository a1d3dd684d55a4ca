package io.gatehouse.gateway;

import java.util.concurrent.CountDownLatch;

/** Runs a gateway node until the JVM is asked to stop. */
public final class GatewayMain {
    private GatewayMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        GatewayNode.runtimeDefaults();
        NodeSettings settings;
        try {
            settings = NodeSettings.load(System.getenv());
            if (settings.standalone() && settings.snapshotFile() == null) {
                throw new IllegalArgumentException("set GATEHOUSE_CONTROL_PLANE_URL (managed mode) or GATEHOUSE_SNAPSHOT_FILE (standalone mode)");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("gatehouse gateway: " + e.getMessage());
            System.exit(2);
            return;
        }
        GatewayNode node;
        try {
            node = new GatewayNode(settings).start();
        } catch (RuntimeException e) {
            System.err.println("gatehouse gateway: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.stop();
            stopped.countDown();
        }, "gatehouse-shutdown"));
        stopped.await();
    }
}
