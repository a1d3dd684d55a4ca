package io.gatehouse.management.apis;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import java.util.List;

/**
 * A canary release: part of the traffic to other targets.
 *
 * @param percent share of consumers sent to the canary, 0–100
 * @param header  optional: requests whose header equals {@code headerValue} go to the canary whatever their consumer
 * @param cookie  optional: the same with a cookie
 */
public record CanaryRequest(@NotEmpty @Size(max = 32) List<ApiRequest.@Valid Target> targets,
                            @NotNull @DecimalMin("0") @DecimalMax("100") Double percent,
                            @Pattern(regexp = "[A-Za-z0-9-]+", message = "must be a header name") String header,
                            @Size(max = 200) String headerValue,
                            @Pattern(regexp = "[A-Za-z0-9!#$%&'*+.^_`|~-]+", message = "must be a cookie name") String cookie,
                            @Size(max = 200) String cookieValue) {
}
