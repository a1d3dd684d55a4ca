package io.gatehouse.protocol.config;

/**
 * One documented operation of an API, from its OpenAPI document.
 *
 * @param method       the HTTP method in upper case (GET, POST, ...)
 * @param pathTemplate the path below the API's base path, with {@code {name}} for a templated segment, e.g. /orders/{id}
 */
public record ApiOperation(String method, String pathTemplate) {
}
