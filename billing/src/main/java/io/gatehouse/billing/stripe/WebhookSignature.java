package io.gatehouse.billing.stripe;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Checks a {@code Stripe-Signature} header: {@code t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.payload">} (several v1
 * values while a secret is being rolled). A signature is accepted only when its timestamp is within the tolerance of
 * now, so a captured request cannot be replayed later; a replay within the window is refused by event id.
 */
public final class WebhookSignature {

    /** Why a request was refused; the code is what the endpoint answers. */
    public static final class Invalid extends Exception {
        private final String code;

        Invalid(String code, String message) {
            super(message);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    private WebhookSignature() {
    }

    public static void verify(String payload, String header, String secret, Instant now, Duration tolerance) throws Invalid {
        if (header == null || header.isBlank()) {
            throw new Invalid("signature_missing", "Stripe-Signature header is missing");
        }
        Long timestamp = null;
        List<String> signatures = new ArrayList<>();
        for (String part : header.split(",")) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String key = part.substring(0, eq).trim();
            String value = part.substring(eq + 1).trim();
            if (key.equals("t")) {
                try {
                    timestamp = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    throw new Invalid("signature_malformed", "Stripe-Signature timestamp is not a number");
                }
            } else if (key.equals("v1")) {
                signatures.add(value);
            }
        }
        if (timestamp == null || signatures.isEmpty()) {
            throw new Invalid("signature_malformed", "Stripe-Signature needs t= and v1=");
        }
        byte[] expected = sign(timestamp, payload, secret);
        boolean matches = false;
        for (String signature : signatures) {
            byte[] given;
            try {
                given = HexFormat.of().parseHex(signature);
            } catch (IllegalArgumentException e) {
                continue;
            }
            // Every candidate is compared in constant time, and all are compared, so timing tells nothing.
            matches |= MessageDigest.isEqual(expected, given);
        }
        if (!matches) {
            throw new Invalid("signature_mismatch", "no v1 signature matches the payload and the webhook secret");
        }
        long age = now.getEpochSecond() - timestamp;
        if (Math.abs(age) > tolerance.toSeconds()) {
            throw new Invalid("signature_expired", "signed " + age + " s ago, outside the tolerance of " + tolerance.toSeconds() + " s");
        }
    }

    /** The header Stripe would send for this payload at this time (used by tests and by anyone replaying events by hand). */
    public static String header(String payload, String secret, Instant at) {
        return "t=" + at.getEpochSecond() + ",v1=" + HexFormat.of().formatHex(sign(at.getEpochSecond(), payload, secret));
    }

    private static byte[] sign(long timestamp, String payload, String secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal((timestamp + "." + payload).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
