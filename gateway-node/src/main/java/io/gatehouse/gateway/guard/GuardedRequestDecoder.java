package io.gatehouse.gateway.guard;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;

import java.util.List;

/**
 * Vert.x's HTTP/1.x request decoder with two changes, installed on every client connection in its place:
 * <ul>
 *   <li>Content-Length beside Transfer-Encoding is left for the request guard to refuse (Netty drops Content-Length
 *       and reads the body as chunked, which is how a request is smuggled past a proxy that reads it the other way).</li>
 *   <li>It tells its {@link ClientConnections.Watch} where the connection is in the request cycle (bytes arriving,
 *       a request decoded, its body complete), which is what the header-read, body-read and idle timeouts need, and
 *       it reports a body that cannot be decoded (a broken chunk), which Vert.x would otherwise leave unanswered.</li>
 * </ul>
 * It is a Vert.x internal class; the tests of the request guard fail if a Vert.x upgrade changes it.
 */
final class GuardedRequestDecoder extends VertxHttpRequestDecoder {
    private final ClientConnections.Watch watch;

    GuardedRequestDecoder(HttpServerOptions options, ClientConnections.Watch watch) {
        super(options);
        this.watch = watch;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof ByteBuf) {
            watch.bytesArrived();
        }
        super.channelRead(ctx, msg);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        int before = out.size();
        super.decode(ctx, buffer, out);
        for (int i = before; i < out.size(); i++) {
            Object decoded = out.get(i);
            if (decoded instanceof HttpContent content && content.decoderResult().isFailure()) {
                // Drop it and everything after: the guard answers, and the connection is closed.
                for (int j = out.size() - 1; j >= i; j--) {
                    ReferenceCountUtil.release(out.remove(j));
                }
                watch.undecodableBody();
                return;
            }
            if (decoded instanceof HttpRequest request) {
                unsupportedVersion(request);
                watch.requestDecoded();
            }
            if (decoded instanceof LastHttpContent) {
                watch.bodyComplete();
            }
        }
    }

    /**
     * A request line of HTTP/1.2 or HTTP/3.0 is decoded like any other, and Vert.x answers it 501 with the client's
     * version in the status line. It is marked undecodable instead, as HTTP/1.1, so the guard's 505 (RFC 9110,
     * 15.6.6) goes out with a status line the client can read, and the connection is closed.
     */
    private static void unsupportedVersion(HttpRequest request) {
        io.netty.handler.codec.http.HttpVersion version = request.protocolVersion();
        if (!version.equals(io.netty.handler.codec.http.HttpVersion.HTTP_1_1) && !version.equals(io.netty.handler.codec.http.HttpVersion.HTTP_1_0)
                && request.decoderResult().isSuccess()) {
            request.setProtocolVersion(io.netty.handler.codec.http.HttpVersion.HTTP_1_1);
            request.setDecoderResult(io.netty.handler.codec.DecoderResult.failure(new UnsupportedVersion(version.text())));
        }
    }

    /** Why a request was refused with 505; no stack trace, since it is an expected answer to a client's input. */
    static final class UnsupportedVersion extends Exception {
        UnsupportedVersion(String version) {
            super("unsupported HTTP version " + version, null, false, false);
        }
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        String length = message.headers().get(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_LENGTH);
        super.handleTransferEncodingChunkedWithContentLength(message);
        message.headers().set(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_LENGTH, length);
    }
}
