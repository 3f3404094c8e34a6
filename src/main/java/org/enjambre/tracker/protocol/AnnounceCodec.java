package org.enjambre.tracker.protocol;

import org.enjambre.bencode.BBytes;
import org.enjambre.bencode.BDict;
import org.enjambre.bencode.BInt;
import org.enjambre.bencode.BList;
import org.enjambre.bencode.BValue;
import org.enjambre.bencode.Bencode;
import org.enjambre.bencode.BencodeException;
import org.enjambre.net.PeerAddress;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The HTTP tracker codec, pure functions of bytes and strings: the announce URL (BEP 3 query with
 * {@code compact=1}, BEP 23) and the parse of the bencoded answer (BEP 3 dictionary model, BEP 23
 * compact {@code peers}, BEP 7 {@code peers6}). Every malformed answer is refused with a
 * {@link TrackerResponseException} that says what is wrong; a {@code failure reason} is a
 * {@link TrackerFailureException}.
 */
public final class AnnounceCodec {
    /** Largest answer body accepted; a compact answer of 200 peers is about 1.2 KB. */
    public static final int MAX_RESPONSE_BYTES = 1 << 20;
    /** Most peers accepted in one answer ({@code peers} and {@code peers6} together). */
    public static final int MAX_PEERS = 5_000;
    /** Longest DNS name accepted as a peer's {@code ip} in the dictionary model. */
    public static final int MAX_HOSTNAME_LENGTH = 253;
    /** Longest {@code failure reason} / {@code warning message} kept (longer text is cut, not refused). */
    public static final int MAX_MESSAGE_CHARS = 1_000;

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private AnnounceCodec() {
    }

    /**
     * The full announce URL: {@code announceUrl} plus the query of {@code request}. An announce URL
     * that already has a query (a passkey, say) keeps it and gets ours appended after {@code &};
     * a fragment is dropped (it is never sent over HTTP anyway).
     */
    public static String announceUrl(String announceUrl, AnnounceRequest request) {
        String base = announceUrl;
        int hash = base.indexOf('#');
        if (hash >= 0) {
            base = base.substring(0, hash);
        }
        StringBuilder url = new StringBuilder(base.length() + 256).append(base);
        int question = base.indexOf('?');
        if (question < 0) {
            url.append('?');
        } else if (!base.endsWith("?") && !base.endsWith("&")) {
            url.append('&');
        }
        TransferStats stats = request.stats();
        url.append("info_hash=").append(percentEncode(request.infoHash()));
        url.append("&peer_id=").append(percentEncode(request.peerId()));
        url.append("&port=").append(request.port());
        url.append("&uploaded=").append(stats.uploaded());
        url.append("&downloaded=").append(stats.downloaded());
        url.append("&left=").append(stats.left());
        url.append("&compact=1");
        // We read the compact model, so peer ids in the answer would be wasted bytes (BEP 23).
        url.append("&no_peer_id=1");
        if (request.event().wireName() != null) {
            url.append("&event=").append(request.event().wireName());
        }
        url.append("&numwant=").append(request.numwant());
        if (request.key() != null) {
            url.append("&key=").append(percentEncode(request.key().getBytes(StandardCharsets.ISO_8859_1)));
        }
        if (request.trackerId() != null) {
            url.append("&trackerid=").append(percentEncode(request.trackerId().getBytes(StandardCharsets.ISO_8859_1)));
        }
        return url.toString();
    }

    /**
     * Percent-encodes raw bytes for a URL query (RFC 3986): unreserved characters
     * ({@code A-Z a-z 0-9 - . _ ~}) as themselves, every other byte as {@code %XX}.
     */
    public static String percentEncode(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length * 3);
        for (byte b : bytes) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return sb.toString();
    }

    /**
     * Parses a tracker's answer body.
     *
     * @throws TrackerFailureException  the answer is a {@code failure reason}
     * @throws TrackerResponseException the answer is malformed; the message says how
     */
    public static AnnounceResponse parseResponse(byte[] body) {
        if (body.length == 0) {
            throw new TrackerResponseException("tracker answer is empty");
        }
        if (body.length > MAX_RESPONSE_BYTES) {
            throw new TrackerResponseException("tracker answer of " + body.length + " bytes is larger than the limit of "
                    + MAX_RESPONSE_BYTES);
        }
        BValue root;
        try {
            root = Bencode.parse(body);
        } catch (BencodeException e) {
            throw new TrackerResponseException("tracker answer is not valid bencode (" + e.getMessage() + ")", e);
        }
        if (!(root instanceof BDict dict)) {
            throw new TrackerResponseException("tracker answer is not a bencoded dictionary");
        }
        BValue failure = dict.get("failure reason");
        if (failure != null) {
            if (!(failure instanceof BBytes reason)) {
                throw new TrackerResponseException("'failure reason' is not a string");
            }
            throw new TrackerFailureException(text(reason));
        }
        Optional<String> warning = optionalText(dict, "warning message");
        long interval = requiredCount(dict, "interval");
        OptionalLong minInterval = optionalCount(dict, "min interval");
        OptionalLong complete = optionalCount(dict, "complete");
        OptionalLong incomplete = optionalCount(dict, "incomplete");
        Optional<String> trackerId = Optional.empty();
        BValue id = dict.get("tracker id");
        if (id != null) {
            if (!(id instanceof BBytes idBytes)) {
                throw new TrackerResponseException("'tracker id' is not a string");
            }
            // latin-1 keeps every byte as one char, so the id goes back exactly as it came.
            trackerId = Optional.of(idBytes.latin1());
        }

        Set<PeerEntry> peers = new LinkedHashSet<>();
        BValue peersValue = dict.get("peers");
        if (peersValue instanceof BBytes compact) {
            compactPeers(compact.bytes(), PeerAddress.COMPACT_IPV4, "peers", peers);
        } else if (peersValue instanceof BList list) {
            dictionaryPeers(list, peers);
        } else if (peersValue != null) {
            throw new TrackerResponseException("'peers' is neither a compact string nor a list");
        }
        BValue peers6Value = dict.get("peers6");
        if (peers6Value instanceof BBytes compact6) {
            compactPeers(compact6.bytes(), PeerAddress.COMPACT_IPV6, "peers6", peers);
        } else if (peers6Value != null) {
            throw new TrackerResponseException("'peers6' is not a compact string");
        }
        return new AnnounceResponse(Duration.ofSeconds(interval), minInterval.isPresent()
                ? Optional.of(Duration.ofSeconds(minInterval.getAsLong())) : Optional.empty(),
                complete, incomplete, trackerId, warning, new ArrayList<>(peers));
    }

    private static void compactPeers(byte[] bytes, int entryLength, String key, Set<PeerEntry> out) {
        if (bytes.length % entryLength != 0) {
            throw new TrackerResponseException("compact '" + key + "' is " + bytes.length
                    + " bytes, not a multiple of " + entryLength);
        }
        int count = bytes.length / entryLength;
        checkPeerCount(out.size() + count);
        for (int i = 0; i < count; i++) {
            int at = i * entryLength;
            // Port 0 cannot be dialled: a tracker that sends it is broken, and we say so.
            if (bytes[at + entryLength - 2] == 0 && bytes[at + entryLength - 1] == 0) {
                throw new TrackerResponseException("compact '" + key + "' entry " + i + " has port 0");
            }
            out.add(PeerEntry.of(PeerAddress.fromCompact(bytes, at, entryLength)));
        }
    }

    private static void dictionaryPeers(BList list, Set<PeerEntry> out) {
        checkPeerCount(out.size() + list.size());
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof BDict entry)) {
                throw new TrackerResponseException("'peers' entry " + i + " is not a dictionary");
            }
            if (!(entry.get("ip") instanceof BBytes ip)) {
                throw new TrackerResponseException("'peers' entry " + i + " has no 'ip' string");
            }
            if (!(entry.get("port") instanceof BInt portValue)) {
                throw new TrackerResponseException("'peers' entry " + i + " has no 'port' integer");
            }
            long port = portValue.value();
            if (port < 1 || port > 65535) {
                throw new TrackerResponseException("'peers' entry " + i + " has port " + port + ", outside 1..65535");
            }
            byte[] peerId = null;
            BValue idValue = entry.get("peer id");
            if (idValue != null) {
                if (!(idValue instanceof BBytes id) || id.length() != AnnounceRequest.HASH_LENGTH) {
                    throw new TrackerResponseException("'peers' entry " + i + " has a 'peer id' that is not "
                            + AnnounceRequest.HASH_LENGTH + " bytes");
                }
                peerId = id.bytes();
            }
            out.add(new PeerEntry(peerAddress(ip.latin1(), (int) port, i), peerId));
        }
    }

    /** An IP literal or a DNS name, which stays a name (no lookup here). */
    private static PeerAddress peerAddress(String ip, int port, int index) {
        if (parseIpv4(ip) != null) {
            return new PeerAddress(ip, port);
        }
        if (ip.indexOf(':') >= 0) {
            String literal = ip.startsWith("[") && ip.endsWith("]") ? ip.substring(1, ip.length() - 1) : ip;
            if (!literal.matches("[0-9A-Fa-f:.]+")) {
                throw new TrackerResponseException("'peers' entry " + index + " has an invalid IPv6 address");
            }
            PeerAddress address;
            try {
                address = new PeerAddress(literal, port);
            } catch (IllegalArgumentException e) {
                throw new TrackerResponseException("'peers' entry " + index + " has an invalid IP address", e);
            }
            if (address.ip().isEmpty()) {
                throw new TrackerResponseException("'peers' entry " + index + " has an invalid IP address");
            }
            return address;
        }
        if (ip.isEmpty() || ip.length() > MAX_HOSTNAME_LENGTH || !ip.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")
                || ip.matches("[0-9.]+")) {
            throw new TrackerResponseException("'peers' entry " + index + " has an 'ip' that is neither an IP address nor a host name");
        }
        return new PeerAddress(ip, port);
    }

    /** A strict dotted quad (four decimal parts 0..255, no leading zeros), or {@code null}. */
    static byte[] parseIpv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')
                    || (p.length() > 1 && p.charAt(0) == '0')) {
                return null;
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                return null;
            }
            out[i] = (byte) v;
        }
        return out;
    }

    private static void checkPeerCount(int count) {
        if (count > MAX_PEERS) {
            throw new TrackerResponseException("tracker answer lists " + count + " peers, more than the limit of " + MAX_PEERS);
        }
    }

    private static long requiredCount(BDict dict, String key) {
        OptionalLong value = optionalCount(dict, key);
        if (value.isEmpty()) {
            throw new TrackerResponseException("tracker answer has no '" + key + "'");
        }
        return value.getAsLong();
    }

    private static OptionalLong optionalCount(BDict dict, String key) {
        BValue value = dict.get(key);
        if (value == null) {
            return OptionalLong.empty();
        }
        if (!(value instanceof BInt number)) {
            throw new TrackerResponseException("'" + key + "' is not an integer");
        }
        if (number.value() < 0) {
            throw new TrackerResponseException("'" + key + "' is negative (" + number.value() + ")");
        }
        return OptionalLong.of(number.value());
    }

    private static Optional<String> optionalText(BDict dict, String key) {
        BValue value = dict.get(key);
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof BBytes bytes)) {
            throw new TrackerResponseException("'" + key + "' is not a string");
        }
        return Optional.of(text(bytes));
    }

    /** Tracker text is UTF-8 in practice; cut to a sane length and stripped of control characters for logs. */
    private static String text(BBytes bytes) {
        return readable(bytes.utf8());
    }

    /** Text a tracker sent (HTTP or UDP), cut to {@link #MAX_MESSAGE_CHARS} and without control characters. */
    static String readable(String s) {
        if (s.length() > MAX_MESSAGE_CHARS) {
            s = s.substring(0, MAX_MESSAGE_CHARS) + "...";
        }
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> sb.appendCodePoint(Character.isISOControl(cp) ? '?' : cp));
        return sb.toString();
    }
}
