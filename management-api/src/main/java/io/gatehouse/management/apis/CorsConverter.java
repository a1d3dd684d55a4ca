package io.gatehouse.management.apis;

import com.fasterxml.jackson.core.type.TypeReference;
import io.gatehouse.protocol.config.CorsRule;
import jakarta.persistence.Converter;

@Converter
public class CorsConverter extends JsonColumn<CorsRule> {
    public CorsConverter() {
        super(new TypeReference<>() { });
    }
}
