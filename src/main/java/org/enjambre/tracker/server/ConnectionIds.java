package org.enjambre.tracker.server;

/**
 * Stateless BEP 15 connection ids: an id is a keyed MAC (SipHash-2-4) of the client's address,
 * port and a time window, so checking one needs no table and any tracker node that holds the same
 * key accepts an id another node issued. The top byte carries the window's low 8 bits, so checking
 * costs one MAC; the other 56 bits are the MAC.
 *
 * <p>An id is valid in the window it was issued in and the next one: with {@link #WINDOW_MILLIS}
 * of 60 s that is between 60 and 120 s, as BEP 15 asks (a client may use an id for one minute, a
 * tracker accepts it for two). An id of the window after the current one is accepted too, so that
 * nodes whose clocks differ by less than a window accept each other's ids. Pure and thread-safe.
 */
public final class ConnectionIds {
    /** Length of one time window. */
    public static final long WINDOW_MILLIS = 60_000;
    /** Length of the MAC key, in bytes (SipHash's 128 bits). */
    public static final int KEY_LENGTH = 16;

    private final long k0;
    private final long k1;

    public ConnectionIds(byte[] key) {
        if (key.length != KEY_LENGTH) {
            throw new IllegalArgumentException("a connection id key is " + KEY_LENGTH + " bytes, not " + key.length);
        }
        k0 = SipHash.keyHalf(key, 0);
        k1 = SipHash.keyHalf(key, 1);
    }

    /**
     * The id for a client at {@code ip} (4 or 16 bytes) and {@code port}, at {@code nowMillis}.
     */
    public long issue(byte[] ip, int port, long nowMillis) {
        return idFor(ip, port, Math.floorDiv(nowMillis, WINDOW_MILLIS));
    }

    /** Whether {@code connectionId} was issued to {@code ip}:{@code port} by a holder of the key, recently enough. */
    public boolean valid(long connectionId, byte[] ip, int port, long nowMillis) {
        long now = Math.floorDiv(nowMillis, WINDOW_MILLIS);
        int tag = (int) (connectionId >>> 56);
        for (long window = now - 1; window <= now + 1; window++) {
            if ((window & 0xff) == tag) {
                return idFor(ip, port, window) == connectionId;
            }
        }
        return false;
    }

    private long idFor(byte[] ip, int port, long window) {
        long mac;
        if (ip.length == 4) {
            long address = ((ip[0] & 0xffL) << 24) | ((ip[1] & 0xffL) << 16) | ((ip[2] & 0xffL) << 8) | (ip[3] & 0xffL);
            mac = SipHash.hashWords(k0, k1, window, ((long) (port & 0xffff) << 32) | address, 0, 0, 2);
        } else if (ip.length == 16) {
            mac = SipHash.hashWords(k0, k1, window, port & 0xffff, bigEndian(ip, 0), bigEndian(ip, 8), 4);
        } else {
            throw new IllegalArgumentException("an IP address is 4 or 16 bytes, not " + ip.length);
        }
        return ((window & 0xff) << 56) | (mac >>> 8);
    }

    private static long bigEndian(byte[] b, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[at + i] & 0xffL);
        }
        return v;
    }
}
