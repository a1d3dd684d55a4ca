package io.gatehouse.management.http;

import jakarta.ws.rs.core.Response;

/** A request the domain refuses, with the status and stable code the admin API answers. */
public class DomainException extends RuntimeException {
    private final int status;
    private final String code;
    private final java.util.List<ApiError.FieldError> details;

    public DomainException(int status, String code, String message) {
        this(status, code, message, null);
    }

    private DomainException(int status, String code, String message, java.util.List<ApiError.FieldError> details) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.details = details;
    }

    /**
     * Fields a shared rule refuses ({@code problems()} of a protocol record), as {@code validation_failed} with one
     * detail per field, like bean validation's.
     *
     * @param prefix   the record's place in the body, e.g. {@code upstreamPolicy}
     * @param problems each "field message", as the protocol records word them
     */
    public static DomainException invalidFields(String prefix, java.util.List<String> problems) {
        java.util.List<ApiError.FieldError> details = problems.stream().map(p -> {
            int space = p.indexOf(' ');
            return new ApiError.FieldError(prefix + "." + p.substring(0, space), p.substring(space + 1));
        }).sorted(java.util.Comparator.comparing(ApiError.FieldError::field)).toList();
        String summary = details.stream().map(d -> d.field() + " " + d.message()).collect(java.util.stream.Collectors.joining("; "));
        return new DomainException(400, "validation_failed", summary, details);
    }

    public java.util.List<ApiError.FieldError> details() {
        return details;
    }

    public static DomainException notFound(String what, String id) {
        return new DomainException(404, "not_found", what + " " + id + " does not exist");
    }

    public static DomainException conflict(String code, String message) {
        return new DomainException(409, code, message);
    }

    public static DomainException invalid(String code, String message) {
        return new DomainException(400, code, message);
    }

    /** A body that names something that does not exist: the request is understood but cannot be carried out. */
    public static DomainException unknownReference(String what, String id) {
        return new DomainException(422, "unknown_reference", what + " " + id + " does not exist");
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public Response.Status.Family family() {
        return Response.Status.Family.familyOf(status);
    }
}
