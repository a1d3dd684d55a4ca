package io.gatehouse.management.applications;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

public record ApplicationRequest(@NotBlank @Size(max = 100) String name, @Size(max = 2000) String description) {
}
