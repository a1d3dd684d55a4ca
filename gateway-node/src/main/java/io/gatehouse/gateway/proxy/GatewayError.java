package io.gatehouse.gateway.proxy;

/** The errors the gateway answers by itself. Codes are stable: clients and dashboards match on them. */
public enum GatewayError {
    BAD_REQUEST(400, "bad_request", "The request cannot be routed as sent."),
    MALFORMED_REQUEST(400, "malformed_request", "The request's HTTP/1.1 framing or Host is invalid or ambiguous (RFC 9112); the connection is closed."),
    MISSING_API_KEY(401, "missing_api_key", "This API needs an API key: send it in the X-API-Key header or as Authorization: Bearer."),
    INVALID_API_KEY(401, "invalid_api_key", "The API key is not valid."),
    EXPIRED_API_KEY(401, "expired_api_key", "The API key has expired."),
    PAYMENT_REQUIRED(402, "payment_required", "This key's consumer is suspended until its account is settled."),
    CORS_ORIGIN_NOT_ALLOWED(403, "cors_origin_not_allowed", "This API does not allow calls from pages of this origin (CORS); its owner lists the origins it allows."),
    NOT_SUBSCRIBED(403, "not_subscribed", "The application this key belongs to has no active subscription to this API."),
    NO_ROUTE(404, "no_route", "No API is published at this path."),
    METHOD_NOT_ALLOWED(405, "method_not_allowed", "This API does not document this method for this path; Allow lists the ones it does."),
    REQUEST_TIMEOUT(408, "request_timeout", "The request was not received in time; the connection is closed."),
    PAYLOAD_TOO_LARGE(413, "payload_too_large", "The request body is larger than this gateway accepts."),
    URI_TOO_LONG(414, "uri_too_long", "The request line is longer than this gateway accepts."),
    RATE_LIMITED(429, "rate_limited", "Too many requests for this plan's rate limit; retry after the time in Retry-After."),
    QUOTA_EXCEEDED(429, "quota_exceeded", "This plan's quota for the period is spent; it renews at the time in X-Quota-Reset."),
    INTERNAL_ERROR(500, "internal_error", "The gateway failed to handle this request; quote the request id to the operator."),
    TOO_MANY_PENDING(429, "too_many_pending", "This consumer has as many requests in flight as the gateway allows; retry when one has finished."),
    HEADERS_TOO_LARGE(431, "headers_too_large", "The request headers are larger than this gateway accepts."),
    UNSUPPORTED_TRANSFER_CODING(501, "unsupported_transfer_coding", "The only transfer coding the gateway accepts on requests is chunked."),
    HTTP_VERSION_NOT_SUPPORTED(505, "http_version_not_supported", "The gateway speaks HTTP/1.0 and HTTP/1.1, and HTTP/2 over TLS."),
    UPSTREAM_UNAVAILABLE(502, "upstream_unavailable", "The upstream service could not be reached."),
    UPSTREAM_TLS_FAILED(502, "upstream_tls_failed", "The upstream service's TLS certificate is not trusted by this gateway, or its TLS handshake failed."),
    MALFORMED_HEADER(400, "malformed_header", "A request header field name is not a token, or its value carries a control character other than HTAB (RFC 9110)."),
    NOT_READY(503, "not_ready", "The gateway has no configuration yet."),
    CIRCUIT_OPEN(503, "circuit_open", "The upstream service is failing; the gateway is not sending it requests for a moment."),
    UPSTREAM_OVERLOADED(503, "upstream_overloaded", "The upstream service has as many requests in flight as this API allows."),
    LIMITS_UNAVAILABLE(503, "limits_unavailable", "The plan's limits cannot be checked right now; retry shortly."),
    UPSTREAM_TIMEOUT(504, "upstream_timeout", "The upstream service did not answer in time.");

    private final int status;
    private final String code;
    private final String message;

    GatewayError(int status, String code, String message) {
        this.status = status;
        this.code = code;
        this.message = message;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String message() {
        return message;
    }

    /**
     * Whether this is the upstream's failure rather than the gateway's refusal: a request that ends with it was
     * forwarded, and counts as usage.
     */
    public boolean fromUpstream() {
        return this == UPSTREAM_UNAVAILABLE || this == UPSTREAM_TLS_FAILED || this == UPSTREAM_TIMEOUT;
    }

    /**
     * The JSON body with a message of its own (which may name something the catalogue cannot, such as a
     * suspension's reason) and, when given, a link for the client to act on ({@code portal}).
     */
    public String body(String requestId, String ownMessage, String portal) {
        StringBuilder b = new StringBuilder(160).append("{\"code\":\"").append(code).append("\",\"message\":");
        quote(b, ownMessage);
        if (portal != null) {
            b.append(",\"portal\":");
            quote(b, portal);
        }
        return b.append(",\"requestId\":\"").append(requestId).append("\"}").toString();
    }

    private static void quote(StringBuilder b, String text) {
        b.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    /** The JSON body; the request id lets a client quote the exact request to an operator. */
    public String body(String requestId) {
        return "{\"code\":\"" + code + "\",\"message\":\"" + message + "\",\"requestId\":\"" + requestId + "\"}";
    }
}
