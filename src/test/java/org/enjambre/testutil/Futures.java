package org.enjambre.testutil;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A test's wait for a Vert.x future: always bounded, so that something that never completes fails
 * its test instead of hanging the build.
 */
public final class Futures {
    /** Longer than anything a test starts on loopback takes; a test that needs more says so. */
    public static final Duration LIMIT = Duration.ofSeconds(60);

    private Futures() {
    }

    /** The future's result, waiting at most {@link #LIMIT}; its failure comes wrapped in an {@link ExecutionException}. */
    public static <T> T await(Future<T> future) throws Exception {
        return await(future, LIMIT);
    }

    public static <T> T await(Future<T> future, Duration limit) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(limit.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** As {@link #await(Future)}, the failure thrown as it is, for tests that assert on its type and message. */
    public static <T> T awaitUnwrapped(Future<T> future) throws Exception {
        try {
            return await(future);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }
}
