package org.enjambre.wire;

/**
 * The reserved bits of the BEP 3 handshake that other BEPs give a meaning to, by name. Byte 0 is the
 * first of the eight reserved bytes; {@code mask} is the bit within that byte.
 */
public enum ReservedBit {
    /** BEP 10, the extension protocol: byte 5, 0x10. */
    EXTENSION_PROTOCOL(5, 0x10),
    /** BEP 5, the DHT (the peer accepts a {@code port} message): byte 7, 0x01. */
    DHT(7, 0x01),
    /** BEP 6, the fast extension: byte 7, 0x04. */
    FAST_EXTENSION(7, 0x04);

    private final int byteIndex;
    private final int mask;

    ReservedBit(int byteIndex, int mask) {
        this.byteIndex = byteIndex;
        this.mask = mask;
    }

    /** Which of the eight reserved bytes holds the bit. */
    public int byteIndex() {
        return byteIndex;
    }

    /** The bit within that byte. */
    public int mask() {
        return mask;
    }

    /** Is this bit set in {@code reserved} (8 bytes)? */
    public boolean isSetIn(byte[] reserved) {
        return (reserved[byteIndex] & mask) != 0;
    }

    /** Sets this bit in {@code reserved} (8 bytes), in place. */
    void setIn(byte[] reserved) {
        reserved[byteIndex] |= (byte) mask;
    }
}
