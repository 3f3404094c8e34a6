package org.enjambre.net;

/** Where a peer candidate came from: kept with it in a torrent's peer list, shown and counted. */
public enum PeerOrigin {
    /** Named by the user ({@code --peer}, a magnet's {@code x.pe}). */
    MANUAL,
    /** A tracker's announce answer (HTTP or UDP). */
    TRACKER,
    /** Another peer's PEX message (BEP 11). */
    PEX,
    /** The Mainline DHT (BEP 5). */
    DHT,
    /** It connected to us. */
    INCOMING
}
