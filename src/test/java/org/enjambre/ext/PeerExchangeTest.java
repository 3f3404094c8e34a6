package org.enjambre.ext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.enjambre.net.AddressScope;
import org.enjambre.net.PeerAddress;
import org.enjambre.wire.ext.ExtendedHandshake;
import org.enjambre.wire.ext.ExtensionMessageException;
import org.enjambre.wire.ext.PexMessage;
import org.enjambre.wire.ext.PexMessage.PexPeer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ut_pex (BEP 11) through the extension seam, with recording connections and a manual clock. */
class PeerExchangeTest {
    static final long SECOND = 1_000_000_000L;
    /** The id the recording peers give ut_pex in their extended handshake. */
    static final int THEIR_PEX_ID = 7;

    /** A connection that records the ut_pex messages it was sent and whether it was closed. */
    static final class Peer implements ExtensionPeer {
        final PeerAddress address;
        final boolean incoming;
        final List<PexMessage> received = new ArrayList<>();
        final List<String> closed = new ArrayList<>();
        ConnectionExtensions extensions;

        Peer(String address, boolean incoming) {
            this.address = PeerAddress.parse(address);
            this.incoming = incoming;
        }

        @Override
        public Optional<PeerAddress> address() {
            return Optional.of(address);
        }

        @Override
        public boolean incoming() {
            return incoming;
        }

        @Override
        public void sendExtended(int extendedId, byte[] payload) {
            if (extendedId == THEIR_PEX_ID) {
                try {
                    received.add(PexMessage.decode(payload));
                } catch (ExtensionMessageException e) {
                    throw new AssertionError("we sent a ut_pex message a peer cannot decode", e);
                }
            }
        }

        @Override
        public void close(String reason) {
            closed.add(reason);
        }

        List<PeerAddress> addedTo() {
            return received.stream().flatMap(m -> m.added().stream()).map(PexPeer::address).toList();
        }
    }

    long now = 1_000 * SECOND;
    final List<PeerAddress> discovered = new ArrayList<>();
    ExtensionRegistry registry;
    int ourPexId;

    @BeforeEach
    void setUp() {
        registry = new ExtensionRegistry(ExtensionRegistry.LocalInfo.of(OptionalInt.of(6881), 250));
        ourPexId = registry.register(PexMessage.NAME, new PeerExchange(discovered::add, () -> now).factory());
    }

    /** A peer whose extended handshake offers ut_pex (or not) and says it listens on {@code listenPort}. */
    Peer connect(String address, boolean incoming, boolean offersPex, Integer listenPort) throws Exception {
        Peer peer = new Peer(address, incoming);
        peer.extensions = registry.attach(peer);
        ExtendedHandshake.Builder theirs = ExtendedHandshake.builder().version("test");
        if (offersPex) {
            theirs.extension(PexMessage.NAME, THEIR_PEX_ID);
        }
        if (listenPort != null) {
            theirs.port(listenPort);
        }
        peer.extensions.onExtended(0, theirs.build().encode());
        return peer;
    }

    void tickAfter(long seconds) {
        now += seconds * SECOND;
        registry.tick(now);
    }

    void pexFrom(Peer peer, List<String> added) throws ExtensionMessageException {
        List<PexPeer> peers = added.stream().map(a -> new PexPeer(PeerAddress.parse(a), 0)).toList();
        peer.extensions.onExtended(ourPexId, new PexMessage(peers, List.of()).encode());
    }

    @Test
    void tellsEachPeerTheOthersAtOnceThenChangesAtMostOnceAMinute() throws Exception {
        Peer x = connect("10.0.0.1:6881", false, true, 6881);
        Peer y = connect("10.0.0.2:6882", false, true, null);
        Peer z = connect("10.0.0.3:50123", true, true, 6883); // incoming: told by its listen port
        Peer anonymous = connect("10.0.0.4:50999", true, true, null); // incoming, no port: never told
        tickAfter(1);
        assertThat(x.received).singleElement().satisfies(m -> {
            assertThat(m.added()).containsExactly(new PexPeer(PeerAddress.parse("10.0.0.2:6882"), PexPeer.REACHABLE),
                    new PexPeer(PeerAddress.parse("10.0.0.3:6883"), 0));
            assertThat(m.dropped()).isEmpty();
        });
        assertThat(z.addedTo()).containsExactly(PeerAddress.parse("10.0.0.1:6881"), PeerAddress.parse("10.0.0.2:6882"));
        assertThat(anonymous.addedTo()).hasSize(3);

        Peer w = connect("10.0.0.5:6885", false, true, null);
        y.extensions.close();
        tickAfter(30);
        assertThat(x.received).as("within the minute nothing more goes out").hasSize(1);
        assertThat(w.received).as("a newcomer hears at once").hasSize(1);
        tickAfter(30);
        assertThat(x.received).hasSize(2);
        assertThat(x.received.get(1).added()).extracting(PexPeer::address).containsExactly(w.address);
        assertThat(x.received.get(1).dropped()).containsExactly(y.address);
        tickAfter(60);
        assertThat(x.received).as("nothing changed: nothing sent").hasSize(2);
    }

    @Test
    void aPeerThatDoesNotOfferUtPexIsToldNothing() throws Exception {
        Peer x = connect("10.0.0.1:6881", false, false, null);
        connect("10.0.0.2:6882", false, true, null);
        tickAfter(1);
        assertThat(x.received).isEmpty();
    }

    @Test
    void atMostFiftyAddedPeersGoInOneMessageAndTheRestAMinuteLater() throws Exception {
        Peer x = connect("10.0.0.1:6881", false, true, null);
        for (int i = 0; i < 60; i++) {
            connect("10.0.1." + (i + 1) + ":7000", false, true, null);
        }
        tickAfter(1);
        assertThat(x.received).singleElement().satisfies(m -> assertThat(m.added()).hasSize(50));
        tickAfter(60);
        assertThat(x.received).hasSize(2);
        assertThat(x.received.get(1).added()).hasSize(10);
        assertThat(x.addedTo()).doesNotHaveDuplicates().hasSize(60);
    }

    @Test
    void receivedPeersGoToThePeerListButLanAddressesOnlyFromTheLan() throws Exception {
        List<String> offered = List.of("1.2.3.4:6881", "192.168.1.5:6881", "127.0.0.1:7000", "[2001:db8::1]:6881",
                "224.0.0.1:6881");
        pexFrom(connect("8.8.8.8:6881", false, true, null), offered);
        assertThat(discovered).containsExactly(PeerAddress.parse("1.2.3.4:6881"), PeerAddress.parse("[2001:db8::1]:6881"));

        discovered.clear();
        pexFrom(connect("192.168.1.2:6881", false, true, null), offered);
        assertThat(discovered).containsExactly(PeerAddress.parse("1.2.3.4:6881"), PeerAddress.parse("192.168.1.5:6881"),
                PeerAddress.parse("[2001:db8::1]:6881"));

        discovered.clear();
        Peer loopback = connect("127.0.0.1:6000", false, true, null);
        pexFrom(loopback, List.of("127.0.0.1:7000", "127.0.0.1:6000")); // never itself
        assertThat(discovered).containsExactly(PeerAddress.parse("127.0.0.1:7000"));
        assertThat(loopback.closed).isEmpty();
    }

    @Test
    void aPeerThatSendsPexTooOftenIsClosed() throws Exception {
        Peer flooder = connect("8.8.8.8:6881", false, true, null);
        for (int i = 0; i < PeerExchange.MAX_RECEIVED_PER_WINDOW; i++) {
            pexFrom(flooder, List.of("1.2.3." + (i + 1) + ":6881"));
            now += 5 * SECOND;
        }
        assertThatThrownBy(() -> pexFrom(flooder, List.of("1.2.3.9:6881")))
                .isInstanceOf(ExtensionMessageException.class).hasMessageContaining("within a minute");
        assertThat(discovered).hasSize(PeerExchange.MAX_RECEIVED_PER_WINDOW);

        Peer polite = connect("8.8.4.4:6881", false, true, null);
        for (int i = 0; i < 10; i++) {
            pexFrom(polite, List.of("1.2.4." + (i + 1) + ":6881"));
            now += 60 * SECOND;
        }
        assertThat(discovered).hasSize(PeerExchange.MAX_RECEIVED_PER_WINDOW + 10);
    }

    @Test
    void anOversizedOrMalformedPexMessageIsRefused() throws Exception {
        Peer peer = connect("8.8.8.8:6881", false, true, null);
        byte[] tooMany = new byte[(PexMessage.MAX_PEERS_PER_LIST + 1) * 6];
        for (int i = 0; i < PexMessage.MAX_PEERS_PER_LIST + 1; i++) {
            tooMany[i * 6] = 1;
            tooMany[i * 6 + 3] = (byte) i;
            tooMany[i * 6 + 5] = 1;
        }
        byte[] payload = org.enjambre.bencode.BDict.builder().put("added", tooMany).build().encode();
        assertThatThrownBy(() -> peer.extensions.onExtended(ourPexId, payload))
                .isInstanceOf(ExtensionMessageException.class);
        assertThatThrownBy(() -> peer.extensions.onExtended(ourPexId, "d5:added5:abcdee".getBytes()))
                .isInstanceOf(ExtensionMessageException.class);
        assertThat(discovered).isEmpty();
    }

    @Test
    void lanAddressesAreNamedOnlyByPeersInTheSameKindOfPlace() throws Exception {
        assertThat(AddressScope.PUBLIC.mayName(AddressScope.PUBLIC)).isTrue();
        assertThat(AddressScope.PUBLIC.mayName(AddressScope.PRIVATE)).isFalse();
        assertThat(AddressScope.PUBLIC.mayName(AddressScope.LOOPBACK)).isFalse();
        assertThat(AddressScope.PRIVATE.mayName(AddressScope.PRIVATE)).isTrue();
        assertThat(AddressScope.PRIVATE.mayName(AddressScope.LOOPBACK)).isFalse();
        assertThat(AddressScope.LOOPBACK.mayName(AddressScope.LOOPBACK)).isTrue();
        assertThat(AddressScope.LOOPBACK.mayName(AddressScope.MULTICAST)).isFalse();
        assertThat(AddressScope.of(InetAddress.ofLiteral("127.0.0.1"))).isEqualTo(AddressScope.LOOPBACK);
    }
}
