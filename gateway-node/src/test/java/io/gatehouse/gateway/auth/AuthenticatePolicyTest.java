package io.gatehouse.gateway.auth;

import io.gatehouse.gateway.TestSupport;
import io.gatehouse.gateway.config.ActiveConfig;
import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.TestExchange;
import io.gatehouse.protocol.keys.ApiKeys;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** API keys on a test exchange: each refusal and the pass. */
class AuthenticatePolicyTest {
    static final String KEY = ApiKeys.generate();
    static final String EXPIRED = ApiKeys.generate();
    static final String OTHER_APP = ApiKeys.generate();
    static final String SUSPENDED = ApiKeys.generate();
    static final ActiveConfig CONFIG = ActiveConfig.compile(TestSupport.snapshot(1,
            List.of(TestSupport.api("a", null, "/a", "http://127.0.0.1:9"), TestSupport.api("b", null, "/b", "http://127.0.0.1:9")),
            List.of(TestSupport.key("k1", KEY, "app", null), TestSupport.key("k2", EXPIRED, "app", Instant.now().minusSeconds(60)),
                    TestSupport.key("k3", OTHER_APP, "other", null),
                    new io.gatehouse.protocol.config.KeyGrant("k4", ApiKeys.hash(SUSPENDED), "app", "consumer-of-app", null, "payment_failed")),
            List.of(TestSupport.subscription("app", "a"), TestSupport.subscription("other", "b"))));

    final AuthenticatePolicy policy = new AuthenticatePolicy(new AuthenticatePolicy.Config(true));

    TestExchange call(String... headers) {
        return call(policy, headers);
    }

    TestExchange call(AuthenticatePolicy policy, String... headers) {
        TestExchange t = new TestExchange(CONFIG, HttpMethod.GET, "/a/x", headers);
        Exchange exchange = t.exchange(List.of(e -> {
            e.routeTo(CONFIG.routes().byApiId("a"));
            e.next();
        }, policy));
        exchange.next();
        return t;
    }

    @Test
    void eachKindOfBadKeyGetsItsOwnAnswer() {
        assertThat(call().errorCode()).isEqualTo("missing_api_key");
        assertThat(call("X-API-Key", "not-a-key").errorCode()).isEqualTo("invalid_api_key");
        assertThat(call("X-API-Key", ApiKeys.generate()).errorCode()).isEqualTo("invalid_api_key");
        assertThat(call("X-API-Key", EXPIRED).errorCode()).isEqualTo("expired_api_key");
        assertThat(call("X-API-Key", OTHER_APP).errorCode()).isEqualTo("not_subscribed");
        assertThat(call().responseHeaders.get("WWW-Authenticate")).contains("Bearer");
    }

    @Test
    void aValidKeyPassesWithItsSubscriptionInHeaderOrBearer() {
        TestExchange header = call("X-API-Key", KEY);
        assertThat(header.passed()).isTrue();
        TestExchange bearer = call("Authorization", "Bearer " + KEY);
        assertThat(bearer.passed()).isTrue();
    }

    @Test
    void aSuspendedKeyIsRefusedWith402NamingTheReasonAndWhereToSettleIt() {
        TestExchange withoutPortal = call("X-API-Key", SUSPENDED);
        assertThat(withoutPortal.errorCode()).isEqualTo("payment_required");
        io.vertx.core.json.JsonObject body = new io.vertx.core.json.JsonObject(withoutPortal.bodyBuffer());
        assertThat(body.getString("message")).contains("payment_failed");
        assertThat(body.containsKey("portal")).isFalse();

        TestExchange withPortal = call(new AuthenticatePolicy(new AuthenticatePolicy.Config(true, "https://dev.example.com")), "X-API-Key", SUSPENDED);
        assertThat(new io.vertx.core.json.JsonObject(withPortal.bodyBuffer()).getString("portal")).isEqualTo("https://dev.example.com/portal");
        assertThat(withPortal.passed()).isFalse();
        assertThat(call("X-API-Key", KEY).passed()).as("another key of the same application").isTrue();
    }
}
