package org.enjambre.tracker.protocol;

/**
 * Reads an HTTP announce query into an {@link ReceivedAnnounce}, or refuses it with the reason the
 * client will see. Pure: the connection's address comes in as bytes.
 */
public final class AnnounceParser {
    /** Peers returned when the client does not say. */
    public static final int DEFAULT_NUMWANT = 50;
    /** Most peers returned in one answer, whatever the client asks. */
    public static final int MAX_NUMWANT = 200;
    /** Longest {@code key} kept. */
    public static final int MAX_KEY_LENGTH = 64;

    private AnnounceParser() {
    }

    /**
     * @param rawQuery the undecoded query string
     * @param remoteIp the connection's address (4 or 16 bytes); an {@code ip} parameter replaces
     *                 it only when this is a loopback address, so nobody on a network can register
     *                 somebody else's address
     */
    public static ReceivedAnnounce parse(String rawQuery, byte[] remoteIp) throws TrackerRefusal {
        QueryString q = QueryString.parse(rawQuery);
        byte[] infoHash = twentyBytes(q, "info_hash");
        byte[] peerId = twentyBytes(q, "peer_id");
        String portText = q.text("port");
        if (portText == null) {
            throw new TrackerRefusal("missing port");
        }
        long port = number(portText, "port");
        if (port < 1 || port > 65535) {
            throw new TrackerRefusal("invalid port: must be 1..65535");
        }
        long uploaded = optionalCount(q, "uploaded");
        long downloaded = optionalCount(q, "downloaded");
        String leftText = q.text("left");
        if (leftText == null) {
            throw new TrackerRefusal("missing left");
        }
        long left = number(leftText, "left");
        if (left < 0) {
            throw new TrackerRefusal("invalid left: must be >= 0");
        }
        AnnounceEvent event = AnnounceEvent.parse(q.text("event"));
        int numwant = DEFAULT_NUMWANT;
        String numwantText = q.text("numwant");
        if (numwantText != null && !numwantText.isEmpty()) {
            long n = number(numwantText, "numwant");
            if (n < 0) {
                throw new TrackerRefusal("invalid numwant: must be >= 0");
            }
            numwant = (int) Math.min(n, MAX_NUMWANT);
        }
        boolean compact = !"0".equals(q.text("compact"));
        // Peer ids are given out only to a client that asks with no_peer_id=0: a peer id known to a
        // stranger is half of what it needs to speak for the peer (opentracker never gives them).
        boolean noPeerId = !"0".equals(q.text("no_peer_id"));
        String key = q.text("key");
        if (key != null && key.length() > MAX_KEY_LENGTH) {
            throw new TrackerRefusal("key too long (limit " + MAX_KEY_LENGTH + ")");
        }
        byte[] ip = IpAddresses.normalize(remoteIp);
        String ipText = q.text("ip");
        if (ipText != null && IpAddresses.isLoopback(ip)) {
            byte[] given = IpAddresses.parse(ipText);
            if (given == null) {
                throw new TrackerRefusal("invalid ip: must be an IPv4 or IPv6 literal");
            }
            if (!IpAddresses.isUnicast(given)) {
                throw new TrackerRefusal("invalid ip: must be a unicast address");
            }
            ip = given;
        }
        // trackerid is not read: this tracker never hands one out.
        AnnounceRequest request = new AnnounceRequest(infoHash, peerId, (int) port,
                new TransferStats(uploaded, downloaded, left), event, numwant, key, null);
        return new ReceivedAnnounce(request, ip, compact, noPeerId);
    }

    static byte[] twentyBytes(QueryString q, String name) throws TrackerRefusal {
        byte[] value = q.first(name);
        if (value == null) {
            throw new TrackerRefusal("missing " + name);
        }
        if (value.length != 20) {
            throw new TrackerRefusal("invalid " + name + ": must be 20 bytes, got " + value.length);
        }
        return value;
    }

    private static long optionalCount(QueryString q, String name) throws TrackerRefusal {
        String text = q.text(name);
        if (text == null || text.isEmpty()) {
            return 0;
        }
        long n = number(text, name);
        if (n < 0) {
            throw new TrackerRefusal("invalid " + name + ": must be >= 0");
        }
        return n;
    }

    /** A decimal integer, optionally negative, that fits a long. */
    private static long number(String text, String name) throws TrackerRefusal {
        try {
            if (text.isEmpty() || text.length() > 20 || text.charAt(0) == '+') {
                throw new NumberFormatException();
            }
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new TrackerRefusal("invalid " + name + ": not an integer");
        }
    }
}
