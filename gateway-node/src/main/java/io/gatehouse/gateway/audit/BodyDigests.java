package io.gatehouse.gateway.audit;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;

/**
 * SHA-256 of one exchange's request and response bodies, updated chunk by chunk as they pass through, so a body is
 * hashed without ever being held whole. Event-loop confined, like its exchange.
 *
 * <p>Per request this costs no digest object: a digest is taken from its event loop's spares when the first chunk
 * of a body arrives (a body that never comes is the constant hash of nothing) and given back when the exchange is
 * recorded. What leaves the event loop with the record is only the two 32-byte results, made for that record.
 */
public class BodyDigests {
    /** For exchanges nobody audits: every method does nothing. */
    public static final BodyDigests NONE = new BodyDigests(false);
    /**
     * SHA-256 of zero bytes. Records of body-less requests all hold this one array; nothing writes into it (a record
     * never changes its hashes and hands out copies).
     */
    static final byte[] EMPTY = sha256().digest();
    private static final MessageDigest PROTOTYPE = sha256();
    /** More than an event loop has exchanges hashing at once in ordinary traffic; beyond it spares are left to GC. */
    private static final int SPARES_PER_THREAD = 256;
    /**
     * Digests given back by recorded exchanges, per thread. A spare is only used by the thread whose list it is in,
     * and an exchange drops its digest when it gives it back, so a late chunk can never reach another exchange's.
     */
    private static final ThreadLocal<ArrayDeque<MessageDigest>> SPARES = ThreadLocal.withInitial(ArrayDeque::new);

    private final boolean hashing;
    private MessageDigest request;
    private MessageDigest response;
    private boolean finished;

    private BodyDigests(boolean hashing) {
        this.hashing = hashing;
    }

    static BodyDigests start() {
        return new BodyDigests(true);
    }

    public void requestChunk(Buffer chunk) {
        if (hashing && !finished) {
            if (request == null) {
                request = take();
            }
            update(request, chunk);
        }
    }

    public void responseChunk(Buffer chunk) {
        if (hashing && !finished) {
            if (response == null) {
                response = take();
            }
            update(response, chunk);
        }
    }

    private static void update(MessageDigest digest, Buffer chunk) {
        if (chunk instanceof BufferInternal internal) {
            ByteBuf bytes = internal.getByteBuf();
            if (bytes.hasArray()) {
                // Hashed where the bytes lie: no view object, no copy.
                digest.update(bytes.array(), bytes.arrayOffset() + bytes.readerIndex(), bytes.readableBytes());
            } else {
                // A view of a direct buffer's own bytes: the digest reads them in small steps, nothing is buffered.
                digest.update(bytes.nioBuffer());
            }
        } else {
            digest.update(chunk.getBytes());
        }
    }

    /** Whether this exchange was already recorded: the first caller gets false and marks it. */
    boolean markFinished() {
        boolean was = finished;
        finished = true;
        return was;
    }

    /** The request body's SHA-256 (32 bytes, this record's own unless no body came); gives the digest back. */
    byte[] requestDigest() {
        byte[] result = finish(request);
        request = null;
        return result;
    }

    /** The response body's SHA-256 (32 bytes, this record's own unless no body went); gives the digest back. */
    byte[] responseDigest() {
        byte[] result = finish(response);
        response = null;
        return result;
    }

    private static byte[] finish(MessageDigest digest) {
        if (digest == null) {
            return EMPTY;
        }
        // digest() resets it: it goes back ready for the next exchange.
        byte[] result = digest.digest();
        ArrayDeque<MessageDigest> spares = SPARES.get();
        if (spares.size() < SPARES_PER_THREAD) {
            spares.push(digest);
        }
        return result;
    }

    private static MessageDigest take() {
        MessageDigest spare = SPARES.get().poll();
        if (spare != null) {
            return spare;
        }
        try {
            // A clone skips the provider lookup of getInstance.
            return (MessageDigest) PROTOTYPE.clone();
        } catch (CloneNotSupportedException e) {
            return sha256();
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
