package io.gatehouse.management.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.vertx.pgclient.PgException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Turns every failure into an {@link ApiError}. Input problems are 4xx with a code a client can act on; only a
 * genuine fault of the control plane is a 500, and it never carries a stack trace.
 */
public class AdminErrorMappers {
    private static final Logger LOG = Logger.getLogger(AdminErrorMappers.class);

    /** Database constraints, as a last line behind the explicit checks (two requests racing for one name). */
    private static final Map<String, String> CONSTRAINTS = Map.of(
            "apis_name_version_unique", "an API with this name and version already exists",
            "apis_route_unique", "another API is already mounted on this host and base path",
            "plans_name_unique", "a plan with this name already exists",
            "consumers_username_unique", "a consumer with this username already exists",
            "applications_consumer_name_unique", "this consumer already has an application with this name",
            "subscriptions_active_unique", "this application already has an active subscription to this API");

    @ServerExceptionMapper
    public Response domain(DomainException e, ContainerRequestContext request) {
        return error(e.status(), e.code(), e.getMessage(), request, e.details());
    }

    @ServerExceptionMapper
    public Response validation(ConstraintViolationException e, ContainerRequestContext request) {
        List<ApiError.FieldError> details = e.getConstraintViolations().stream()
                .map(v -> new ApiError.FieldError(field(v), v.getMessage()))
                .sorted(Comparator.comparing(ApiError.FieldError::field))
                .toList();
        String summary = details.stream().map(d -> d.field() + " " + d.message()).collect(Collectors.joining("; "));
        return error(400, "validation_failed", summary.isEmpty() ? "the request is not valid" : summary, request, details);
    }

    @ServerExceptionMapper
    public Response unreadable(JsonProcessingException e, ContainerRequestContext request) {
        String message;
        if (e instanceof InvalidFormatException invalid && invalid.getTargetType() != null && invalid.getTargetType().isEnum()) {
            message = path(invalid) + " must be one of " + List.of(invalid.getTargetType().getEnumConstants());
        } else if (e instanceof MismatchedInputException mismatch && !mismatch.getPath().isEmpty()) {
            message = path(mismatch) + " has the wrong type";
        } else {
            message = "the body is not valid JSON: " + e.getOriginalMessage();
        }
        return error(400, "malformed_json", message, request, null);
    }

    /** Quarkus maps these Jackson subtypes itself, without a body; the most specific mapper wins, so name them. */
    @ServerExceptionMapper
    public Response mismatched(MismatchedInputException e, ContainerRequestContext request) {
        return unreadable(e, request);
    }

    @ServerExceptionMapper
    public Response unparseable(com.fasterxml.jackson.core.JsonParseException e, ContainerRequestContext request) {
        return unreadable(e, request);
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, ContainerRequestContext request) {
        int status = e.getResponse().getStatus();
        if (e.getCause() instanceof JsonProcessingException json) {
            return unreadable(json, request);
        }
        String code = switch (status) {
            case 400 -> "bad_request";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 406 -> "not_acceptable";
            case 413 -> "payload_too_large";
            case 415 -> "unsupported_media_type";
            default -> status >= 500 ? "internal_error" : "bad_request";
        };
        String message = status == 415 ? "send the body as application/json" : e.getMessage();
        return error(status, code, message, request, null);
    }

    @ServerExceptionMapper(priority = 5000)
    public Response unexpected(Throwable e, ContainerRequestContext request) {
        PgException pg = find(e, PgException.class);
        if (pg != null && "23505".equals(pg.getSqlState())) {
            String constraint = pg.getConstraint();
            return error(409, "conflict", CONSTRAINTS.getOrDefault(constraint, "this would duplicate an existing record"), request, null);
        }
        if (pg != null && "23503".equals(pg.getSqlState())) {
            return error(409, "in_use", "this record is still referenced by others", request, null);
        }
        String requestId = request.getHeaderString(AdminHttpFilters.REQUEST_ID);
        LOG.errorf(e, "request %s failed", requestId);
        return error(500, "internal_error", "the control plane failed to handle this request; quote the request id", request, null);
    }

    private static <T extends Throwable> T find(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static String path(MismatchedInputException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    private static String field(ConstraintViolation<?> violation) {
        // "create.request.targets[0].url" -> "targets[0].url": drop the method and parameter names.
        String path = violation.getPropertyPath().toString();
        String[] parts = path.split("\\.", 3);
        return parts.length == 3 ? parts[2] : parts[parts.length - 1];
    }

    static Response error(int status, String code, String message, ContainerRequestContext request, List<ApiError.FieldError> details) {
        String requestId = request.getHeaderString(AdminHttpFilters.REQUEST_ID);
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ApiError(code, message, requestId, details))
                .build();
    }
}
