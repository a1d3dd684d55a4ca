package io.gatehouse.gateway.audit;

import io.gatehouse.protocol.audit.AuditRecord;
import io.gatehouse.protocol.audit.Hex;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 of one exchange's request and response bodies, updated chunk by chunk as they pass through, so a body is
 * hashed without ever being held whole. Event-loop confined, like its exchange.
 */
public class BodyDigests {
    /** For exchanges nobody audits: every method does nothing. */
    public static final BodyDigests NONE = new BodyDigests(null, null);
    private static final MessageDigest PROTOTYPE = sha256();
    private final MessageDigest request;
    private final MessageDigest response;
    private boolean finished;

    private BodyDigests(MessageDigest request, MessageDigest response) {
        this.request = request;
        this.response = response;
    }

    static BodyDigests start() {
        try {
            // A clone skips the provider lookup of getInstance.
            return new BodyDigests((MessageDigest) PROTOTYPE.clone(), (MessageDigest) PROTOTYPE.clone());
        } catch (CloneNotSupportedException e) {
            return new BodyDigests(sha256(), sha256());
        }
    }

    public void requestChunk(Buffer chunk) {
        if (request != null) {
            update(request, chunk);
        }
    }

    public void responseChunk(Buffer chunk) {
        if (response != null) {
            update(response, chunk);
        }
    }

    private static void update(MessageDigest digest, Buffer chunk) {
        if (chunk instanceof BufferInternal internal) {
            // A view of the chunk's own bytes: hashing copies nothing onto the heap for heap buffers.
            ByteBuffer view = internal.getByteBuf().nioBuffer();
            digest.update(view);
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

    String requestSha256() {
        return request == null ? AuditRecord.EMPTY_SHA256 : Hex.encode(request.digest());
    }

    String responseSha256() {
        return response == null ? AuditRecord.EMPTY_SHA256 : Hex.encode(response.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
