package org.enjambre.ext;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;
import org.enjambre.ext.ExtensionRegistryTest.RecordingPeer;
import org.enjambre.metainfo.InfoHash;
import org.enjambre.net.PeerAddress;
import org.enjambre.swarm.ManualClock;
import org.enjambre.wire.ext.ExtendedHandshake;
import org.enjambre.wire.ext.MetadataMessage;
import org.junit.jupiter.api.Test;

/** ut_metadata (BEP 9) over a fake peer: serving the exact info bytes with a throttle, and fetching them. */
class MetadataExtensionTest {
    /** The id the fake peer gives ut_metadata in its handshake: what our messages to it must carry. */
    private static final int THEIR_ID = 7;

    private final ManualClock clock = new ManualClock();
    private final byte[] info = randomBytes(40_000, 1); // three pieces: 16 KiB, 16 KiB, 7232 bytes

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] theirHandshake(Long metadataSize) {
        ExtendedHandshake.Builder b = ExtendedHandshake.builder().extension(MetadataMessage.NAME, THEIR_ID);
        if (metadataSize != null) {
            b.metadataSize(metadataSize);
        }
        return b.build().encode();
    }

    /** One connection of a torrent with this metadata, the peer's extended handshake already in. */
    private static ConnectionExtensions connect(TorrentMetadata metadata, RecordingPeer peer, Long theirSize)
            throws Exception {
        ExtensionRegistry registry = new ExtensionRegistry(ExtensionRegistry.LocalInfo.of(OptionalInt.empty(), 16));
        assertThat(metadata.register(registry)).isEqualTo(1);
        ConnectionExtensions extensions = registry.attach(peer);
        extensions.sendHandshake();
        extensions.onExtended(0, theirHandshake(theirSize));
        return extensions;
    }

    private static List<MetadataMessage> received(RecordingPeer peer) {
        return peer.sent.stream().filter(s -> s.extendedId() == THEIR_ID).map(s -> {
            try {
                return MetadataMessage.decode(s.payload()).orElseThrow();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }).toList();
    }

    private static byte[] request(int piece) {
        return MetadataMessage.encode(new MetadataMessage.Request(piece));
    }

    @Test
    void aSeederOffersMetadataSizeAndServesTheExactInfoBytesInSixteenKibPieces() throws Exception {
        RecordingPeer peer = new RecordingPeer("127.0.0.5:6881");
        ConnectionExtensions extensions = connect(TorrentMetadata.known(info, clock), peer, null);
        ExtendedHandshake ours = ExtendedHandshake.decode(peer.sent.get(0).payload());
        assertThat(ours.metadataSize()).hasValue(info.length);
        assertThat(ours.extensionIds()).containsEntry(MetadataMessage.NAME, 1);

        for (int piece = 0; piece < 3; piece++) {
            extensions.onExtended(1, request(piece));
        }

        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (MetadataMessage m : received(peer)) {
            MetadataMessage.Data data = (MetadataMessage.Data) m;
            assertThat(data.totalSize()).isEqualTo(info.length);
            joined.writeBytes(data.block());
        }
        assertThat(received(peer)).extracting(MetadataMessage::piece).containsExactly(0, 1, 2);
        assertThat(joined.toByteArray()).isEqualTo(info);
    }

    @Test
    void aPieceThatDoesNotExistIsRejected() throws Exception {
        RecordingPeer peer = new RecordingPeer("127.0.0.5:6881");
        ConnectionExtensions extensions = connect(TorrentMetadata.known(info, clock), peer, null);
        extensions.onExtended(1, request(3));
        assertThat(received(peer)).containsExactly(new MetadataMessage.Reject(3));
        assertThat(peer.closed).isEmpty();
    }

    @Test
    void withoutMetadataEveryRequestIsRejectedAndNoSizeIsOffered() throws Exception {
        RecordingPeer peer = new RecordingPeer("127.0.0.5:6881");
        TorrentMetadata fetching = TorrentMetadata.fetching(InfoHash.ofInfoBytes(info), clock);
        ConnectionExtensions extensions = connect(fetching, peer, null);
        assertThat(ExtendedHandshake.decode(peer.sent.get(0).payload()).metadataSize()).isEmpty();

        extensions.onExtended(1, request(0));

        assertThat(received(peer)).containsExactly(new MetadataMessage.Reject(0));
    }

    @Test
    void aPeerAskingInALoopIsThrottledAndPastTheQueueCapRejected() throws Exception {
        byte[] big = randomBytes(200 * MetadataMessage.PIECE_LENGTH, 2);
        RecordingPeer peer = new RecordingPeer("127.0.0.5:6881");
        ConnectionExtensions extensions = connect(TorrentMetadata.known(big, clock), peer, null);
        int asked = MetadataExtension.SERVED_PIECES_PER_SECOND + MetadataExtension.MAX_QUEUED_REQUESTS + 10;
        for (int piece = 0; piece < asked; piece++) {
            extensions.onExtended(1, request(piece));
        }

        long served = received(peer).stream().filter(m -> m instanceof MetadataMessage.Data).count();
        long rejected = received(peer).stream().filter(m -> m instanceof MetadataMessage.Reject).count();
        assertThat(served).as("the burst").isEqualTo(MetadataExtension.SERVED_PIECES_PER_SECOND);
        assertThat(rejected).as("past the queue").isEqualTo(10);

        clock.advanceMillis(1_000);
        served = received(peer).stream().filter(m -> m instanceof MetadataMessage.Data).count();
        assertThat(served).as("one more second of the throttle").isEqualTo(2L * MetadataExtension.SERVED_PIECES_PER_SECOND);

        clock.advanceMillis(1_000);
        assertThat(received(peer).stream().filter(m -> m instanceof MetadataMessage.Data).count())
                .as("the whole queue, in order").isEqualTo(asked - 10);
        assertThat(received(peer).stream().filter(m -> m instanceof MetadataMessage.Data)
                .map(MetadataMessage::piece).toList()).isSorted();
    }

    @Test
    void aRequestFromAPeerThatGaveUtMetadataNoIdClosesTheConnection() throws Exception {
        RecordingPeer peer = new RecordingPeer("127.0.0.5:6881");
        ExtensionRegistry registry = new ExtensionRegistry(ExtensionRegistry.LocalInfo.of(OptionalInt.empty(), 16));
        TorrentMetadata.known(info, clock).register(registry);
        ConnectionExtensions extensions = registry.attach(peer);
        extensions.onExtended(0, ExtendedHandshake.builder().build().encode());
        extensions.onExtended(1, request(0));
        assertThat(peer.closed).singleElement().asString().contains("ut_metadata");
    }

    // ---- fetching ----

    /** A fake peer that answers our requests from its own copy of the metadata (true or not). */
    private final class ServingPeer {
        final RecordingPeer peer;
        final ConnectionExtensions extensions;
        final byte[] copy;
        int answered;

        ServingPeer(TorrentMetadata metadata, String address, byte[] copy, long offered) throws Exception {
            this.peer = new RecordingPeer(address);
            this.copy = copy;
            this.extensions = connect(metadata, peer, offered);
        }

        /** Answers every request not answered yet; true if there was one. */
        boolean answer() throws Exception {
            List<MetadataMessage> asked = received(peer);
            boolean any = false;
            while (answered < asked.size()) {
                int piece = asked.get(answered++).piece();
                int from = piece * MetadataMessage.PIECE_LENGTH;
                byte[] block = java.util.Arrays.copyOfRange(copy, from,
                        Math.min(copy.length, from + MetadataMessage.PIECE_LENGTH));
                extensions.onExtended(1, MetadataMessage.encode(new MetadataMessage.Data(piece, copy.length, block)));
                any = true;
            }
            return any;
        }
    }

    private static void serveUntilQuiet(List<ServingPeer> peers) throws Exception {
        for (int round = 0; round < 100; round++) {
            boolean any = false;
            for (ServingPeer p : peers) {
                any |= p.answer();
            }
            if (!any) {
                return;
            }
        }
    }

    @Test
    void piecesAreAskedOfSeveralPeersAndTheHashCheckedDictionaryIsTheResult() throws Exception {
        byte[] big = randomBytes(20 * MetadataMessage.PIECE_LENGTH + 5, 4);
        TorrentMetadata metadata = TorrentMetadata.fetching(InfoHash.ofInfoBytes(big), clock);
        ServingPeer a = new ServingPeer(metadata, "127.0.0.2:1", big, big.length);
        ServingPeer b = new ServingPeer(metadata, "127.0.0.3:1", big, big.length);
        assertThat(received(a.peer)).hasSize(MetadataFetch.MAX_OUTSTANDING_PER_PEER);
        assertThat(received(b.peer)).as("the pieces are spread over both").hasSize(MetadataFetch.MAX_OUTSTANDING_PER_PEER);

        serveUntilQuiet(List.of(a, b));

        assertThat(received(a.peer).size() + received(b.peer).size()).as("each piece asked once").isEqualTo(21);
        assertThat(metadata.completion().result()).isEqualTo(big);
        assertThat(metadata.infoBytes()).hasValueSatisfying(bytes -> assertThat(bytes).isEqualTo(big));
        RecordingPeer later = new RecordingPeer("127.0.0.4:1");
        connect(metadata, later, null);
        assertThat(ExtendedHandshake.decode(later.sent.get(0).payload()).metadataSize())
                .as("once fetched it is offered to others").hasValue(big.length);
    }

    @Test
    void aLiarWhoseMetadataFailsTheHashIsBannedAndTheHonestPeerCompletesIt() throws Exception {
        byte[] lie = info.clone();
        lie[20_000] ^= 1;
        TorrentMetadata metadata = TorrentMetadata.fetching(InfoHash.ofInfoBytes(info), clock);
        ServingPeer liar = new ServingPeer(metadata, "127.0.0.66:6881", lie, lie.length);
        ServingPeer honest = new ServingPeer(metadata, "127.0.0.2:6881", info, info.length);

        serveUntilQuiet(List.of(liar, honest));

        assertThat(metadata.completion().result()).isEqualTo(info);
        MetadataFetch fetch = metadata.fetch().orElseThrow();
        assertThat(fetch.hashFailures()).isGreaterThanOrEqualTo(1);
        assertThat(fetch.banned()).containsExactly(PeerAddress.parse("127.0.0.66:6881"));
        assertThat(liar.peer.closed).singleElement().asString().contains("failed SHA-1");
        assertThat(honest.peer.closed).isEmpty();
    }

    @Test
    void whenPiecesFromSeveralPeersFailTheHashOnePeerAtATimeFindsTheLiar() throws Exception {
        byte[] big = randomBytes(20 * MetadataMessage.PIECE_LENGTH + 5, 5);
        byte[] lie = big.clone();
        lie[8 * MetadataMessage.PIECE_LENGTH + 3] ^= 1; // in piece 8: the first the liar is asked for
        TorrentMetadata metadata = TorrentMetadata.fetching(InfoHash.ofInfoBytes(big), clock);
        ServingPeer honest = new ServingPeer(metadata, "127.0.0.2:6881", big, big.length);
        ServingPeer liar = new ServingPeer(metadata, "127.0.0.66:6881", lie, lie.length);
        assertThat(received(liar.peer)).as("both contribute to the first attempt").isNotEmpty();

        serveUntilQuiet(List.of(honest, liar));

        assertThat(metadata.completion().result()).isEqualTo(big);
        assertThat(metadata.fetch().orElseThrow().hashFailures()).isGreaterThanOrEqualTo(1);
        assertThat(honest.peer.closed).isEmpty();
    }

    @Test
    void aLoneLiarIsBannedAndNothingCompletes() throws Exception {
        byte[] lie = randomBytes(info.length, 3);
        TorrentMetadata metadata = TorrentMetadata.fetching(InfoHash.ofInfoBytes(info), clock);
        ServingPeer liar = new ServingPeer(metadata, "127.0.0.66:6881", lie, lie.length);

        serveUntilQuiet(List.of(liar));

        assertThat(metadata.completion().isComplete()).isFalse();
        assertThat(metadata.fetch().orElseThrow().banned()).containsExactly(PeerAddress.parse("127.0.0.66:6881"));
        assertThat(metadata.infoBytes()).isEmpty();
    }

    @Test
    void metadataClaimingOneGibibyteIsRefusedBeforeAnythingIsAsked() throws Exception {
        TorrentMetadata metadata = TorrentMetadata.fetching(InfoHash.ofInfoBytes(info), clock);
        RecordingPeer peer = new RecordingPeer("127.0.0.9:6881");
        connect(metadata, peer, 1L << 30);

        assertThat(received(peer)).isEmpty();
        assertThat(peer.closed).singleElement().asString().contains("over the " + MetadataFetch.MAX_METADATA_SIZE);
        assertThat(metadata.fetch().orElseThrow().refusedOversize()).isEqualTo(1);
        assertThat(metadata.fetch().orElseThrow().sources()).isZero();
    }

    @Test
    void aRejectedOrUnansweredPieceIsAskedOfAnotherPeer() throws Exception {
        TorrentMetadata metadata = TorrentMetadata.fetching(InfoHash.ofInfoBytes(info), clock);
        ServingPeer silent = new ServingPeer(metadata, "127.0.0.7:1", info, info.length);
        int askedOfSilent = received(silent.peer).size();
        assertThat(askedOfSilent).as("alone, it is asked for every piece").isEqualTo(3);
        ServingPeer rejecting = new ServingPeer(metadata, "127.0.0.8:1", info, info.length);
        ServingPeer honest = new ServingPeer(metadata, "127.0.0.9:1", info, info.length);

        clock.advanceMillis(MetadataFetch.REQUEST_TIMEOUT_MILLIS + 2 * MetadataFetch.TICK_MILLIS);
        for (MetadataMessage m : received(rejecting.peer)) {
            rejecting.extensions.onExtended(1, MetadataMessage.encode(new MetadataMessage.Reject(m.piece())));
        }
        serveUntilQuiet(List.of(honest));

        assertThat(metadata.completion().result()).isEqualTo(info);
    }
}
