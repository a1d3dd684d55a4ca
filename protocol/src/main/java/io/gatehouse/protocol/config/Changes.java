package io.gatehouse.protocol.config;

import java.util.List;

/** What a delta does to one section: items to add or replace, ids to remove. */
public record Changes<T extends Identified>(List<T> upsert, List<String> remove) {
    public Changes {
        upsert = upsert == null ? List.of() : List.copyOf(upsert);
        remove = remove == null ? List.of() : List.copyOf(remove);
    }

    public boolean isEmpty() {
        return upsert.isEmpty() && remove.isEmpty();
    }
}
