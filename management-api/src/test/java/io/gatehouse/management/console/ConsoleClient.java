package io.gatehouse.management.console;

import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** A browser-like HTTP client for console pages: keeps cookies, reads each form's CSRF token, never follows redirects. */
public class ConsoleClient {
    private static final Pattern CSRF = Pattern.compile("name=\"csrf-token\" value=\"([^\"]+)\"");
    public static final String SESSION_COOKIE = "gatehouse_session";

    final Map<String, String> cookies = new HashMap<>();
    String csrfToken;

    public Response get(String path) {
        Response response = request().get(path);
        remember(response);
        return response;
    }

    /** Posts a form with the CSRF token of the last page this client loaded. */
    public Response post(String path, Map<String, ?> form) {
        if (csrfToken == null) {
            get("/console/sign-in");
        }
        Map<String, Object> fields = new HashMap<>(form);
        fields.put("csrf-token", csrfToken);
        return postRaw(path, fields);
    }

    /** Posts a form with the CSRF token, as a script would that asks for JSON (or any other type) back. */
    public Response postAccepting(String path, Map<String, ?> form, String accept) {
        Map<String, Object> fields = new HashMap<>(form);
        fields.put("csrf-token", csrfToken);
        Response response = request().accept(accept).contentType("application/x-www-form-urlencoded").formParams(fields).post(path);
        remember(response);
        return response;
    }

    public Response postRaw(String path, Map<String, ?> form) {
        Response response = request().contentType("application/x-www-form-urlencoded").formParams(form).post(path);
        remember(response);
        return response;
    }

    public Response signIn(String email, String password) {
        get("/console/sign-in");
        return post("/console/sign-in", Map.of("email", email, "password", password));
    }

    public ConsoleClient signedIn(String email, String password) {
        Response response = signIn(email, password);
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(303);
        assertThat(response.header("Location")).endsWith("/console");
        return this;
    }

    public String session() {
        return cookies.get(SESSION_COOKIE);
    }

    RequestSpecification request() {
        return RestAssured.given().redirects().follow(false).cookies(cookies);
    }

    private void remember(Response response) {
        response.getDetailedCookies().asList().forEach(c -> {
            if (c.getMaxAge() == 0 || c.getValue().isEmpty()) {
                cookies.remove(c.getName());
            } else {
                cookies.put(c.getName(), c.getValue());
            }
        });
        String contentType = response.contentType();
        if (contentType != null && contentType.startsWith("text/html")) {
            Matcher matcher = CSRF.matcher(response.asString());
            if (matcher.find()) {
                csrfToken = matcher.group(1);
            }
        }
    }
}
