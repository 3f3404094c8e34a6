/**
 * The {@link org.enjambre.tracker.server.PeerRegistry} on Hazelcast: one IMap entry per swarm, changed
 * only by entry processors that run on the partition thread of the member owning the swarm, so an
 * announce is one atomic operation whose cost depends on {@code numwant}, not on the cluster or
 * the swarm size. Values and processors are {@code IdentifiedDataSerializable}.
 */
package org.enjambre.tracker.hazelcast;
