/**
 * The BitTorrent peer wire protocol (BEP 3): the handshake, every message as a record of the
 * sealed {@link org.enjambre.wire.Message}, a pure encoder ({@link org.enjambre.wire.MessageEncoder})
 * and a stateful frame decoder ({@link org.enjambre.wire.WireDecoder}) that turns a TCP byte stream,
 * split or merged arbitrarily, into handshake and messages, refusing hostile input with a typed
 * {@link org.enjambre.wire.WireException} before it allocates for it.
 *
 * <p>No sockets and no event loop here: only bytes in, values out. Vert.x {@code Buffer} is the
 * only outside type, so the swarm can hand socket reads to the decoder without copying them.
 */
package org.enjambre.wire;
