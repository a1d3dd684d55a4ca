package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.TestSupport;
import io.gatehouse.gateway.config.ActiveConfig;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Every exchange passes the completion exactly once, whatever its outcome. */
class CompletionTest {
    static final ActiveConfig CONFIG = ActiveConfig.compile(TestSupport.snapshot(1,
            List.of(TestSupport.api("a", null, "/a", "http://127.0.0.1:9")), List.of(), List.of()));

    @Test
    void anAnsweredExchangeCompletesOnceEvenWhenItsConnectionClosesAfterwards() {
        TestExchange t = new TestExchange(CONFIG, HttpMethod.GET, "/a/x");
        Exchange exchange = t.exchange(e -> t.answer(200));
        exchange.next();
        t.closeConnection();
        assertThat(t.completions).containsExactly(exchange);
        assertThat(exchange.status()).isEqualTo(200);
        assertThat(exchange.error()).isNull();
        assertThat(exchange.clientGone()).isFalse();
        assertThat(exchange.forwarded()).as("nothing went upstream").isFalse();
    }

    @Test
    void aRefusalCompletesWithItsErrorAndIsNotForwarded() {
        TestExchange t = new TestExchange(CONFIG, HttpMethod.POST, "/a/x");
        Exchange exchange = t.exchange(e -> e.reject(GatewayError.RATE_LIMITED));
        exchange.next();
        assertThat(t.completions).hasSize(1);
        assertThat(exchange.error()).isEqualTo(GatewayError.RATE_LIMITED);
        assertThat(exchange.status()).isEqualTo(429);
        assertThat(exchange.forwarded()).isFalse();
        assertThat(t.passed()).isFalse();
    }

    @Test
    void aClientGoneWhileWaitingCompletesTheExchangeAndNothingRunsAfter() {
        TestExchange t = new TestExchange(CONFIG, HttpMethod.POST, "/a/x");
        List<Exchange> parked = new ArrayList<>();
        Exchange exchange = t.exchange(parked::add);
        exchange.next();
        exchange.holdBody();
        t.closeConnection();
        assertThat(t.completions).hasSize(1);
        assertThat(exchange.clientGone()).isTrue();
        assertThat(exchange.status()).isZero();

        parked.get(0).next(); // the wait ends after the client left
        assertThat(t.passed()).isFalse();
    }

    @Test
    void aFailingListenerDoesNotCostTheOthersTheirRecord() {
        TestExchange t = new TestExchange(CONFIG, HttpMethod.GET, "/a/x");
        Exchange exchange = t.exchange(e -> t.answer(204), e -> {
            throw new IllegalStateException("a broken access log");
        });
        exchange.next();
        assertThat(t.completions).containsExactly(exchange);
    }

    @Test
    void aPolicyThatThrowsIsAnsweredAndCompleted() {
        TestExchange t = new TestExchange(CONFIG, HttpMethod.GET, "/a/x");
        Exchange exchange = t.exchange(e -> {
            throw new IllegalStateException("a bug");
        });
        exchange.next();
        assertThat(t.status).isEqualTo(500);
        assertThat(t.errorCode()).isEqualTo("internal_error");
        assertThat(t.completions).containsExactly(exchange);
    }

    @Test
    void aRefusalOfAHeldRequestLetsItsBodyBeRead() {
        TestExchange t = new TestExchange(CONFIG, HttpMethod.POST, "/a/x");
        Exchange exchange = t.exchange(e -> {
            e.holdBody();
            e.holdBody();
            e.reject(GatewayError.QUOTA_EXCEEDED);
            e.releaseBody();
        });
        exchange.next();
        assertThat(t.flow).containsExactly("pause", "resume");
    }
}
