package io.gatehouse.protocol.config;

/** An item of a configuration section; deltas add, replace and remove items by this id. */
public interface Identified {
    String id();
}
