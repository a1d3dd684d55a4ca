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
            if (decoded instanceof HttpRequest) {
                watch.requestDecoded();
            }
            if (decoded instanceof LastHttpContent) {
                watch.bodyComplete();
            }
        }
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        String length = message.headers().get(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_LENGTH);
        super.handleTransferEncodingChunkedWithContentLength(message);
        message.headers().set(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_LENGTH, length);
    }
}
