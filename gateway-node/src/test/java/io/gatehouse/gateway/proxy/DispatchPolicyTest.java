package io.gatehouse.gateway.proxy;

import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The dispatch's own refusals, decided before anything goes upstream. */
class DispatchPolicyTest {
    final DispatchPolicy dispatch = new DispatchPolicy(new DispatchPolicy.Config(1_000, 512, 1), null, null);

    @Test
    void aBodyAnnouncedOverTheLimitIsRefusedWithoutGoingUpstream() {
        TestExchange t = new TestExchange(CompletionTest.CONFIG, HttpMethod.POST, "/a/x", "Content-Length", "1001");
        Exchange exchange = t.exchange(dispatch);
        exchange.next();
        assertThat(t.status).isEqualTo(413);
        assertThat(t.responseHeaders.get("Connection")).isEqualTo("close");
        assertThat(exchange.attempts()).isZero();
        assertThat(exchange.forwarded()).isFalse();
    }

    @Test
    void aContentLengthThatIsNotANumberIsABadRequest() {
        for (String length : new String[] {"12a", "-5", ""}) {
            TestExchange t = new TestExchange(CompletionTest.CONFIG, HttpMethod.POST, "/a/x", "Content-Length", length);
            t.exchange(dispatch).next();
            assertThat(t.errorCode()).as("Content-Length: " + length).isEqualTo("bad_request");
        }
    }
}
