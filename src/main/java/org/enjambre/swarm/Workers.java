package org.enjambre.swarm;

import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import java.util.concurrent.Callable;

/**
 * Where the engine's blocking calls (storage, hashing) run: a Vert.x worker pool in production,
 * the caller's thread or a queue the test completes by hand in unit tests. Results come back on
 * the engine's context.
 */
interface Workers {
    <T> Future<T> submit(Callable<T> task);

    static Workers of(WorkerExecutor executor) {
        return new Workers() {
            @Override
            public <T> Future<T> submit(Callable<T> task) {
                return executor.executeBlocking(task, false);
            }
        };
    }
}
