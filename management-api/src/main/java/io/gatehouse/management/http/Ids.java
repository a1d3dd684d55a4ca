package io.gatehouse.management.http;

import java.util.UUID;

/** Path ids are UUIDs; anything else names nothing, so it is a 404 rather than a 400. */
public final class Ids {
    private Ids() {
    }

    public static UUID parse(String what, String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw DomainException.notFound(what, id);
        }
    }

    /**
     * Loads what a path id names, or fails with 404: a malformed id and an unknown one alike name nothing. Pass a
     * lambda that calls the entity's own {@code findById}, not a method reference: Panache generates those methods
     * in each entity, and a method reference would bind to the generic stub that refuses to run.
     */
    public static <T> io.smallrye.mutiny.Uni<T> find(String what, String id, java.util.function.Function<UUID, io.smallrye.mutiny.Uni<T>> byId) {
        return byId.apply(parse(what, id)).onItem().ifNull().failWith(() -> DomainException.notFound(what, id));
    }

    /** For ids inside a request body: a malformed one cannot name anything either. */
    public static UUID reference(String what, String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw DomainException.unknownReference(what, String.valueOf(id));
        }
    }
}
