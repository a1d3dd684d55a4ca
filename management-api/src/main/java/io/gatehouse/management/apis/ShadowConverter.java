package io.gatehouse.management.apis;

import com.fasterxml.jackson.core.type.TypeReference;
import io.gatehouse.protocol.config.ShadowRule;
import jakarta.persistence.Converter;

@Converter
public class ShadowConverter extends JsonColumn<ShadowRule> {
    public ShadowConverter() {
        super(new TypeReference<>() { });
    }
}
