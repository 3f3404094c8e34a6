package org.enjambre.web;

/**
 * The event-bus addresses the swarm view listens to and the state schema it serves
 * ({@code docs/state.md}); publishers (the node's state verticle) use the same names.
 */
public final class StateBus {
    /** Where every peer node publishes its state (publish, not send: every web verticle listens). */
    public static final String STATE_ADDRESS = "enjambre.state";
    /** Where every tracker node publishes its announces and the cluster's members. */
    public static final String TRACKER_ADDRESS = "enjambre.tracker";
    /** Version of the state schema in docs/state.md. */
    public static final int SCHEMA = 1;

    private StateBus() {
    }
}
