package io.gatehouse.management.apis;

import com.fasterxml.jackson.core.type.TypeReference;
import io.gatehouse.protocol.config.ApiOperation;
import jakarta.persistence.Converter;

import java.util.List;

@Converter
public class OperationsConverter extends JsonColumn<List<ApiOperation>> {
    public OperationsConverter() {
        super(new TypeReference<>() { });
    }
}
