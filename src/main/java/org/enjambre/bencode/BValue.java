package org.enjambre.bencode;

/**
 * A bencoded value (BEP 3): an integer, a byte string, a list or a dictionary.
 * Values compare by content, so a decoded value equals the one it was encoded from.
 */
public sealed interface BValue permits BInt, BBytes, BList, BDict {

    /** The canonical encoding of this value. */
    default byte[] encode() {
        return Bencode.encode(this);
    }
}
