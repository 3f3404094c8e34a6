package org.enjambre.wire.ext;

import java.util.Optional;
import org.enjambre.bencode.BBytes;
import org.enjambre.bencode.BDict;
import org.enjambre.bencode.BInt;
import org.enjambre.bencode.BValue;
import org.enjambre.bencode.Bencode;
import org.enjambre.bencode.BencodeException;

/** Typed reading of the dictionaries the codecs receive, with errors that name the message and key. */
final class Fields {
    private final String message;
    private final BDict dict;

    private Fields(String message, BDict dict) {
        this.message = message;
        this.dict = dict;
    }

    /** The dictionary that is the whole of {@code payload}. */
    static Fields whole(String message, byte[] payload) throws ExtensionMessageException {
        BValue root;
        try {
            root = Bencode.parse(payload);
        } catch (BencodeException e) {
            throw new ExtensionMessageException(message + ": " + e.getMessage(), e);
        }
        return of(message, root);
    }

    static Fields of(String message, BValue root) throws ExtensionMessageException {
        if (!(root instanceof BDict d)) {
            throw new ExtensionMessageException(message + " is not a bencoded dictionary");
        }
        return new Fields(message, d);
    }

    BDict dict() {
        return dict;
    }

    Optional<Long> optionalInteger(String key) throws ExtensionMessageException {
        BValue v = dict.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof BInt i)) {
            throw wrongType(key, "an integer");
        }
        return Optional.of(i.value());
    }

    long integer(String key) throws ExtensionMessageException {
        return optionalInteger(key).orElseThrow(() -> missing(key));
    }

    /** An integer in {@code [min, max]}, or absent. */
    Optional<Long> optionalInteger(String key, long min, long max) throws ExtensionMessageException {
        Optional<Long> v = optionalInteger(key);
        if (v.isPresent() && (v.get() < min || v.get() > max)) {
            throw new ExtensionMessageException(message + ": \"" + key + "\" is " + v.get() + ", outside "
                    + min + ".." + max);
        }
        return v;
    }

    long integer(String key, long min, long max) throws ExtensionMessageException {
        return optionalInteger(key, min, max).orElseThrow(() -> missing(key));
    }

    /** A byte string of at most {@code maxLength} bytes, or absent. */
    Optional<byte[]> optionalBytes(String key, int maxLength) throws ExtensionMessageException {
        BValue v = dict.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof BBytes b)) {
            throw wrongType(key, "a byte string");
        }
        if (b.length() > maxLength) {
            throw new ExtensionMessageException(message + ": \"" + key + "\" of " + b.length()
                    + " bytes exceeds " + maxLength);
        }
        return Optional.of(b.bytes());
    }

    Optional<BDict> optionalDict(String key) throws ExtensionMessageException {
        BValue v = dict.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof BDict d)) {
            throw wrongType(key, "a dictionary");
        }
        return Optional.of(d);
    }

    ExtensionMessageException wrongType(String key, String want) {
        return new ExtensionMessageException(message + ": \"" + key + "\" is not " + want);
    }

    ExtensionMessageException missing(String key) {
        return new ExtensionMessageException(message + ": no \"" + key + "\"");
    }
}
