package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.routing.TargetState;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.RequestOptions;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * One event loop's keep-alive connections to upstream origins, each lent to one request at a time and given back
 * when that request's exchange with the upstream ended cleanly.
 *
 * <p>Why not the HTTP client's own pool: taking a connection from it costs every request a trip through its
 * resource manager and combiner executor, about a tenth of an event loop's time under load (docs/benchmarks.md).
 * Here a connection is popped from a per-origin stack on the loop that owns it, with no lock and no future until
 * the request itself. The most recently used connection goes first, so the ones a quieter moment no longer needs
 * sit at the bottom and are closed by the sweep once idle for the keep-alive time.
 *
 * <p>At most {@code maxPerOrigin} connections per origin are kept here; a request that finds them all busy goes
 * through the client's pool instead, which holds the same cap and queues what is over it. A connection is given
 * back only when its request was sent whole and its answer read to the end; anything else (a reset, a timeout, a
 * client that left, an answer cut short) closes it, so a connection in the middle of an abandoned exchange is never
 * lent again. One the upstream or Vert.x closed is marked so by its close handler and skipped.
 *
 * <p>Event-loop confined, like the verticle that owns it.
 */
final class UpstreamConnections {
    private static final long SWEEP_MS = 5_000;

    private final HttpClientAgent client;
    private final int maxPerOrigin;
    /**
     * How long a connection may sit unused before it is no longer lent, and closed (GATEHOUSE_UPSTREAM_IDLE_TIMEOUT_MS).
     * Below the upstream's own keep-alive time, so that the upstream never closes a connection just as a request is
     * sent on it: a POST lost that way cannot be repeated.
     */
    private final long idleNanos;
    private final long sweepMs;
    private final Map<String, Origin> origins = new HashMap<>();
    private long sweepTimer = -1;

    UpstreamConnections(HttpClientAgent client, int maxPerOrigin, long idleMs) {
        this.client = client;
        this.maxPerOrigin = maxPerOrigin;
        this.idleNanos = idleMs * 1_000_000L;
        this.sweepMs = Math.max(100, Math.min(SWEEP_MS, idleMs / 2));
    }

    void start(Vertx vertx) {
        sweepTimer = vertx.setPeriodic(sweepMs, id -> sweep(System.nanoTime()));
    }

    /** When the verticle stops: no more sweeps, and every idle connection closed; lent ones close with their exchanges. */
    void stop(Vertx vertx) {
        if (sweepTimer >= 0) {
            vertx.cancelTimer(sweepTimer);
        }
        for (Origin origin : origins.values()) {
            for (Lease lease; (lease = origin.idle.pollFirst()) != null; ) {
                lease.close();
            }
        }
    }

    /**
     * A request to the exchange's target on a connection of this loop, lent to the exchange until its attempt ends
     * ({@link Exchange#endAttempt()}); over the cap, a request from the client's pool.
     */
    Future<HttpClientRequest> request(Exchange exchange, RequestOptions options) {
        TargetState target = exchange.upstream();
        Origin origin = origins.computeIfAbsent(target.origin(), key -> new Origin(idleNanos));
        Lease idle = origin.take(System.nanoTime());
        if (idle != null) {
            exchange.lend(idle);
            return idle.connection.request(options);
        }
        if (origin.open >= maxPerOrigin) {
            return client.request(options);
        }
        origin.open++;
        HttpConnectOptions connect = new HttpConnectOptions()
                .setHost(options.getHost())
                .setPort(options.getPort())
                .setSsl(options.isSsl())
                .setConnectTimeout(options.getConnectTimeout());
        return client.connect(connect).transform(connected -> {
            if (connected.failed()) {
                origin.open--;
                return Future.failedFuture(connected.cause());
            }
            Lease lease = new Lease(origin, connected.result());
            connected.result().closeHandler(lease);
            if (exchange.completed()) {
                // Nobody is left to send for: the new connection waits for the next request.
                lease.giveBack(true);
                return Future.failedFuture(new IllegalStateException("the exchange ended while its upstream connection opened"));
            }
            exchange.lend(lease);
            return lease.connection.request(options);
        });
    }

    /** Closes connections idle for longer than the keep-alive time (they sit at the bottom of their stacks). */
    void sweep(long now) {
        for (Iterator<Origin> it = origins.values().iterator(); it.hasNext(); ) {
            Origin origin = it.next();
            for (Lease oldest; (oldest = origin.idle.peekFirst()) != null; ) {
                if (oldest.usable(now)) {
                    break;
                }
                origin.idle.pollFirst();
                oldest.close();
            }
            if (origin.open == 0 && origin.idle.isEmpty()) {
                it.remove();
            }
        }
    }

    private static final CharSequence KEEP_ALIVE = HttpHeaders.createOptimized("Keep-Alive");

    /** The {@code timeout} parameter of a Keep-Alive header in seconds, or -1 if it has none. */
    static long keepAliveTimeout(String header) {
        int at = header.toLowerCase(java.util.Locale.ROOT).indexOf("timeout=");
        if (at < 0) {
            return -1;
        }
        long seconds = 0;
        int digits = 0;
        for (int i = at + 8; i < header.length() && Character.isDigit(header.charAt(i)) && digits < 9; i++, digits++) {
            seconds = seconds * 10 + (header.charAt(i) - '0');
        }
        return digits == 0 ? -1 : seconds;
    }

    /**
     * Whether an answer ends its connection (RFC 9112, 9.3 and 9.6): a {@code close} token in a Connection header, or
     * an HTTP/1.0 answer without {@code keep-alive}. Runs for every answer, so the values nearly every upstream sends
     * are decided without a list or a split: a Connection header that is exactly {@code close} (in any of them), or a
     * first one that is exactly {@code keep-alive}. A token list is split only when there is one.
     */
    static boolean closesConnection(HttpClientResponse answer) {
        if (answer.headers().contains(HttpHeaders.CONNECTION, CLOSE, true)) {
            return true;
        }
        boolean http10 = answer.version() == io.vertx.core.http.HttpVersion.HTTP_1_0;
        String first = answer.getHeader(HttpHeaders.CONNECTION);
        if (first == null) {
            return http10;
        }
        if (first.equalsIgnoreCase("keep-alive")) {
            return false;
        }
        boolean keepAlive = false;
        for (String header : answer.headers().getAll(HttpHeaders.CONNECTION)) {
            for (String token : header.split(",")) {
                String name = token.trim();
                if (name.equalsIgnoreCase("close")) {
                    return true;
                }
                keepAlive |= name.equalsIgnoreCase("keep-alive");
            }
        }
        return http10 && !keepAlive;
    }

    private static final CharSequence CLOSE = HttpHeaders.createOptimized("close");

    /** The connections to one scheme, host and port. */
    private static final class Origin {
        /** Idle connections, most recently used last. */
        final ArrayDeque<Lease> idle = new ArrayDeque<>();
        /** Connections open or opening, lent or idle. */
        int open;
        final long idleNanos;

        Origin(long idleNanos) {
            this.idleNanos = idleNanos;
        }

        Lease take(long now) {
            for (Lease lease; (lease = idle.pollLast()) != null; ) {
                if (lease.usable(now)) {
                    return lease;
                }
                lease.close();
            }
            return null;
        }
    }

    /** One connection, lent to one exchange at a time. */
    static final class Lease implements Handler<Void> {
        private final Origin origin;
        final HttpClientConnection connection;
        private boolean closed;
        /** Its last answer asked for the connection to be closed: Vert.x is closing it. */
        private boolean closing;
        private long idleSinceNanos;
        private long idleLimitNanos;

        private Lease(Origin origin, HttpClientConnection connection) {
            this.origin = origin;
            this.connection = connection;
            this.idleLimitNanos = origin.idleNanos;
        }

        /** Open, and idle for less than its limit: safe to lend. */
        boolean usable(long now) {
            return !closed && now - idleSinceNanos < idleLimitNanos;
        }

        /** The connection closed, whoever closed it. */
        @Override
        public void handle(Void closed) {
            if (!this.closed) {
                this.closed = true;
                origin.open--;
            }
        }

        /**
         * The answer was read to its end on this connection. One that asked to close it (Connection: close, HTTP/1.0
         * without keep-alive) is never lent again: Vert.x starts closing the connection as the answer ends, but its
         * close handler may run only later (on io_uring the close completes on a later turn of the event loop), and a
         * request lent the connection in between would fail with it. A {@code Keep-Alive: timeout=N} shortens how long
         * it may sit idle, so it is not lent just as the upstream closes it.
         */
        void answerRead(HttpClientResponse answer) {
            if (closesConnection(answer)) {
                closing = true;
                return;
            }
            String keepAlive = answer.getHeader(KEEP_ALIVE);
            if (keepAlive != null) {
                long seconds = keepAliveTimeout(keepAlive);
                if (seconds >= 0) {
                    // A second's margin: the upstream's clock for it started as it sent the answer.
                    idleLimitNanos = Math.min(origin.idleNanos, Math.max(0, seconds - 1) * 1_000_000_000L);
                }
            }
        }

        /** Back to the idle stack when the exchange with the upstream ended cleanly, otherwise closed. */
        void giveBack(boolean reusable) {
            if (closed) {
                return;
            }
            if (!reusable || closing) {
                close();
                return;
            }
            idleSinceNanos = System.nanoTime();
            origin.idle.addLast(this);
        }

        private void close() {
            if (!closed) {
                connection.close();
            }
        }
    }
}
