package io.gatehouse.management.http;

import java.util.Arrays;
import java.util.Locale;
import java.util.UUID;

/** List filters from query strings: a value that cannot mean anything is a 400 naming the parameter, never an empty page. */
public final class QueryFilters {
    private QueryFilters() {
    }

    public static <E extends Enum<E>> E enumValue(String parameter, Class<E> type, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw AdminError.VALIDATION_FAILED.with(parameter + " must be one of " + Arrays.toString(type.getEnumConstants()));
        }
    }

    public static UUID id(String parameter, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return UUID.fromString(value.trim());
        } catch (IllegalArgumentException e) {
            throw AdminError.VALIDATION_FAILED.with(parameter + " must be an id");
        }
    }
}
