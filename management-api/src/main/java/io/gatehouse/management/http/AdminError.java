package io.gatehouse.management.http;

/**
 * Every error the control plane answers, in one place: the admin API, the console and the portal share it. Codes are
 * stable (clients match on them); the message here is the default, a {@link DomainException} may say more.
 */
public enum AdminError {
    BAD_REQUEST(400, "bad_request", "The request cannot be handled as sent."),
    VALIDATION_FAILED(400, "validation_failed", "The request is not valid."),
    MALFORMED_JSON(400, "malformed_json", "The body is not valid JSON."),
    INVALID_UPSTREAM_URL(400, "invalid_upstream_url", "The upstream URL is not valid."),
    INVALID_BASE_PATH(400, "invalid_base_path", "The base path is not valid."),
    TIMESTAMP_OUT_OF_RANGE(400, "timestamp_out_of_range", "A timestamp is outside the accepted range (2000 to 2099, UTC)."),
    INVALID_NODE_ID(400, "invalid_node_id", "The node id is not valid."),
    INVALID_EXPORT(400, "invalid_export", "The export request is not valid."),
    INVALID_PUBLIC_KEY(400, "invalid_public_key", "The public key is not a base64 Ed25519 public key."),
    INVALID_LIMIT(400, "invalid_limit", "limit must be a whole number from 1 to 1000."),
    INVALID_CURSOR(400, "invalid_cursor", "The cursor is not one this list handed out."),
    INVALID_DOCUMENT(400, "invalid_document", "The OpenAPI document is not valid; nothing was saved."),
    UNAUTHENTICATED(401, "unauthenticated", "The admin API needs Authorization: Bearer <admin token>."),
    INVALID_TOKEN(401, "invalid_token", "The admin token is not valid."),
    FORBIDDEN(403, "forbidden", "You may not do this."),
    NOT_FOUND(404, "not_found", "There is nothing at this address."),
    METHOD_NOT_ALLOWED(405, "method_not_allowed", "This address does not take this method."),
    NOT_ACCEPTABLE(406, "not_acceptable", "The control plane answers in JSON."),
    CONFLICT(409, "conflict", "This would duplicate an existing record."),
    DUPLICATE_NAME(409, "duplicate_name", "Something with this name already exists."),
    DUPLICATE_ROUTE(409, "duplicate_route", "Another API is already mounted on this host and base path."),
    ALREADY_SUBSCRIBED(409, "already_subscribed", "This application already has a subscription to this API."),
    API_NOT_PUBLISHED(409, "api_not_published", "This API takes no new subscriptions."),
    INVALID_TRANSITION(409, "invalid_transition", "The record cannot move to that state from the one it is in."),
    NOT_ACTIVE(409, "not_active", "The subscription is not active."),
    NO_CANARY(409, "no_canary", "This API has no canary release."),
    AUDIT_KEY_REGISTERED(409, "audit_key_registered", "This node already has an audit key; old records must stay verifiable."),
    IN_USE(409, "in_use", "This record is still referenced by others."),
    PAYLOAD_TOO_LARGE(413, "payload_too_large", "The body is larger than this endpoint accepts."),
    UNSUPPORTED_MEDIA_TYPE(415, "unsupported_media_type", "Send the body as application/json."),
    UNKNOWN_REFERENCE(422, "unknown_reference", "The request names something that does not exist."),
    PLAN_NOT_OFFERED(422, "plan_not_offered", "This API does not offer that plan."),
    INTERNAL_ERROR(500, "internal_error", "The control plane failed to handle this request; quote the request id.");

    private final int status;
    private final String code;
    private final String message;

    AdminError(int status, String code, String message) {
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

    /** This error with a message about the case at hand. */
    public DomainException with(String message) {
        return new DomainException(this, message);
    }

    public DomainException exception() {
        return new DomainException(this, message);
    }

    /** The catalogue entry for an HTTP status the framework produced by itself (no route, wrong method...). */
    public static AdminError forStatus(int status) {
        return switch (status) {
            case 401 -> UNAUTHENTICATED;
            case 403 -> FORBIDDEN;
            case 404 -> NOT_FOUND;
            case 405 -> METHOD_NOT_ALLOWED;
            case 406 -> NOT_ACCEPTABLE;
            case 413 -> PAYLOAD_TOO_LARGE;
            case 415 -> UNSUPPORTED_MEDIA_TYPE;
            default -> status >= 500 ? INTERNAL_ERROR : BAD_REQUEST;
        };
    }
}
