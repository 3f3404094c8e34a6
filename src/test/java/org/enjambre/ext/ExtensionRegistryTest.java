package org.enjambre.ext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.enjambre.net.PeerAddress;
import org.enjambre.wire.ext.ExtendedHandshake;
import org.enjambre.wire.ext.ExtensionMessageException;
import org.junit.jupiter.api.Test;

class ExtensionRegistryTest {

    /** A connection that records what the seam sent and whether it was closed. */
    static final class RecordingPeer implements ExtensionPeer {
        record Sent(int extendedId, byte[] payload) {
            String text() {
                return new String(payload, StandardCharsets.ISO_8859_1);
            }
        }

        final PeerAddress address;
        final List<Sent> sent = new ArrayList<>();
        final List<String> closed = new ArrayList<>();

        RecordingPeer(String address) {
            this.address = PeerAddress.parse(address);
        }

        @Override
        public Optional<PeerAddress> address() {
            return Optional.of(address);
        }

        @Override
        public void sendExtended(int extendedId, byte[] payload) {
            sent.add(new Sent(extendedId, payload));
        }

        @Override
        public void close(String reason) {
            closed.add(reason);
        }
    }

    /** An extension that records what reached it, and can answer through its channel. */
    static final class RecordingExtension implements Extension {
        final String name;
        final ExtensionChannel channel;
        final List<String> events = new ArrayList<>();

        RecordingExtension(String name, ExtensionChannel channel) {
            this.name = name;
            this.channel = channel;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void addHandshakeFields(ExtendedHandshake.Builder handshake) {
            if (name.equals("ut_metadata")) {
                handshake.metadataSize(31235);
            }
        }

        @Override
        public void onHandshake(ExtendedHandshake theirs) {
            events.add("handshake " + theirs.extensionIds());
        }

        @Override
        public void onMessage(byte[] payload) throws ExtensionMessageException {
            String text = new String(payload, StandardCharsets.ISO_8859_1);
            if (text.equals("bad")) {
                throw new ExtensionMessageException(name + ": bad");
            }
            events.add("message " + text);
        }

        @Override
        public void onPieceVerified(int index) {
            events.add("verified " + index);
        }

        @Override
        public void onClose() {
            events.add("closed");
        }
    }

    private final List<RecordingExtension> made = new ArrayList<>();

    private ExtensionRegistry registry() {
        ExtensionRegistry registry = new ExtensionRegistry(ExtensionRegistry.LocalInfo.of(OptionalInt.of(6881), 250));
        assertThat(registry.register("ut_metadata", c -> record(new RecordingExtension("ut_metadata", c)))).isEqualTo(1);
        assertThat(registry.register("ut_pex", c -> record(new RecordingExtension("ut_pex", c)))).isEqualTo(2);
        return registry;
    }

    private RecordingExtension record(RecordingExtension e) {
        made.add(e);
        return e;
    }

    private static byte[] b(String latin1) {
        return latin1.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void ourHandshakeCarriesOurIdsVersionPortReqqTheirAddressAndWhatExtensionsAdd() throws Exception {
        RecordingPeer peer = new RecordingPeer("127.0.0.7:51413");
        registry().attach(peer).sendHandshake();

        assertThat(peer.sent).hasSize(1);
        assertThat(peer.sent.get(0).extendedId()).isZero();
        assertThat(peer.sent.get(0).text()).isEqualTo("d1:md11:ut_metadatai1e6:ut_pexi2ee13:metadata_sizei31235e"
                + "1:pi6881e4:reqqi250e1:v14:Enjambre 0.1.06:yourip4:\u007f\u0000\u0000\u0007e");
        ExtendedHandshake sent = ExtendedHandshake.decode(peer.sent.get(0).payload());
        assertThat(sent.extensionIds()).isEqualTo(Map.of("ut_metadata", 1, "ut_pex", 2));
        assertThat(sent.yourIp()).contains(InetAddress.ofLiteral("127.0.0.7"));
    }

    @Test
    void withoutAKnownListenPortOrAnIpTheHandshakeLeavesThemOut() throws Exception {
        ExtensionRegistry registry = new ExtensionRegistry(ExtensionRegistry.LocalInfo.of(OptionalInt.empty(), 16));
        RecordingPeer peer = new RecordingPeer("peer.example:6881");
        registry.attach(peer).sendHandshake();
        assertThat(peer.sent.get(0).text()).isEqualTo("d1:mde4:reqqi16e1:v14:Enjambre 0.1.0e");
    }

    @Test
    void messagesGoByOurLocalIdToTheExtensionOfThatConnectionOnly() throws Exception {
        ExtensionRegistry registry = registry();
        ConnectionExtensions first = registry.attach(new RecordingPeer("127.0.0.1:1001"));
        ConnectionExtensions second = registry.attach(new RecordingPeer("127.0.0.2:1002"));
        RecordingExtension firstMetadata = made.get(0);
        RecordingExtension firstPex = made.get(1);
        RecordingExtension secondPex = made.get(3);

        first.onExtended(2, b("added"));
        first.onExtended(1, b("request"));
        second.onExtended(2, b("dropped"));

        assertThat(firstPex.events).containsExactly("message added");
        assertThat(firstMetadata.events).containsExactly("message request");
        assertThat(secondPex.events).containsExactly("message dropped");
        assertThat(made.get(2).events).isEmpty();
    }

    @Test
    void anExtensionSendsUnderTheIdThePeerChoseForItsName() throws Exception {
        RecordingPeer peer = new RecordingPeer("127.0.0.1:1001");
        ConnectionExtensions extensions = registry().attach(peer);
        RecordingExtension metadata = made.get(0);
        assertThat(metadata.channel.peerSupports()).isFalse();
        assertThatThrownBy(() -> metadata.channel.send(b("early"))).isInstanceOf(IllegalStateException.class);

        extensions.onExtended(0, b("d1:md11:ut_metadatai3e6:ut_pexi9eee"));
        metadata.channel.send(b("d8:msg_typei0e5:piecei0ee"));

        assertThat(peer.sent).extracting(RecordingPeer.Sent::extendedId).containsExactly(3);
        assertThat(metadata.events).containsExactly("handshake {ut_metadata=3, ut_pex=9}");
        assertThat(extensions.theirIds()).isEqualTo(Map.of("ut_metadata", 3, "ut_pex", 9));
        assertThat(metadata.channel.peerHandshake()).isPresent();
    }

    @Test
    void aLaterHandshakeChangesOrTurnsOffOneExtensionAndLeavesTheOthers() throws Exception {
        ConnectionExtensions extensions = registry().attach(new RecordingPeer("127.0.0.1:1001"));
        extensions.onExtended(0, b("d1:md11:ut_metadatai3e6:ut_pexi9eee"));
        extensions.onExtended(0, b("d1:md6:ut_pexi0eee"));
        assertThat(extensions.theirIds()).isEqualTo(Map.of("ut_metadata", 3));
        assertThat(made.get(1).channel.peerSupports()).isFalse();
        assertThat(made.get(0).channel.peerSupports()).isTrue();
        extensions.onExtended(0, b("d1:md11:ut_metadatai4eee"));
        assertThat(extensions.theirIds()).isEqualTo(Map.of("ut_metadata", 4));
    }

    @Test
    void refusesAnIdWeNeverGaveAndAMalformedHandshakeOrPayload() throws Exception {
        ConnectionExtensions extensions = registry().attach(new RecordingPeer("127.0.0.1:1001"));
        assertThatThrownBy(() -> extensions.onExtended(3, b("x")))
                .isInstanceOf(ExtensionMessageException.class).hasMessageContaining("id 3 was never given out");
        assertThatThrownBy(() -> extensions.onExtended(0, b("d1:mi1ee")))
                .isInstanceOf(ExtensionMessageException.class).hasMessageContaining("\"m\" is not a dictionary");
        assertThatThrownBy(() -> extensions.onExtended(2, b("bad")))
                .isInstanceOf(ExtensionMessageException.class).hasMessage("ut_pex: bad");
        assertThat(extensions.theirHandshake()).isEmpty();
    }

    @Test
    void pieceEventsReachEveryAttachedConnectionUntilItCloses() {
        ExtensionRegistry registry = registry();
        ConnectionExtensions first = registry.attach(new RecordingPeer("127.0.0.1:1001"));
        registry.attach(new RecordingPeer("127.0.0.2:1002"));
        assertThat(registry.attachedCount()).isEqualTo(2);

        registry.pieceVerified(4);
        first.close();
        first.close();
        registry.pieceVerified(5);

        assertThat(made.get(0).events).containsExactly("verified 4", "closed");
        assertThat(made.get(1).events).containsExactly("verified 4", "closed");
        assertThat(made.get(2).events).containsExactly("verified 4", "verified 5");
        assertThat(registry.attachedCount()).isEqualTo(1);
    }

    @Test
    void aClosedConnectionIgnoresLateMessagesAndSendsNothing() throws Exception {
        RecordingPeer peer = new RecordingPeer("127.0.0.1:1001");
        ConnectionExtensions extensions = registry().attach(peer);
        extensions.onExtended(0, b("d1:md6:ut_pexi1eee"));
        extensions.close();
        extensions.onExtended(2, b("late"));
        made.get(1).channel.send(b("after close"));
        assertThat(made.get(1).events).containsExactly("handshake {ut_pex=1}", "closed");
        assertThat(peer.sent).isEmpty();
    }

    @Test
    void anExtensionClosesTheConnectionThroughItsChannelWithItsNameInTheReason() {
        RecordingPeer peer = new RecordingPeer("127.0.0.1:1001");
        registry().attach(peer);
        made.get(1).channel.close("too many messages");
        assertThat(peer.closed).containsExactly("ut_pex: too many messages");
    }

    @Test
    void refusesATwiceRegisteredNameAndAFactoryThatMakesAnotherExtension() {
        ExtensionRegistry registry = registry();
        assertThatThrownBy(() -> registry.register("ut_pex", c -> new RecordingExtension("ut_pex", c)))
                .isInstanceOf(IllegalArgumentException.class);
        registry.register("lt_donthave", c -> new RecordingExtension("ut_other", c));
        assertThatThrownBy(() -> registry.attach(new RecordingPeer("127.0.0.1:1"))).isInstanceOf(IllegalStateException.class);
    }
}
