package io.gatehouse.management.http;

import java.util.List;

/** A request the domain refuses: an entry of the {@link AdminError} catalogue and what exactly was wrong. */
public class DomainException extends RuntimeException {
    private final AdminError error;
    private final List<ApiError.FieldError> details;

    public DomainException(AdminError error, String message) {
        this(error, message, null);
    }

    public DomainException(AdminError error, String message, List<ApiError.FieldError> details) {
        super(message == null ? error.message() : message, null, false, false);
        this.error = error;
        this.details = details;
    }

    /**
     * Fields a shared rule refuses ({@code problems()} of a protocol record), as {@code validation_failed} with one
     * detail per field, like bean validation's.
     *
     * @param prefix   the record's place in the body, e.g. {@code upstreamPolicy}
     * @param problems each "field message", as the protocol records word them
     */
    public static DomainException invalidFields(String prefix, List<String> problems) {
        List<ApiError.FieldError> details = problems.stream().map(p -> {
            int space = p.indexOf(' ');
            return new ApiError.FieldError(prefix + "." + p.substring(0, space), p.substring(space + 1));
        }).sorted(java.util.Comparator.comparing(ApiError.FieldError::field)).toList();
        String summary = details.stream().map(d -> d.field() + " " + d.message()).collect(java.util.stream.Collectors.joining("; "));
        return new DomainException(AdminError.VALIDATION_FAILED, summary, details);
    }

    public static DomainException notFound(String what, String id) {
        return AdminError.NOT_FOUND.with(what + " " + id + " does not exist");
    }

    /** A body that names something that does not exist: the request is understood but cannot be carried out. */
    public static DomainException unknownReference(String what, String id) {
        return AdminError.UNKNOWN_REFERENCE.with(what + " " + id + " does not exist");
    }

    public AdminError error() {
        return error;
    }

    public int status() {
        return error.status();
    }

    public String code() {
        return error.code();
    }

    /** Where exactly the input was wrong, when there is more than one place (e.g. an OpenAPI document's errors). */
    public List<ApiError.FieldError> details() {
        return details;
    }
}
