package io.gatehouse.gateway.limits;

import io.vertx.core.Context;
import io.vertx.core.Promise;

import java.util.concurrent.atomic.AtomicBoolean;

/** A request waiting for a lease: its promise completes on its own event loop when the lease arrives, or at its deadline. */
final class Parked {
    final Context context;
    final Promise<Void> ready;
    final AtomicBoolean done = new AtomicBoolean();

    Parked(Context context, Promise<Void> ready) {
        this.context = context;
        this.ready = ready;
    }
}
