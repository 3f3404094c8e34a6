package org.enjambre.web;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import org.enjambre.report.StateSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the web verticle reads from the event bus: the state messages, each checked against the
 * schema ({@link StateSchema}) before the swarm view sees it. A message that fails is dropped and
 * counted ({@code enjambre.eventbus.dropped}, tagged with the address); one log line says why.
 */
final class StateFeed {
    private static final Logger LOG = LoggerFactory.getLogger(StateFeed.class);
    static final String DROPPED_METER = "enjambre.eventbus.dropped";

    private StateFeed() {
    }

    /** Feeds {@code view} from both state addresses; call on the web verticle's context. */
    static void listen(Vertx vertx, SwarmView view, MeterRegistry metrics) {
        consume(vertx, StateSchema.STATE_ADDRESS, StateSchema::stateProblem, view::nodeState, metrics);
        consume(vertx, StateSchema.TRACKER_ADDRESS, StateSchema::trackerProblem, view::trackerState, metrics);
    }

    private static void consume(Vertx vertx, String address, Function<Object, Optional<String>> check,
                                Consumer<JsonObject> sink, MeterRegistry metrics) {
        Counter dropped = Counter.builder(DROPPED_METER).description("event-bus messages dropped for breaking docs/state.md")
                .tags("address", address).register(metrics);
        vertx.eventBus().<Object>consumer(address, m -> {
            Optional<String> problem = check.apply(m.body());
            if (problem.isPresent()) {
                dropped.increment();
                LOG.warn("dropped a message on {}: {}", address, problem.get());
            } else {
                sink.accept((JsonObject) m.body());
            }
        });
    }
}
