package org.enjambre.tracker.protocol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.enjambre.bencode.BDict;
import org.enjambre.bencode.BList;
import org.enjambre.bencode.BValue;
import org.enjambre.bencode.Bencode;

/**
 * Bencoded tracker answers. The compact announce answer, the hot path, is written straight to
 * bytes with its keys in canonical order; the rarer dictionary-model and scrape answers go through
 * the bencode encoder. Both give canonical bencode (tests compare them byte for byte).
 */
public final class TrackerResponses {
    private TrackerResponses() {
    }

    /** {@code d14:failure reason<n>:<reason>e}: a refusal, sent with HTTP 200. */
    public static byte[] failure(String reason) {
        return Bencode.encode(BDict.builder().put("failure reason", reason).build());
    }

    /**
     * An announce answer. Compact (BEP 23): IPv4 peers as 6-byte entries in {@code peers}, IPv6
     * peers as 18-byte entries in {@code peers6} (BEP 7, present only when there are some).
     * Dictionary model (BEP 3): {@code peers} a list of {@code ip}, {@code peer id} (left out
     * with {@code no_peer_id}), {@code port}.
     */
    public static byte[] announce(AnnounceAnswer result, int interval, int minInterval,
                                  boolean compact, boolean noPeerId) {
        if (!compact) {
            return dictionaryAnnounce(result, interval, minInterval, noPeerId);
        }
        if (!result.packed()) {
            result = AnnounceAnswer.packed(result.stats(), result.peers());
        }
        byte[] four = result.compact4();
        byte[] six = result.compact6();
        Writer w = new Writer(96 + four.length + six.length);
        w.raw("d8:completei").num(result.stats().complete())
                .raw("e10:incompletei").num(result.stats().incomplete())
                .raw("e8:intervali").num(interval)
                .raw("e12:min intervali").num(minInterval)
                .raw("e5:peers").num(four.length).raw(":").bytes(four);
        if (six.length > 0) {
            w.raw("6:peers6").num(six.length).raw(":").bytes(six);
        }
        w.raw("e");
        return w.toByteArray();
    }

    private static byte[] dictionaryAnnounce(AnnounceAnswer result, int interval, int minInterval, boolean noPeerId) {
        if (result.packed()) {
            throw new IllegalArgumentException("a dictionary-model answer needs the peers as a list");
        }
        List<BValue> peers = new ArrayList<>(result.peers().size());
        for (PeerEntry p : result.peers()) {
            BDict.Builder peer = BDict.builder()
                    .put("ip", p.address().host())
                    .put("port", p.address().port());
            if (!noPeerId && p.peerId() != null) {
                peer.put("peer id", p.peerId());
            }
            peers.add(peer.build());
        }
        return Bencode.encode(BDict.builder()
                .put("complete", result.stats().complete())
                .put("incomplete", result.stats().incomplete())
                .put("interval", interval)
                .put("min interval", minInterval)
                .put("peers", new BList(peers))
                .build());
    }

    /**
     * A scrape answer (BEP 48): {@code files} maps each info-hash (raw bytes) to {@code complete},
     * {@code downloaded}, {@code incomplete}. Unknown hashes are answered with zeros, as a swarm
     * nobody has joined yet.
     */
    public static byte[] scrape(Map<String, SwarmStats> byHexInfoHash) {
        BDict.Builder files = BDict.builder();
        java.util.HexFormat hex = java.util.HexFormat.of();
        byHexInfoHash.forEach((h, s) -> files.put(hex.parseHex(h), BDict.builder()
                .put("complete", s.complete())
                .put("downloaded", s.downloaded())
                .put("incomplete", s.incomplete())
                .build()));
        return Bencode.encode(BDict.builder().put("files", files.build()).build());
    }

    /** A growable byte array for the hand-written compact answer. */
    private static final class Writer {
        private byte[] buf;
        private int n;

        Writer(int capacity) {
            buf = new byte[capacity];
        }

        private void ensure(int more) {
            if (n + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, n + more));
            }
        }

        Writer raw(String ascii) {
            ensure(ascii.length());
            for (int i = 0; i < ascii.length(); i++) {
                buf[n++] = (byte) ascii.charAt(i);
            }
            return this;
        }

        Writer num(long value) {
            return raw(Long.toString(value));
        }

        Writer bytes(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, buf, n, b.length);
            n += b.length;
            return this;
        }

        byte[] toByteArray() {
            return n == buf.length ? buf : Arrays.copyOf(buf, n);
        }
    }

    static String ascii(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
