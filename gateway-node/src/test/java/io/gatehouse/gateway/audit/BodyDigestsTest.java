package io.gatehouse.gateway.audit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import static org.assertj.core.api.Assertions.assertThat;

class BodyDigestsTest {
    private static byte[] sha256(String text) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    }

    private static Buffer heap(String text) {
        return Buffer.buffer(text);
    }

    private static Buffer direct(String text) {
        ByteBuf bytes = Unpooled.directBuffer();
        bytes.writeBytes(text.getBytes(StandardCharsets.UTF_8));
        return BufferInternal.buffer(bytes);
    }

    /** A heap buffer whose readable bytes start inside its array, as a slice of a larger read does. */
    private static Buffer offset(String text) {
        ByteBuf bytes = Unpooled.buffer();
        bytes.writeBytes(("xx" + text + "yy").getBytes(StandardCharsets.UTF_8));
        return BufferInternal.buffer(bytes.slice(2, text.length()));
    }

    private static Buffer composite(String first, String second) {
        CompositeByteBuf bytes = Unpooled.compositeBuffer();
        bytes.addComponent(true, Unpooled.directBuffer().writeBytes(first.getBytes(StandardCharsets.UTF_8)));
        bytes.addComponent(true, Unpooled.wrappedBuffer(second.getBytes(StandardCharsets.UTF_8)));
        return BufferInternal.buffer(bytes);
    }

    @Test
    void theDigestsAreTheSha256OfTheBodiesWhateverBuffersTheyCameIn() throws Exception {
        BodyDigests bodies = BodyDigests.start();
        bodies.requestChunk(heap("{\"order\":"));
        bodies.requestChunk(direct("7,\"items\":"));
        bodies.requestChunk(offset("[1,2]"));
        bodies.requestChunk(composite("}", "\n"));
        bodies.responseChunk(direct("created"));
        assertThat(bodies.markFinished()).isFalse();
        assertThat(bodies.requestDigest()).isEqualTo(sha256("{\"order\":7,\"items\":[1,2]}\n"));
        assertThat(bodies.responseDigest()).isEqualTo(sha256("created"));
    }

    @Test
    void aBodyThatNeverCameHashesAsNothing() throws Exception {
        BodyDigests bodies = BodyDigests.start();
        bodies.responseChunk(heap("pong"));
        bodies.markFinished();
        assertThat(bodies.requestDigest()).isEqualTo(sha256(""));
        assertThat(bodies.responseDigest()).isEqualTo(sha256("pong"));
        assertThat(BodyDigests.EMPTY).as("the shared empty hash stays what it is").isEqualTo(sha256(""));
    }

    @Test
    void aDigestGivenBackServesTheNextExchangeAfreshAndALateChunkReachesNoOtherExchange() throws Exception {
        BodyDigests first = BodyDigests.start();
        first.requestChunk(heap("first request"));
        first.responseChunk(heap("first answer"));
        first.markFinished();
        byte[] firstRequest = first.requestDigest();
        byte[] firstAnswer = first.responseDigest();

        // Takes the digests the first exchange gave back (same event loop).
        BodyDigests second = BodyDigests.start();
        second.requestChunk(heap("second "));
        second.responseChunk(heap("second answer"));
        // The first exchange's upstream still delivers a chunk after it was recorded.
        first.responseChunk(heap("late"));
        first.requestChunk(heap("late"));
        second.requestChunk(heap("request"));
        second.markFinished();

        assertThat(firstRequest).isEqualTo(sha256("first request"));
        assertThat(firstAnswer).isEqualTo(sha256("first answer"));
        assertThat(second.requestDigest()).isEqualTo(sha256("second request"));
        assertThat(second.responseDigest()).isEqualTo(sha256("second answer"));
        assertThat(firstRequest).as("each record has its own arrays").isNotSameAs(firstAnswer);
    }

    @Test
    void anExchangeNobodyAuditsHashesNothing() {
        BodyDigests.NONE.requestChunk(heap("ignored"));
        BodyDigests.NONE.responseChunk(heap("ignored"));
        assertThat(BodyDigests.NONE.requestDigest()).isSameAs(BodyDigests.EMPTY);
    }
}
