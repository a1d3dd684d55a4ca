package io.gatehouse.management.http;

import jakarta.ws.rs.core.Response;

/** A request the domain refuses, with the status and stable code the admin API answers. */
public class DomainException extends RuntimeException {
    private final int status;
    private final String code;

    public DomainException(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
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
