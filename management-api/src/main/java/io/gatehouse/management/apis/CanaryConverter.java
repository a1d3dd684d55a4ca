package io.gatehouse.management.apis;

import com.fasterxml.jackson.core.type.TypeReference;
import io.gatehouse.protocol.config.CanaryRule;
import jakarta.persistence.Converter;

@Converter
public class CanaryConverter extends JsonColumn<CanaryRule> {
    public CanaryConverter() {
        super(new TypeReference<>() { });
    }
}
