package org.enjambre.wire.ext;

import java.io.ByteArrayOutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.enjambre.bencode.BDict;
import org.enjambre.net.PeerAddress;

/**
 * The ut_pex message of BEP 11: peers the sender connected to ({@code added}, with one flags byte
 * each in {@code added.f}) and peers it dropped since its last message, IPv4 and IPv6 in separate
 * keys ({@code added6}, {@code added6.f}, {@code dropped6}). Here the two families are one list each;
 * the codec splits and joins them.
 *
 * @param added   peers the sender is connected to, with their flags
 * @param dropped peers the sender is no longer connected to
 */
public record PexMessage(List<PexPeer> added, List<PeerAddress> dropped) {
    /** The extension's name in the {@code m} dictionary. */
    public static final String NAME = "ut_pex";
    /**
     * Most peers accepted in one list of one family ({@code added}, {@code added6}, {@code dropped},
     * {@code dropped6}). BEP 11 asks senders for at most 50; libtorrent accepts up to 100, and so do we.
     */
    public static final int MAX_PEERS_PER_LIST = 100;

    public PexMessage {
        added = List.copyOf(added);
        dropped = List.copyOf(dropped);
        for (PexPeer p : added) {
            compactOrRefuse(p.address());
        }
        for (PeerAddress a : dropped) {
            compactOrRefuse(a);
        }
    }

    /**
     * One peer of {@code added}: its address and the flags byte of BEP 11.
     *
     * @param flags the {@code added.f} byte; the named bits are constants of this record
     */
    public record PexPeer(PeerAddress address, int flags) {
        /** The peer prefers encrypted connections. */
        public static final int PREFERS_ENCRYPTION = 0x01;
        /** The peer is a seed (or upload only). */
        public static final int SEED = 0x02;
        /** The peer supports uTP. */
        public static final int SUPPORTS_UTP = 0x04;
        /** The peer supports ut_holepunch. */
        public static final int SUPPORTS_HOLEPUNCH = 0x08;
        /** The sender reached the peer by connecting out to it, so it is reachable. */
        public static final int REACHABLE = 0x10;

        public PexPeer {
            if (flags < 0 || flags > 0xff) {
                throw new IllegalArgumentException("PEX flags are one byte: " + flags);
            }
        }

        public boolean has(int flag) {
            return (flags & flag) != 0;
        }
    }

    /** The payload of the extended message: all six keys, empty strings for what there is none of. */
    public byte[] encode() {
        List<PexPeer> added4 = added.stream().filter(p -> !isIpv6(p.address())).toList();
        List<PexPeer> added6 = added.stream().filter(p -> isIpv6(p.address())).toList();
        List<PeerAddress> dropped4 = dropped.stream().filter(a -> !isIpv6(a)).toList();
        List<PeerAddress> dropped6 = dropped.stream().filter(PexMessage::isIpv6).toList();
        for (List<?> list : List.of(added4, added6, dropped4, dropped6)) {
            if (list.size() > MAX_PEERS_PER_LIST) {
                throw new IllegalArgumentException(list.size() + " peers in one PEX list exceed " + MAX_PEERS_PER_LIST);
            }
        }
        return BDict.builder()
                .put("added", compact(added4.stream().map(PexPeer::address).toList()))
                .put("added.f", flags(added4))
                .put("added6", compact(added6.stream().map(PexPeer::address).toList()))
                .put("added6.f", flags(added6))
                .put("dropped", compact(dropped4))
                .put("dropped6", compact(dropped6))
                .build().encode();
    }

    /**
     * Reads a ut_pex payload. Missing keys read as empty lists. Refused: malformed bencode, keys of the
     * wrong type, compact strings whose length is not a multiple of 6 (IPv4) or 18 (IPv6), flags whose
     * count is not that of the peers they describe, more than {@link #MAX_PEERS_PER_LIST} in one list.
     * Entries with port 0 cannot be dialled and are skipped (their flags with them).
     */
    public static PexMessage decode(byte[] payload) throws ExtensionMessageException {
        Fields f = Fields.whole("ut_pex message", payload);
        List<PexPeer> added = new ArrayList<>();
        added.addAll(addedPeers(f, "added", PeerAddress.COMPACT_IPV4));
        added.addAll(addedPeers(f, "added6", PeerAddress.COMPACT_IPV6));
        List<PeerAddress> dropped = new ArrayList<>();
        dropped.addAll(peers(f, "dropped", PeerAddress.COMPACT_IPV4));
        dropped.addAll(peers(f, "dropped6", PeerAddress.COMPACT_IPV6));
        return new PexMessage(added, dropped);
    }

    private static List<PexPeer> addedPeers(Fields f, String key, int entrySize) throws ExtensionMessageException {
        byte[] data = compactString(f, key, entrySize);
        int count = data.length / entrySize;
        Optional<byte[]> flags = f.optionalBytes(key + ".f", MAX_PEERS_PER_LIST);
        if (flags.isPresent() && flags.get().length != count) {
            throw new ExtensionMessageException("ut_pex message: \"" + key + ".f\" has " + flags.get().length
                    + " flags for " + count + " peers");
        }
        List<PexPeer> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Optional<PeerAddress> peer = entry(data, i * entrySize, entrySize);
            if (peer.isPresent()) {
                out.add(new PexPeer(peer.get(), flags.isPresent() ? flags.get()[i] & 0xff : 0));
            }
        }
        return out;
    }

    private static List<PeerAddress> peers(Fields f, String key, int entrySize) throws ExtensionMessageException {
        byte[] data = compactString(f, key, entrySize);
        List<PeerAddress> out = new ArrayList<>();
        for (int at = 0; at < data.length; at += entrySize) {
            entry(data, at, entrySize).ifPresent(out::add);
        }
        return out;
    }

    private static byte[] compactString(Fields f, String key, int entrySize) throws ExtensionMessageException {
        byte[] data = f.optionalBytes(key, MAX_PEERS_PER_LIST * entrySize).orElse(new byte[0]);
        if (data.length % entrySize != 0) {
            throw new ExtensionMessageException("ut_pex message: \"" + key + "\" of " + data.length
                    + " bytes is not a multiple of " + entrySize);
        }
        return data;
    }

    private static Optional<PeerAddress> entry(byte[] data, int at, int entrySize) {
        int port = ((data[at + entrySize - 2] & 0xff) << 8) | (data[at + entrySize - 1] & 0xff);
        return port == 0 ? Optional.empty() : Optional.of(PeerAddress.fromCompact(data, at, entrySize));
    }

    private static byte[] compact(List<PeerAddress> peers) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        peers.forEach(p -> out.writeBytes(p.compact()));
        return out.toByteArray();
    }

    private static byte[] flags(List<PexPeer> peers) {
        byte[] out = new byte[peers.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) peers.get(i).flags();
        }
        return out;
    }

    private static boolean isIpv6(PeerAddress a) {
        return a.ip().map(ip -> ip instanceof Inet6Address).orElse(false);
    }

    private static void compactOrRefuse(PeerAddress a) {
        Optional<InetAddress> ip = a.ip();
        if (ip.isEmpty()) {
            throw new IllegalArgumentException("PEX carries IP addresses, not host names: " + a);
        }
    }
}
