package io.gatehouse.gateway.guard;

import io.gatehouse.gateway.NodeSettings;
import io.gatehouse.gateway.proxy.GatewayError;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameListenerDecorator;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamVisitor;
import io.gatehouse.gateway.proxy.Exchange;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.impl.ConnectionBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * One event loop's client connections, held to the node's client-side limits (docs/configuration.md): a node-wide
 * connection cap, and per connection a header-read timeout (first byte of a request to its last header: slowloris),
 * a body-read timeout (a body that stalls while the gateway is reading it) and an idle keep-alive timeout (nothing
 * between two requests). Time spent waiting for the upstream is none of these: the API's read timeout covers it.
 * On HTTP/2 the body-read timeout is per stream: a stream whose body stalls is answered 408 and reset, and the
 * connection's other streams go on (Envoy's stream idle timeout).
 *
 * <p>Deadlines are checked by one periodic sweep per event loop rather than a timer per request, so a request costs
 * a clock read per network read and a map lookup, not a scheduled task. A deadline is therefore late by up to one
 * sweep interval (a quarter of the shortest timeout, at most a second).
 */
public final class ClientConnections {
    private static final Logger LOG = LoggerFactory.getLogger(ClientConnections.class);
    private static final String DECODER = "httpDecoder";

    private final NodeSettings.ClientSide limits;
    private final HttpServerOptions options;
    private final NodeGuard node;
    private final long headerTimeoutNanos;
    private final long bodyTimeoutNanos;
    private final long idleTimeoutNanos;
    /** This event loop's connections; touched only from it. */
    private final Map<HttpConnection, Watch> watches = new HashMap<>();
    private long sweepTimer = -1;
    private Vertx vertx;

    public ClientConnections(NodeSettings.ClientSide limits, HttpServerOptions options, NodeGuard node) {
        this.limits = limits;
        this.options = options;
        this.node = node;
        this.headerTimeoutNanos = limits.headerTimeoutMs() * 1_000_000;
        this.bodyTimeoutNanos = limits.bodyTimeoutMs() * 1_000_000;
        this.idleTimeoutNanos = limits.idleTimeoutMs() * 1_000_000;
    }

    /** Starts the sweep; call on the event loop the server's connections run on. */
    public void start(Vertx vertx) {
        this.vertx = vertx;
        long shortest = Math.min(limits.headerTimeoutMs(), Math.min(limits.bodyTimeoutMs(), limits.idleTimeoutMs()));
        sweepTimer = vertx.setPeriodic(Math.max(10, Math.min(1_000, shortest / 4)), id -> sweep());
    }

    public void stop() {
        if (sweepTimer >= 0) {
            vertx.cancelTimer(sweepTimer);
        }
    }

    /** The server's connection handler: counts the connection against the cap and puts its watch in place. */
    public void accepted(HttpConnection connection) {
        if (node.connections.incrementAndGet() > limits.maxConnections()) {
            node.connections.decrementAndGet();
            LOG.debug("client connection from {} refused: the node holds {} already", connection.remoteAddress(), limits.maxConnections());
            if (connection instanceof ConnectionBase base) {
                base.channel().close(); // at once: Vert.x's close would first let a request already sent be served
            } else {
                connection.close();
            }
            return;
        }
        Watch watch = new Watch(connection, System.nanoTime());
        connection.closeHandler(v -> {
            node.connections.decrementAndGet();
            watches.remove(connection);
        });
        if (connection instanceof ConnectionBase base && base.channel().pipeline().get(DECODER) != null) {
            watch.channel = base.channel();
            base.channel().pipeline().replace(DECODER, DECODER, new GuardedRequestDecoder(options, watch));
        } else if (connection instanceof ConnectionBase base) {
            // HTTP/2: Netty bounds each header block and frames every body; idleness is watched per connection and
            // body stalls per stream, from the DATA frames as they are read.
            Http2ConnectionHandler h2 = base.channel().pipeline().get(Http2ConnectionHandler.class);
            if (h2 != null) {
                watch.h2 = h2;
                watch.channel = base.channel();
                watch.streamBodies = h2.connection().newKey();
            }
        }
        watches.put(connection, watch);
    }

    /**
     * Called for each request before the policy chain.
     *
     * @return false when the request was already answered (its body could not be decoded): the chain must not run
     */
    public boolean dispatched(HttpServerRequest request) {
        Watch watch = watches.get(request.connection());
        if (watch == null) {
            return true;
        }
        watch.request = request;
        if (watch.undispatched > 0) {
            watch.undispatched--;
        }
        if (watch.brokenBody) {
            watch.answerAndClose(request, GatewayError.MALFORMED_REQUEST);
            return false;
        }
        return true;
    }

    /**
     * Called for each HTTP/2 request once its exchange exists: while its stream still has a body to come, the
     * stream's body-read clock runs (HTTP/1.1's is the connection's). A request that ended with its headers has
     * nothing to stall: Netty opens a stream whose HEADERS frame ends it already half closed, before Vert.x sees it.
     *
     * @return whether a body may follow; false only when the stream is known to have ended with the headers
     */
    public boolean streamStarted(Exchange exchange) {
        HttpServerRequest request = exchange.request();
        Watch watch = watches.get(request.connection());
        if (watch == null || watch.h2 == null) {
            return true;
        }
        Http2Stream stream = watch.h2.connection().stream(request.streamId());
        if (stream == null) {
            return true;
        }
        if (stream.state().remoteSideOpen()) {
            Http2ConnectionDecoder decoder = watch.h2.decoder();
            if (!(decoder.frameListener() instanceof BodyReads)) {
                // Put in place with the first body, not at accept: Vert.x sets its own listener once SETTINGS are read.
                decoder.frameListener(new BodyReads(decoder.frameListener(), watch.h2.connection(), watch.streamBodies));
            }
            stream.setProperty(watch.streamBodies, new StreamBody(exchange, System.nanoTime()));
            return true;
        }
        return false;
    }

    private void sweep() {
        if (watches.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        // Closing removes from the map through the close handler, later; copying keeps the iteration safe regardless.
        for (Watch watch : watches.values().toArray(new Watch[0])) {
            watch.check(now);
        }
    }

    private enum Phase { IDLE, HEADERS, BODY, AWAITING_ANSWER }

    /** Where one connection is in its request cycle; event-loop confined, fed by its {@link GuardedRequestDecoder}. */
    final class Watch {
        private final HttpConnection connection;
        private Channel channel;
        private Phase phase = Phase.IDLE;
        private long since;
        private long lastRead;
        private boolean bytesWaiting;
        /**
         * Requests decoded but not yet handed to the chain. A client may send its next request before the answer to
         * the one before (pipelining): Netty decodes it at once, Vert.x holds it until that answer ends, and until
         * then the connection is still busy with the first, whatever {@code request} says.
         */
        private int undispatched;
        private boolean brokenBody;
        private boolean closing;
        private HttpServerRequest request;
        /** The HTTP/2 connection's handler, or null for HTTP/1.x: its open stream count is what idle means there. */
        private Http2ConnectionHandler h2;
        /** HTTP/2 only: where each stream keeps its {@link StreamBody}. */
        private Http2Connection.PropertyKey streamBodies;
        /** HTTP/2 only: the streams one sweep found stalled, acted on after the walk over the streams; rarely used. */
        private java.util.List<Http2Stream> stalled;
        private long sweptAt;
        private final Http2StreamVisitor findStalled = this::findStalled;

        Watch(HttpConnection connection, long now) {
            this.connection = connection;
            this.since = now;
            this.lastRead = now;
        }

        void bytesArrived() {
            long now = System.nanoTime();
            lastRead = now;
            if (phase == Phase.IDLE) {
                phase = Phase.HEADERS;
                since = now;
            } else if (phase == Phase.AWAITING_ANSWER) {
                bytesWaiting = true; // a pipelined request: its header clock starts once the current one is answered
            }
        }

        void requestDecoded() {
            undispatched++;
            bytesWaiting = false; // what was waiting is this request
            phase = Phase.BODY;
            request = null;
            brokenBody = false;
            since = lastRead;
        }

        void bodyComplete() {
            phase = Phase.AWAITING_ANSWER;
        }

        void undecodableBody() {
            phase = Phase.AWAITING_ANSWER;
            if (request != null) {
                answerAndClose(request, GatewayError.MALFORMED_REQUEST);
            } else {
                brokenBody = true;
            }
        }

        void check(long now) {
            if (closing) {
                return;
            }
            if (h2 != null) {
                // A connection with a stream open is busy whatever its streams wait for; idle is none open.
                if (h2.connection().numActiveStreams() > 0) {
                    since = now;
                    checkStreamBodies(now);
                } else if (now - since > idleTimeoutNanos) {
                    closing = true;
                    connection.close(); // a GOAWAY first: the client knows no stream was lost
                }
                return;
            }
            switch (phase) {
                case IDLE -> {
                    if (now - since > idleTimeoutNanos) {
                        close();
                    }
                }
                case HEADERS -> {
                    if (now - since > headerTimeoutNanos) {
                        LOG.debug("client {} sent no complete request head in {} ms: closed", connection.remoteAddress(), limits.headerTimeoutMs());
                        rawTimeoutAndClose();
                    }
                }
                case BODY -> {
                    if (channel != null && !channel.config().isAutoRead()) {
                        lastRead = now; // the gateway holds the body back (back-pressure, a lease wait): not the client's stall
                    } else if (now - lastRead > bodyTimeoutNanos && request != null) {
                        LOG.debug("client {} body stalled for {} ms: 408", connection.remoteAddress(), limits.bodyTimeoutMs());
                        answerAndClose(request, GatewayError.REQUEST_TIMEOUT);
                    }
                }
                case AWAITING_ANSWER -> {
                    if (undispatched == 0 && (request == null || request.response().ended() || request.response().closed())) {
                        phase = bytesWaiting ? Phase.HEADERS : Phase.IDLE;
                        bytesWaiting = false;
                        since = now;
                    }
                }
            }
        }

        private void checkStreamBodies(long now) {
            sweptAt = now;
            try {
                h2.connection().forEachActiveStream(findStalled);
            } catch (Http2Exception e) {
                LOG.debug("client {}: walking the HTTP/2 streams failed: {}", connection.remoteAddress(), e.toString());
            }
            if (stalled == null || stalled.isEmpty()) {
                return;
            }
            // Resetting closes streams, which the walk above must not see happen under it.
            for (Http2Stream stream : stalled) {
                StreamBody body = stream.getProperty(streamBodies);
                if (body == null) {
                    continue;
                }
                HttpServerResponse response = body.exchange.request().response();
                if (body.answered || response.headWritten() || response.closed()) {
                    // The 408 went out at the last sweep (or an answer had begun): RST_STREAM tells the client to stop
                    // sending (RFC 9113, 8.1) and frees the stream, whatever the rest of the body does.
                    stream.removeProperty(streamBodies);
                    ChannelHandlerContext ctx = channel.pipeline().context(h2);
                    long code = body.answered || response.ended() ? Http2Error.NO_ERROR.code() : Http2Error.CANCEL.code();
                    h2.resetStream(ctx, stream.id(), code, ctx.newPromise());
                    ctx.flush();
                } else {
                    LOG.debug("client {} stream {} body stalled for {} ms: 408", connection.remoteAddress(), stream.id(), limits.bodyTimeoutMs());
                    body.answered = true;
                    body.exchange.reject(GatewayError.REQUEST_TIMEOUT, STREAM_TIMEOUT_MESSAGE, null);
                }
            }
            stalled.clear();
        }

        private boolean findStalled(Http2Stream stream) {
            StreamBody body = stream.getProperty(streamBodies);
            if (body == null) {
                return true;
            }
            if (!stream.state().remoteSideOpen()) {
                stream.removeProperty(streamBodies); // the body is complete (END_STREAM): nothing left to stall
                return true;
            }
            if (body.answered) {
                add(stream);
            } else if (h2.decoder().flowController().unconsumedBytes(stream) > 0) {
                body.lastRead = sweptAt; // the gateway holds bytes it has not taken yet (back-pressure): not the client's stall
            } else if (sweptAt - body.lastRead > bodyTimeoutNanos) {
                add(stream);
            }
            return true;
        }

        private void add(Http2Stream stream) {
            if (stalled == null) {
                stalled = new java.util.ArrayList<>(2);
            }
            stalled.add(stream);
        }

        /** Answers through Vert.x when the head is not out yet, then closes; the exchange's own handlers see the close. */
        void answerAndClose(HttpServerRequest request, GatewayError error) {
            closing = true;
            HttpServerResponse response = request.response();
            if (response.headWritten() || response.closed()) {
                close();
                return;
            }
            response.setStatusCode(error.status())
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE)
                    .end(error.body("-"))
                    .onComplete(done -> close());
        }

        /** Before any request exists there is no Vert.x response to use: the 408 is written below the HTTP encoder. */
        private void rawTimeoutAndClose() {
            closing = true;
            ChannelHandlerContext decoder = channel == null ? null : channel.pipeline().context(DECODER);
            if (decoder == null) {
                close();
                return;
            }
            GatewayError error = GatewayError.REQUEST_TIMEOUT;
            byte[] body = error.body("-").getBytes(StandardCharsets.UTF_8);
            String head = "HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: "
                    + body.length + "\r\n\r\n";
            decoder.writeAndFlush(Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.ISO_8859_1), body))
                    .addListener(ChannelFutureListener.CLOSE);
        }

        private void close() {
            closing = true;
            if (channel != null) {
                channel.close();
            } else {
                connection.close();
            }
        }
    }

    private static final String STREAM_TIMEOUT_MESSAGE =
            "The request body was not received in time; the stream is reset, the connection's other streams go on.";

    /** One HTTP/2 stream whose body is still to come: when its last DATA frame arrived, and whether it was answered. */
    private static final class StreamBody {
        final Exchange exchange;
        long lastRead;
        boolean answered;

        StreamBody(Exchange exchange, long now) {
            this.exchange = exchange;
            this.lastRead = now;
        }
    }

    /** Notes each DATA frame's arrival on its stream's {@link StreamBody}, then hands the frame to Vert.x. */
    private static final class BodyReads extends Http2FrameListenerDecorator {
        private final Http2Connection connection;
        private final Http2Connection.PropertyKey streamBodies;

        BodyReads(io.netty.handler.codec.http2.Http2FrameListener vertx, Http2Connection connection, Http2Connection.PropertyKey streamBodies) {
            super(vertx);
            this.connection = connection;
            this.streamBodies = streamBodies;
        }

        @Override
        public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) throws Http2Exception {
            Http2Stream stream = connection.stream(streamId);
            if (stream != null) {
                StreamBody body = stream.getProperty(streamBodies);
                if (body != null) {
                    body.lastRead = System.nanoTime();
                }
            }
            return super.onDataRead(ctx, streamId, data, padding, endOfStream);
        }
    }
}
