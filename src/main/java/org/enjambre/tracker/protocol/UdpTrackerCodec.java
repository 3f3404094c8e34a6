package org.enjambre.tracker.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.enjambre.net.PeerAddress;

/**
 * The UDP tracker protocol (BEP 15), pure functions of bytes: requests decoded by a tracker and
 * encoded by a client, answers encoded by a tracker and decoded by a client. All integers are
 * big-endian. BEP 41 options after an announce are read (URLData kept, NOP skipped, unknown
 * types skipped by their length, a truncated option ends the list) and never refused.
 * A client's decode is strict: every malformed answer is a {@link TrackerResponseException} that
 * says what is wrong; an {@code error} answer is a {@link UdpTrackerResponse.Error}.
 */
public final class UdpTrackerCodec {
    /** The magic constant of every {@code connect} request. */
    public static final long PROTOCOL_ID = 0x41727101980L;
    public static final int ACTION_CONNECT = 0;
    public static final int ACTION_ANNOUNCE = 1;
    public static final int ACTION_SCRAPE = 2;
    public static final int ACTION_ERROR = 3;
    /** A connect request and its answer. */
    public static final int CONNECT_LENGTH = 16;
    /** An announce request without BEP 41 options. */
    public static final int ANNOUNCE_LENGTH = 98;
    /** Connection id, action, transaction id: the head of every request but the connect. */
    public static final int REQUEST_HEADER_LENGTH = 16;
    /** Action, transaction id, interval, leechers, seeders: the head of an announce answer. */
    public static final int ANNOUNCE_ANSWER_HEADER = 20;
    /** Action and transaction id: the head of every answer. */
    public static final int ANSWER_HEADER_LENGTH = 8;
    /** BEP 15: "up to about 74 torrents can be scraped at once" (the request then fills ~1500 bytes). */
    public static final int MAX_SCRAPE_HASHES = 74;
    /** Largest datagram payload over IPv4 that no link of 1500 bytes fragments (1500 - 20 - 8). */
    public static final int MAX_PAYLOAD_IPV4 = 1472;
    /** Largest datagram payload over IPv6 that any IPv6 link carries unfragmented (1280 - 40 - 8). */
    public static final int MAX_PAYLOAD_IPV6 = 1232;
    /** Longest BEP 41 URLData a client sends. */
    public static final int MAX_URL_DATA = 1024;

    private static final int OPTION_END = 0;
    private static final int OPTION_NOP = 1;
    private static final int OPTION_URL_DATA = 2;

    private UdpTrackerCodec() {
    }

    /** Most peers one announce answer carries without leaving one unfragmented datagram. */
    public static int maxPeers(boolean ipv6) {
        return ipv6 ? (MAX_PAYLOAD_IPV6 - ANNOUNCE_ANSWER_HEADER) / PeerAddress.COMPACT_IPV6
                : (MAX_PAYLOAD_IPV4 - ANNOUNCE_ANSWER_HEADER) / PeerAddress.COMPACT_IPV4;
    }

    // ---- requests: decoded by a tracker ----

    /** Reads one datagram a tracker received; never throws. */
    public static UdpTrackerRequest decodeRequest(byte[] data) {
        if (data.length < REQUEST_HEADER_LENGTH) {
            return new UdpTrackerRequest.Ignored("datagram of " + data.length + " bytes, shorter than a BEP 15 header");
        }
        long connectionId = getLong(data, 0);
        int action = getInt(data, 8);
        int transactionId = getInt(data, 12);
        return switch (action) {
            case ACTION_CONNECT -> connectionId == PROTOCOL_ID
                    ? new UdpTrackerRequest.Connect(transactionId)
                    : new UdpTrackerRequest.Ignored("connect without the BEP 15 protocol id");
            case ACTION_ANNOUNCE -> announce(data, connectionId, transactionId);
            case ACTION_SCRAPE -> scrape(data, connectionId, transactionId);
            default -> new UdpTrackerRequest.Malformed(connectionId, transactionId, "unknown action " + action);
        };
    }

    private static UdpTrackerRequest announce(byte[] data, long connectionId, int transactionId) {
        if (data.length < ANNOUNCE_LENGTH) {
            return new UdpTrackerRequest.Malformed(connectionId, transactionId,
                    "announce of " + data.length + " bytes, shorter than " + ANNOUNCE_LENGTH);
        }
        long downloaded = getLong(data, 56);
        long left = getLong(data, 64);
        long uploaded = getLong(data, 72);
        if (downloaded < 0 || left < 0 || uploaded < 0) {
            return new UdpTrackerRequest.Malformed(connectionId, transactionId, "negative downloaded, left or uploaded");
        }
        AnnounceEvent event = switch (getInt(data, 80)) {
            case 0 -> AnnounceEvent.NONE;
            case 1 -> AnnounceEvent.COMPLETED;
            case 2 -> AnnounceEvent.STARTED;
            case 3 -> AnnounceEvent.STOPPED;
            default -> null;
        };
        if (event == null) {
            return new UdpTrackerRequest.Malformed(connectionId, transactionId, "invalid event " + getInt(data, 80));
        }
        int ipv4 = getInt(data, 84);
        int key = getInt(data, 88);
        int numwant = getInt(data, 92);
        int port = getShort(data, 96);
        if (port == 0) {
            return new UdpTrackerRequest.Malformed(connectionId, transactionId, "invalid port 0");
        }
        AnnounceRequest request = new AnnounceRequest(Arrays.copyOfRange(data, 16, 36), Arrays.copyOfRange(data, 36, 56),
                port, new TransferStats(uploaded, downloaded, left), event,
                numwant < 0 ? AnnounceParser.DEFAULT_NUMWANT : Math.min(numwant, AnnounceParser.MAX_NUMWANT), HexFormat.of().toHexDigits(key), null);
        return new UdpTrackerRequest.Announce(connectionId, transactionId, request, ipv4,
                data.length == ANNOUNCE_LENGTH ? "" : urlData(data, ANNOUNCE_LENGTH));
    }

    /** The URLData options (BEP 41) from {@code at} on, concatenated; anything unreadable ends the list. */
    private static String urlData(byte[] data, int at) {
        StringBuilder url = new StringBuilder();
        while (at < data.length) {
            int type = data[at++] & 0xff;
            if (type == OPTION_END) {
                break;
            }
            if (type == OPTION_NOP) {
                continue;
            }
            if (at >= data.length) {
                break;
            }
            int length = data[at++] & 0xff;
            if (at + length > data.length) {
                break;
            }
            if (type == OPTION_URL_DATA) {
                url.append(new String(data, at, length, StandardCharsets.ISO_8859_1));
            }
            at += length;
        }
        return url.toString();
    }

    private static UdpTrackerRequest scrape(byte[] data, long connectionId, int transactionId) {
        int body = data.length - REQUEST_HEADER_LENGTH;
        if (body == 0 || body % AnnounceRequest.HASH_LENGTH != 0) {
            return new UdpTrackerRequest.Malformed(connectionId, transactionId,
                    "scrape must carry whole 20-byte info-hashes, got " + body + " bytes");
        }
        int count = body / AnnounceRequest.HASH_LENGTH;
        if (count > MAX_SCRAPE_HASHES) {
            return new UdpTrackerRequest.Malformed(connectionId, transactionId,
                    "at most " + MAX_SCRAPE_HASHES + " info-hashes per scrape, got " + count);
        }
        List<byte[]> hashes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int at = REQUEST_HEADER_LENGTH + i * AnnounceRequest.HASH_LENGTH;
            hashes.add(Arrays.copyOfRange(data, at, at + AnnounceRequest.HASH_LENGTH));
        }
        return new UdpTrackerRequest.Scrape(connectionId, transactionId, hashes);
    }

    // ---- requests: encoded by a client ----

    /** The bytes of a request a client sends ({@link UdpTrackerRequest.Malformed} and {@link UdpTrackerRequest.Ignored} have none). */
    public static byte[] encode(UdpTrackerRequest request) {
        return switch (request) {
            case UdpTrackerRequest.Connect c -> {
                byte[] out = new byte[CONNECT_LENGTH];
                putLong(out, 0, PROTOCOL_ID);
                putInt(out, 8, ACTION_CONNECT);
                putInt(out, 12, c.transactionId());
                yield out;
            }
            case UdpTrackerRequest.Announce a -> encodeAnnounce(a);
            case UdpTrackerRequest.Scrape s -> {
                if (s.infoHashes().isEmpty() || s.infoHashes().size() > MAX_SCRAPE_HASHES) {
                    throw new IllegalArgumentException("a scrape carries 1.." + MAX_SCRAPE_HASHES + " info-hashes, not "
                            + s.infoHashes().size());
                }
                byte[] out = header(REQUEST_HEADER_LENGTH + s.infoHashes().size() * AnnounceRequest.HASH_LENGTH,
                        s.connectionId(), ACTION_SCRAPE, s.transactionId());
                int at = REQUEST_HEADER_LENGTH;
                for (byte[] hash : s.infoHashes()) {
                    if (hash.length != AnnounceRequest.HASH_LENGTH) {
                        throw new IllegalArgumentException("an info-hash is 20 bytes, not " + hash.length);
                    }
                    System.arraycopy(hash, 0, out, at, hash.length);
                    at += hash.length;
                }
                yield out;
            }
            case UdpTrackerRequest.Malformed m -> throw new IllegalArgumentException("a malformed request has no encoding");
            case UdpTrackerRequest.Ignored i -> throw new IllegalArgumentException("an ignored datagram has no encoding");
        };
    }

    private static byte[] encodeAnnounce(UdpTrackerRequest.Announce a) {
        byte[] url = a.urlData().getBytes(StandardCharsets.ISO_8859_1);
        if (url.length > MAX_URL_DATA) {
            throw new IllegalArgumentException("URLData of " + url.length + " bytes, more than " + MAX_URL_DATA);
        }
        int chunks = (url.length + 254) / 255;
        byte[] out = header(ANNOUNCE_LENGTH + (url.length == 0 ? 0 : url.length + 2 * chunks + 1),
                a.connectionId(), ACTION_ANNOUNCE, a.transactionId());
        AnnounceRequest r = a.request();
        System.arraycopy(r.infoHash(), 0, out, 16, AnnounceRequest.HASH_LENGTH);
        System.arraycopy(r.peerId(), 0, out, 36, AnnounceRequest.HASH_LENGTH);
        putLong(out, 56, r.stats().downloaded());
        putLong(out, 64, r.stats().left());
        putLong(out, 72, r.stats().uploaded());
        putInt(out, 80, switch (r.event()) {
            case NONE -> 0;
            case COMPLETED -> 1;
            case STARTED -> 2;
            case STOPPED -> 3;
        });
        putInt(out, 84, a.ipv4());
        putInt(out, 88, key(r.key()));
        putInt(out, 92, r.numwant());
        out[96] = (byte) (r.port() >>> 8);
        out[97] = (byte) r.port();
        int at = ANNOUNCE_LENGTH;
        for (int from = 0; from < url.length; from += 255) {
            int length = Math.min(255, url.length - from);
            out[at++] = OPTION_URL_DATA;
            out[at++] = (byte) length;
            System.arraycopy(url, from, out, at, length);
            at += length;
        }
        if (url.length > 0) {
            out[at] = OPTION_END;
        }
        return out;
    }

    /** The 32-bit key of a BEP 3 {@code key}: 8 hex digits as themselves, anything else hashed, none as 0. */
    static int key(String key) {
        if (key == null) {
            return 0;
        }
        if (key.length() == 8 && key.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            return Integer.parseUnsignedInt(key, 16);
        }
        return key.hashCode();
    }

    // ---- answers: encoded by a tracker ----

    public static byte[] connected(int transactionId, long connectionId) {
        byte[] out = new byte[CONNECT_LENGTH];
        putInt(out, 0, ACTION_CONNECT);
        putInt(out, 4, transactionId);
        putLong(out, 8, connectionId);
        return out;
    }

    /**
     * An announce answer with {@code length} bytes of compact peers (6 bytes each to an IPv4
     * client, 18 to an IPv6 one) taken from {@code peers} at {@code offset}.
     */
    public static byte[] announced(int transactionId, int intervalSeconds, int leechers, int seeders,
                                   byte[] peers, int offset, int length) {
        byte[] out = new byte[ANNOUNCE_ANSWER_HEADER + length];
        announced(ByteBuffer.wrap(out), transactionId, intervalSeconds, leechers, seeders, peers, offset, length);
        return out;
    }

    /**
     * {@link #announced(int, int, int, int, byte[], int, int)} written into {@code out} from its
     * position ({@link #ANNOUNCE_ANSWER_HEADER} + {@code length} bytes), so that a server encodes
     * straight into the buffer its socket sends from.
     */
    public static void announced(ByteBuffer out, int transactionId, int intervalSeconds, int leechers, int seeders,
                                 byte[] peers, int offset, int length) {
        out.order(ByteOrder.BIG_ENDIAN).putInt(ACTION_ANNOUNCE).putInt(transactionId).putInt(intervalSeconds)
                .putInt(leechers).putInt(seeders).put(peers, offset, length);
    }

    /** A scrape answer: seeders, completed, leechers of each swarm, in the request's order. */
    public static byte[] scraped(int transactionId, List<SwarmStats> stats) {
        byte[] out = new byte[ANSWER_HEADER_LENGTH + 12 * stats.size()];
        putInt(out, 0, ACTION_SCRAPE);
        putInt(out, 4, transactionId);
        int at = ANSWER_HEADER_LENGTH;
        for (SwarmStats s : stats) {
            putInt(out, at, s.complete());
            putInt(out, at + 4, (int) Math.min(Integer.MAX_VALUE, s.downloaded()));
            putInt(out, at + 8, s.incomplete());
            at += 12;
        }
        return out;
    }

    /**
     * An error answer whose whole length is at most {@code maxLength} (the message is cut to fit;
     * a tracker never answers an unconnected address with more bytes than it was sent).
     */
    public static byte[] error(int transactionId, String message, int maxLength) {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        int length = Math.max(0, Math.min(text.length, maxLength - ANSWER_HEADER_LENGTH));
        byte[] out = new byte[ANSWER_HEADER_LENGTH + length];
        putInt(out, 0, ACTION_ERROR);
        putInt(out, 4, transactionId);
        System.arraycopy(text, 0, out, ANSWER_HEADER_LENGTH, length);
        return out;
    }

    // ---- answers: decoded by a client ----

    /**
     * Reads a tracker's answer.
     *
     * @param peerEntryLength {@link PeerAddress#COMPACT_IPV4} when the tracker was reached over
     *                        IPv4, {@link PeerAddress#COMPACT_IPV6} over IPv6 (BEP 15)
     * @throws TrackerResponseException the datagram is not a valid answer; the message says how
     */
    public static UdpTrackerResponse decodeResponse(byte[] data, int peerEntryLength) {
        if (peerEntryLength != PeerAddress.COMPACT_IPV4 && peerEntryLength != PeerAddress.COMPACT_IPV6) {
            throw new IllegalArgumentException("a compact peer is 6 or 18 bytes, not " + peerEntryLength);
        }
        if (data.length < ANSWER_HEADER_LENGTH) {
            throw new TrackerResponseException("UDP tracker answer of " + data.length + " bytes, shorter than its header");
        }
        int action = getInt(data, 0);
        int transactionId = getInt(data, 4);
        return switch (action) {
            case ACTION_CONNECT -> {
                if (data.length < CONNECT_LENGTH) {
                    throw new TrackerResponseException("connect answer of " + data.length + " bytes, shorter than 16");
                }
                yield new UdpTrackerResponse.Connected(transactionId, getLong(data, 8));
            }
            case ACTION_ANNOUNCE -> announced(data, transactionId, peerEntryLength);
            case ACTION_SCRAPE -> {
                int body = data.length - ANSWER_HEADER_LENGTH;
                if (body % 12 != 0) {
                    throw new TrackerResponseException("scrape answer of " + body + " bytes, not a multiple of 12");
                }
                List<SwarmStats> stats = new ArrayList<>(body / 12);
                for (int at = ANSWER_HEADER_LENGTH; at < data.length; at += 12) {
                    int seeders = getInt(data, at);
                    int completed = getInt(data, at + 4);
                    int leechers = getInt(data, at + 8);
                    if (seeders < 0 || completed < 0 || leechers < 0) {
                        throw new TrackerResponseException("scrape answer with a negative count");
                    }
                    stats.add(new SwarmStats(seeders, leechers, completed));
                }
                yield new UdpTrackerResponse.Scraped(transactionId, stats);
            }
            case ACTION_ERROR -> new UdpTrackerResponse.Error(transactionId, AnnounceCodec.readable(
                    new String(data, ANSWER_HEADER_LENGTH, data.length - ANSWER_HEADER_LENGTH, StandardCharsets.UTF_8)));
            default -> throw new TrackerResponseException("UDP tracker answer with unknown action " + action);
        };
    }

    private static UdpTrackerResponse announced(byte[] data, int transactionId, int entry) {
        if (data.length == ANSWER_HEADER_LENGTH) {
            // opentracker's answer to a torrent outside its whitelist: the header and nothing else.
            throw new TrackerResponseException("announce answer with no body: the tracker refused without a reason"
                    + " (opentracker answers so for a torrent it does not serve)");
        }
        if (data.length < ANNOUNCE_ANSWER_HEADER) {
            throw new TrackerResponseException("announce answer of " + data.length + " bytes, shorter than 20");
        }
        int interval = getInt(data, 8);
        int leechers = getInt(data, 12);
        int seeders = getInt(data, 16);
        if (interval < 0 || leechers < 0 || seeders < 0) {
            throw new TrackerResponseException("announce answer with a negative interval or count");
        }
        int body = data.length - ANNOUNCE_ANSWER_HEADER;
        if (body % entry != 0) {
            throw new TrackerResponseException("announce answer's peers are " + body + " bytes, not a multiple of " + entry);
        }
        if (body / entry > AnnounceCodec.MAX_PEERS) {
            throw new TrackerResponseException("announce answer lists " + body / entry + " peers, more than the limit of "
                    + AnnounceCodec.MAX_PEERS);
        }
        Set<PeerAddress> peers = new LinkedHashSet<>();
        for (int at = ANNOUNCE_ANSWER_HEADER; at < data.length; at += entry) {
            if (data[at + entry - 2] == 0 && data[at + entry - 1] == 0) {
                throw new TrackerResponseException("announce answer's peer " + (at - ANNOUNCE_ANSWER_HEADER) / entry
                        + " has port 0");
            }
            peers.add(PeerAddress.fromCompact(data, at, entry));
        }
        return new UdpTrackerResponse.Announced(transactionId, interval, leechers, seeders, new ArrayList<>(peers));
    }

    // ---- big-endian helpers ----

    private static byte[] header(int length, long connectionId, int action, int transactionId) {
        byte[] out = new byte[length];
        putLong(out, 0, connectionId);
        putInt(out, 8, action);
        putInt(out, 12, transactionId);
        return out;
    }

    static int getShort(byte[] b, int at) {
        return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
    }

    public static int getInt(byte[] b, int at) {
        return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
    }

    public static long getLong(byte[] b, int at) {
        return ((long) getInt(b, at) << 32) | (getInt(b, at + 4) & 0xffffffffL);
    }

    static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    static void putLong(byte[] b, int at, long v) {
        putInt(b, at, (int) (v >>> 32));
        putInt(b, at + 4, (int) v);
    }
}
