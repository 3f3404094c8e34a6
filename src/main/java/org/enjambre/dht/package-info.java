/**
 * The Mainline DHT (BEP 5): where a node finds peers for an info-hash with no tracker. Pure parts
 * (the KRPC codec, the routing table, lookups, tokens, the peer store, rate limits) take bytes and
 * a clock and are unit-tested alone; {@link org.enjambre.dht.DhtNode} is the one edge that meets
 * Vert.x: it owns a context, timers and a {@link org.enjambre.dht.KrpcSocket} to send on.
 */
package org.enjambre.dht;
