package io.gatehouse.management.http;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/** Every admin API error: a stable code to match on, a message for people, and the request id to quote. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ApiError(String code, String message, String requestId, List<FieldError> details) {

    public record FieldError(String field, String message) {
    }
}
