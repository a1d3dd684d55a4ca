package io.gatehouse.gateway.audit;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/** An upstream answer as it is piped to the client, each chunk hashed on its way through. */
public final class HashingStream implements ReadStream<Buffer> {
    private final ReadStream<Buffer> source;
    private final BodyDigests digests;

    private HashingStream(ReadStream<Buffer> source, BodyDigests digests) {
        this.source = source;
        this.digests = digests;
    }

    /** The stream itself when nothing is hashed, so audit off costs no wrapper. */
    public static ReadStream<Buffer> of(ReadStream<Buffer> source, BodyDigests digests) {
        return digests == BodyDigests.NONE ? source : new HashingStream(source, digests);
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
        source.exceptionHandler(handler);
        return this;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
        source.handler(handler == null ? null : chunk -> {
            digests.responseChunk(chunk);
            handler.handle(chunk);
        });
        return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
        source.pause();
        return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
        source.resume();
        return this;
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
        source.fetch(amount);
        return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
        source.endHandler(endHandler);
        return this;
    }
}
