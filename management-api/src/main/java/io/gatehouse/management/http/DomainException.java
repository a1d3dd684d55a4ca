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
