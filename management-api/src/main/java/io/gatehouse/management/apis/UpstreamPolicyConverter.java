package io.gatehouse.management.apis;

import com.fasterxml.jackson.core.type.TypeReference;
import io.gatehouse.protocol.config.UpstreamPolicy;
import jakarta.persistence.Converter;

@Converter
public class UpstreamPolicyConverter extends JsonColumn<UpstreamPolicy> {
    public UpstreamPolicyConverter() {
        super(new TypeReference<>() { });
    }
}
