package io.gatehouse.management.apis;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

/** Traffic mirrored to a shadow upstream. */
public record ShadowRequest(@NotBlank String url, @NotNull @DecimalMin("0") @DecimalMax("100") Double percent,
                            @Min(1) @Max(10_000) Integer maxConcurrent) {
}
