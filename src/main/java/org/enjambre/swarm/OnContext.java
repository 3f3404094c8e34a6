package org.enjambre.swarm;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.Callable;

/**
 * Runs an action on a torrent's context: at once when already there, else hopped onto it; its
 * result or exception completes the future. How the engine and the metadata swarm let any thread
 * call them while their state is touched on one thread only.
 */
final class OnContext {
    private OnContext() {
    }

    static <T> Future<T> run(Context context, Callable<T> action) {
        Promise<T> promise = Promise.promise();
        Runnable run = () -> {
            try {
                promise.complete(action.call());
            } catch (Exception e) {
                promise.fail(e);
            }
        };
        if (Vertx.currentContext() == context) {
            run.run();
        } else {
            context.runOnContext(v -> run.run());
        }
        return promise.future();
    }
}
