package io.gatehouse.management.apis;

import com.fasterxml.jackson.core.type.TypeReference;
import io.gatehouse.protocol.Json;
import jakarta.persistence.AttributeConverter;

/**
 * A value stored as JSON text in one column: parts of an API that are only ever read and written with it (targets,
 * upstream policy, canary, shadow), in the same form as on the wire to the gateways.
 */
abstract class JsonColumn<T> implements AttributeConverter<T, String> {
    private final TypeReference<T> type;

    JsonColumn(TypeReference<T> type) {
        this.type = type;
    }

    @Override
    public String convertToDatabaseColumn(T value) {
        return value == null ? null : Json.write(value);
    }

    @Override
    public T convertToEntityAttribute(String json) {
        if (json == null) {
            return null;
        }
        try {
            return Json.mapper().readValue(json, type);
        } catch (Exception e) {
            throw new IllegalStateException("stored column is not valid JSON for " + type.getType(), e);
        }
    }
}
