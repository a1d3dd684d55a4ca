package io.gatehouse.management.apis;

import com.fasterxml.jackson.core.type.TypeReference;
import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.UpstreamTarget;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

import java.util.List;

/** Upstream targets are stored as a JSON array: they are only ever read and written with their API. */
@Converter
public class TargetsConverter implements AttributeConverter<List<UpstreamTarget>, String> {
    @Override
    public String convertToDatabaseColumn(List<UpstreamTarget> targets) {
        return Json.write(targets == null ? List.of() : targets);
    }

    @Override
    public List<UpstreamTarget> convertToEntityAttribute(String json) {
        try {
            return Json.mapper().readValue(json, new TypeReference<List<UpstreamTarget>>() { });
        } catch (Exception e) {
            throw new IllegalStateException("stored upstream targets are not valid JSON", e);
        }
    }
}
