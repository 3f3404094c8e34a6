/**
 * The tracker protocol, pure functions of bytes shared by the server and the client: one announce
 * request ({@link org.enjambre.tracker.protocol.AnnounceRequest}) and event, the HTTP codec of both
 * sides (the server's query parsing and bencoded answers, scrape included; the client's announce
 * URL and answer parse), the BEP 15 UDP packets of both sides
 * ({@link org.enjambre.tracker.protocol.UdpTrackerCodec}), and the refusals each side raises. Peers are {@link org.enjambre.net.PeerAddress}es; their compact coding is theirs.
 * Depends on bencode and net only.
 */
package org.enjambre.tracker.protocol;
