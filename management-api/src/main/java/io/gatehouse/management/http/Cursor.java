package io.gatehouse.management.http;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

/**
 * Where a list walk stopped: the sort key of the last item handed out, either (created at, id) for database rows or a
 * plain key for lists held in memory. Clients treat it as opaque; it is base64url so it travels in a query string.
 */
public record Cursor(Instant createdAt, UUID id, String key) {
    private static final String ROW = "r1:";
    private static final String KEY = "k1:";

    public static Cursor ofRow(Instant createdAt, UUID id) {
        return new Cursor(createdAt, id, null);
    }

    public static Cursor ofKey(String key) {
        return new Cursor(null, null, key);
    }

    public String encode() {
        String text = key != null ? KEY + key : ROW + createdAt.getEpochSecond() + "." + createdAt.getNano() + ":" + id;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Reads a cursor this control plane handed out; anything else is 400 invalid_cursor, never a 500. */
    public static Cursor decode(String encoded) {
        try {
            String text = new String(Base64.getUrlDecoder().decode(encoded), StandardCharsets.UTF_8);
            if (text.startsWith(KEY)) {
                return ofKey(text.substring(KEY.length()));
            }
            if (text.startsWith(ROW)) {
                String rest = text.substring(ROW.length());
                int colon = rest.indexOf(':');
                int dot = rest.indexOf('.');
                if (colon > 0 && dot > 0 && dot < colon) {
                    Instant at = Instant.ofEpochSecond(Long.parseLong(rest.substring(0, dot)), Long.parseLong(rest.substring(dot + 1, colon)));
                    return ofRow(at, UUID.fromString(rest.substring(colon + 1)));
                }
            }
        } catch (IllegalArgumentException | java.time.DateTimeException | ArithmeticException e) {
            // falls through to the refusal below
        }
        throw AdminError.INVALID_CURSOR.with("cursor is not one this list handed out; start again without it");
    }
}
