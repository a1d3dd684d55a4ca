package io.gatehouse.gateway;

import io.vertx.core.json.JsonObject;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** The shape every gateway error must have. */
public final class HttpResponseAssert {
    private HttpResponseAssert() {
    }

    public static void error(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
        JsonObject body = new JsonObject(response.body());
        assertThat(body.getString("code")).isEqualTo(code);
        assertThat(body.getString("message")).isNotBlank();
        assertThat(body.getString("requestId")).isEqualTo(response.headers().firstValue("X-Request-Id").orElseThrow());
    }
}
