package io.gatehouse.billing.stripe;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WebhookSignatureTest {
    private static final String SECRET = "whsec_test_secret";
    private static final String PAYLOAD = "{\"id\":\"evt_1\",\"type\":\"invoice.paid\"}";
    private static final Duration TOLERANCE = Duration.ofMinutes(5);

    @Test
    void stripesSignatureOnTheExactPayloadIsAccepted() {
        Instant now = Instant.parse("2026-11-30T08:00:00Z");
        String header = WebhookSignature.header(PAYLOAD, SECRET, now.minusSeconds(30));
        assertThatCode(() -> WebhookSignature.verify(PAYLOAD, header, SECRET, now, TOLERANCE)).doesNotThrowAnyException();
        // While a secret is rolled Stripe sends one v1 per secret: any one matching is enough.
        String rolled = header + ",v1=" + "00".repeat(32);
        assertThatCode(() -> WebhookSignature.verify(PAYLOAD, rolled, SECRET, now, TOLERANCE)).doesNotThrowAnyException();
    }

    @Test
    void aChangedPayloadAWrongSecretOrAnOldTimestampIsRefused() {
        Instant now = Instant.parse("2026-11-30T08:00:00Z");
        String header = WebhookSignature.header(PAYLOAD, SECRET, now);
        assertThat(code(PAYLOAD.replace("paid", "payment_failed"), header, now)).isEqualTo("signature_mismatch");
        assertThat(code(PAYLOAD, WebhookSignature.header(PAYLOAD, "whsec_other", now), now)).isEqualTo("signature_mismatch");
        assertThat(code(PAYLOAD, header, now.plus(TOLERANCE).plusSeconds(1))).isEqualTo("signature_expired");
        assertThat(code(PAYLOAD, null, now)).isEqualTo("signature_missing");
        assertThat(code(PAYLOAD, "v1=abc", now)).isEqualTo("signature_malformed");
        assertThat(code(PAYLOAD, "t=x,v1=abc", now)).isEqualTo("signature_malformed");
    }

    private static String code(String payload, String header, Instant now) {
        try {
            WebhookSignature.verify(payload, header, SECRET, now, TOLERANCE);
            return "accepted";
        } catch (WebhookSignature.Invalid e) {
            return e.code();
        }
    }

    @Test
    void meterEventIdentifiersAreFixedBySubscriptionPeriodAndSequence() {
        java.util.UUID sub = java.util.UUID.fromString("3f0c2a8e-0000-4000-8000-000000000001");
        MeterEventId id = new MeterEventId(sub, Instant.parse("2026-11-01T00:00:00Z"), 3);
        assertThat(id.identifier()).isEqualTo("gh_3f0c2a8e-0000-4000-8000-000000000001_1793491200_3")
                .isEqualTo(new MeterEventId(sub, Instant.parse("2026-11-01T00:00:00Z"), 3).identifier()).hasSizeLessThanOrEqualTo(100);
        assertThatThrownBy(() -> new MeterEventId(sub, Instant.EPOCH, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
