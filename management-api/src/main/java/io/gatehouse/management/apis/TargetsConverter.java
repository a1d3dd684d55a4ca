package io.gatehouse.management.apis;

import com.fasterxml.jackson.core.type.TypeReference;
import io.gatehouse.protocol.config.UpstreamTarget;
import jakarta.persistence.Converter;

import java.util.List;

@Converter
public class TargetsConverter extends JsonColumn<List<UpstreamTarget>> {
    public TargetsConverter() {
        super(new TypeReference<>() { });
    }
}
