/**
 * The {@link org.enjambre.tracker.server.PeerRegistry}: compact {@link org.enjambre.tracker.hazelcast.Swarm}s
 * changed by one set of rules ({@link org.enjambre.tracker.hazelcast.AnnounceProcessor}) under limits
 * sized from the heap. In a cluster they live in Hazelcast ({@code HazelcastPeerRegistry}): one IMap
 * entry per swarm, changed only by entry processors on the partition thread of the member owning the
 * swarm, so an announce is one atomic operation whose cost depends on {@code numwant}, not on the
 * cluster or the swarm size; values and processors are {@code IdentifiedDataSerializable}. A lone
 * tracker keeps them in process ({@code LocalPeerRegistry}): the same processor under the swarm's
 * lock on the caller's thread, no operation, no backup.
 */
package org.enjambre.tracker.hazelcast;
