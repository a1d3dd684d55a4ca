package io.gatehouse.management.consumers;

import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

public record ConsumerRequest(
        @NotBlank @Size(max = 100) @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9._@-]*", message = "may hold letters, digits, '.', '_', '@' and '-'")
        String username,
        @Email @Size(max = 254) String email) {
}
