package org.enjambre.node;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Waits for a Vert.x future from a thread that may block (a command's main thread, a node starting
 * up; never an event loop): the one place that turns a future into a result or its own exception.
 */
public final class Await {
    private Await() {
    }

    /**
     * The future's result, or the exception it failed with (unwrapped); a
     * {@link java.util.concurrent.TimeoutException} after {@code timeout}.
     */
    public static <T> T result(Future<T> future, Duration timeout) throws Exception {
        try {
            return future.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }
}
