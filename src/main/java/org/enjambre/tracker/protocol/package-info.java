/**
 * The tracker protocol, pure functions of bytes shared by the server and the client: one announce
 * request ({@link org.enjambre.tracker.protocol.AnnounceRequest}) and event, the HTTP codec of both
 * sides (the server's query parsing and bencoded answers, scrape included; the client's announce
 * URL and answer parse), and the refusals each side raises. The BEP 15 (UDP) packet codecs go here
 * too. Peers are {@link org.enjambre.net.PeerAddress}es; their compact coding is theirs.
 * Depends on bencode and net only.
 */
package org.enjambre.tracker.protocol;
