package io.gatehouse.management.http;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/** Every admin API error: a stable code to match on, a message for people, and the request id to quote. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ApiError(String code, String message, String requestId, List<FieldError> details) {

    public static ApiError of(AdminError error, String requestId) {
        return new ApiError(error.code(), error.message(), requestId, null);
    }

    /**
     * @param field where in the input: a body field, or a JSON pointer into an uploaded document
     * @param line  the line of an uploaded document the problem is on, where it can be found
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FieldError(String field, String message, Integer line) {
        public FieldError(String field, String message) {
            this(field, message, null);
        }
    }
}
