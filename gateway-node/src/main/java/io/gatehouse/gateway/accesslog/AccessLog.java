package io.gatehouse.gateway.accesslog;

import io.gatehouse.gateway.auth.Credential;
import io.gatehouse.gateway.proxy.Completion;
import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.GatewayError;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * One JSON line per finished request, written by the completion step: request id, trace id, API, consumer and
 * application ids, method, normalised path, status, gateway error code, latency, bytes, upstream and client address.
 * Never a header value, a query string or a key: the path is logged without its query, and no header is read but
 * {@code traceparent}. The event loop builds the line and offers it to a queue; one writer thread writes and flushes,
 * so a slow disk or pipe costs dropped lines (counted), never a slower request.
 */
public final class AccessLog implements Completion.Listener, AutoCloseable {
    /** No log: the listener is left out of the completion step altogether. */
    public static final AccessLog OFF = new AccessLog();

    private final double sampleSuccess;
    private final int capacity;
    private final OutputStream out;
    private final ConcurrentLinkedQueue<String> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder written = new LongAdder();
    private final String nodeId;
    private final Thread thread;
    private volatile boolean running = true;

    private AccessLog() {
        this.sampleSuccess = 0;
        this.capacity = 0;
        this.out = null;
        this.nodeId = null;
        this.thread = null;
    }

    private AccessLog(AccessLogSettings settings, String nodeId, OutputStream out) {
        this.sampleSuccess = settings.sampleSuccess();
        this.capacity = settings.queueCapacity();
        this.nodeId = nodeId;
        this.out = out;
        this.thread = new Thread(this::run, "gatehouse-access-log");
        thread.setDaemon(true);
        thread.start();
    }

    public static AccessLog start(AccessLogSettings settings, String nodeId) {
        if (!settings.enabled()) {
            return OFF;
        }
        OutputStream out;
        if ("stdout".equalsIgnoreCase(settings.target())) {
            out = new BufferedOutputStream(new FileOutputStream(java.io.FileDescriptor.out), 64 * 1024);
        } else {
            try {
                out = new BufferedOutputStream(new FileOutputStream(settings.target(), true), 64 * 1024);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot open the access log " + settings.target() + ": " + e.getMessage(), e);
            }
        }
        return new AccessLog(settings, nodeId, out);
    }

    public boolean enabled() {
        return this != OFF;
    }

    @Override
    public void completed(Exchange exchange) {
        int status = exchange.status();
        if (status < 400 && status > 0 && sampleSuccess < 1 && ThreadLocalRandom.current().nextDouble() >= sampleSuccess) {
            return;
        }
        if (queued.incrementAndGet() > capacity) {
            queued.decrementAndGet();
            dropped.increment();
            return;
        }
        queue.offer(line(exchange, status));
    }

    private String line(Exchange exchange, int status) {
        StringBuilder b = new StringBuilder(384);
        b.append("{\"time\":\"").append(Instant.now()).append('"');
        field(b, "requestId", exchange.requestId().toString());
        field(b, "traceId", Traceparent.traceId(exchange.traceparent()));
        field(b, "node", nodeId);
        field(b, "method", exchange.request().method().name());
        field(b, "path", exchange.path());
        b.append(",\"status\":").append(status);
        GatewayError error = exchange.error();
        field(b, "error", error == null ? (exchange.clientGone() ? "client_gone" : null) : error.code());
        field(b, "api", exchange.route() == null ? null : exchange.route().apiId());
        Credential credential = exchange.credential();
        if (credential != null) {
            field(b, "consumer", credential.consumerId());
            field(b, "application", credential.applicationId());
        }
        field(b, "upstream", exchange.forwarded() && exchange.upstream() != null ? exchange.upstream().url().url() : null);
        b.append(",\"attempts\":").append(exchange.attempts());
        long now = System.nanoTime();
        appendMillis(b.append(",\"durationMs\":"), exchange.durationNanos(now));
        if (exchange.attempts() > 0) {
            // From the first attempt upstream to the end: what durationMs minus this leaves is the gateway's own time
            // (policies, a lease wait), as the latency histograms split it.
            appendMillis(b.append(",\"upstreamMs\":"), now - exchange.upstreamStartNanos());
        }
        b.append(",\"bytesIn\":").append(exchange.bytesIn());
        b.append(",\"bytesOut\":").append(exchange.bytesOut());
        field(b, "client", io.gatehouse.gateway.guard.ClientAddresses.of(exchange.request()));
        return b.append("}\n").toString();
    }

    /** Milliseconds with three decimals, without String.format's parsing and boxing on the event loop. */
    static void appendMillis(StringBuilder b, long nanos) {
        long micros = Math.max(0, nanos / 1_000);
        long fraction = micros % 1_000;
        b.append(micros / 1_000).append('.');
        if (fraction < 100) {
            b.append('0');
        }
        if (fraction < 10) {
            b.append('0');
        }
        b.append(fraction);
    }

    private static void field(StringBuilder b, String name, String value) {
        if (value == null) {
            return;
        }
        b.append(",\"").append(name).append("\":\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    private void run() {
        while (running || !queue.isEmpty()) {
            String line = queue.poll();
            if (line == null) {
                try {
                    out.flush();
                } catch (IOException e) {
                    // stdout closed or disk full: keep draining so the queue never fills the heap
                }
                LockSupport.parkNanos(1_000_000);
                continue;
            }
            queued.decrementAndGet();
            try {
                out.write(line.getBytes(StandardCharsets.UTF_8));
                written.increment();
            } catch (IOException e) {
                dropped.increment();
            }
        }
        try {
            out.flush();
        } catch (IOException ignored) {
            // nothing left to tell it to
        }
    }

    public long dropped() {
        return dropped.sum();
    }

    public long written() {
        return written.sum();
    }

    /** Writes out what is queued, then stops. */
    @Override
    public void close() throws InterruptedException {
        if (this == OFF) {
            return;
        }
        running = false;
        thread.join(5_000);
    }
}
