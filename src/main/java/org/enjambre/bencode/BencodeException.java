package org.enjambre.bencode;

/** Malformed bencode: says why and at which byte offset of the input. */
public final class BencodeException extends RuntimeException {
    private final long offset;
    private final String reason;

    public BencodeException(String reason, long offset) {
        super("bencode error at byte " + offset + ": " + reason);
        this.reason = reason;
        this.offset = offset;
    }

    public long offset() {
        return offset;
    }

    public String reason() {
        return reason;
    }
}
