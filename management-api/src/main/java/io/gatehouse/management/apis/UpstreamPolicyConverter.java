package io.gatehouse.management.apis;

import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.UpstreamPolicy;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/** An API's upstream policy is stored as JSON: it is read and written only with its API. */
@Converter
public class UpstreamPolicyConverter implements AttributeConverter<UpstreamPolicy, String> {
    @Override
    public String convertToDatabaseColumn(UpstreamPolicy policy) {
        return policy == null ? null : Json.write(policy);
    }

    @Override
    public UpstreamPolicy convertToEntityAttribute(String json) {
        return json == null ? null : Json.read(json, UpstreamPolicy.class);
    }
}
