package io.gatehouse.management.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
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
import java.util.stream.Collectors;

/**
 * Turns every failure into an {@link ApiError}. Input problems are 4xx with a code a client can act on; only a
 * genuine fault of the control plane is a 500, and it never carries a stack trace.
 */
public class AdminErrorMappers {
    private static final Logger LOG = Logger.getLogger(AdminErrorMappers.class);

    @ServerExceptionMapper
    public Response domain(DomainException e, ContainerRequestContext request) {
        return error(e.error(), e.getMessage(), request, e.details());
    }

    @ServerExceptionMapper
    public Response validation(ConstraintViolationException e, ContainerRequestContext request) {
        List<ApiError.FieldError> details = e.getConstraintViolations().stream()
                .map(v -> new ApiError.FieldError(field(v), v.getMessage()))
                .sorted(Comparator.comparing(ApiError.FieldError::field))
                .toList();
        String summary = details.stream().map(d -> d.field() + " " + d.message()).collect(Collectors.joining("; "));
        return error(AdminError.VALIDATION_FAILED, summary.isEmpty() ? null : summary, request, details);
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
        return error(AdminError.MALFORMED_JSON, message, request, null);
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
        AdminError error = AdminError.forStatus(status);
        // The framework's own wording ("Unable to find matching target resource method") describes its internals;
        // an unknown address, method or media type gets the catalogue's sentence instead.
        boolean frameworkWording = status == 404 || status == 405 || status == 406 || status == 415;
        return error(error, frameworkWording ? null : e.getMessage(), request, null);
    }

    @ServerExceptionMapper(priority = 5000)
    public Response unexpected(Throwable e, ContainerRequestContext request) {
        DomainException constraint = ConstraintErrors.of(e);
        if (constraint != null) {
            return domain(constraint, request);
        }
        String requestId = request.getHeaderString(AdminHttpFilters.REQUEST_ID);
        LOG.errorf(e, "request %s failed", requestId);
        return error(AdminError.INTERNAL_ERROR, null, request, null);
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

    static Response error(AdminError error, String message, ContainerRequestContext request, List<ApiError.FieldError> details) {
        String requestId = request.getHeaderString(AdminHttpFilters.REQUEST_ID);
        return Response.status(error.status())
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ApiError(error.code(), message == null ? error.message() : message, requestId, details))
                .build();
    }
}
