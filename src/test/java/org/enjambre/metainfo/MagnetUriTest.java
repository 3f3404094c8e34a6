package org.enjambre.metainfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.enjambre.net.PeerAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MagnetUriTest {
    private static final String HEX = "c12fe1c06bba254a9dc9f519b335aa7c1367a88a";

    @Test
    void parsesHexHashNameTrackersAndPeers() {
        MagnetUri m = MagnetUri.parse("magnet:?xt=urn:btih:" + HEX.toUpperCase()
                + "&dn=My+File%20%C3%B1.iso"
                + "&tr=http%3A%2F%2F127.0.0.1%3A6969%2Fannounce&tr=udp://127.0.0.1:6969"
                + "&x.pe=127.0.0.1:6881&x.pe=%5B%3A%3A1%5D%3A51413&x.pe=peer.example:80");
        assertThat(m.infoHash().hex()).isEqualTo(HEX);
        assertThat(m.displayName()).isEqualTo("My File ñ.iso");
        assertThat(m.trackers()).containsExactly("http://127.0.0.1:6969/announce", "udp://127.0.0.1:6969");
        assertThat(m.peers()).containsExactly(new PeerAddress("127.0.0.1", 6881),
                new PeerAddress("::1", 51413), new PeerAddress("peer.example", 80));
    }

    @Test
    void base32HashGivesTheSameInfoHashAsHex() {
        InfoHash h = InfoHash.fromHex(HEX);
        MagnetUri m = MagnetUri.parse("magnet:?xt=urn:btih:" + h.base32());
        assertThat(m.infoHash()).isEqualTo(h);
        assertThat(MagnetUri.parse("magnet:?xt=urn:btih:" + h.base32().toLowerCase()).infoHash()).isEqualTo(h);
    }

    @Test
    void formatsAndParsesBackToTheSameLink() {
        MagnetUri m = new MagnetUri(InfoHash.fromHex(HEX), "a & b/ñ", List.of("http://t.example/announce?x=1&y=2"),
                List.of(new PeerAddress("::1", 7000), new PeerAddress("10.0.0.1", 7001)));
        String text = m.toString();
        assertThat(text).startsWith("magnet:?xt=urn:btih:" + HEX + "&dn=a%20%26%20b%2F%C3%B1&tr=http%3A%2F%2Ft.example");
        assertThat(text).contains("&x.pe=%5B%3A%3A1%5D%3A7000&x.pe=10.0.0.1%3A7001");
        assertThat(MagnetUri.parse(text)).isEqualTo(m);
    }

    @Test
    void numberedKeysAndUnknownParametersAreAccepted() {
        MagnetUri m = MagnetUri.parse("magnet:?xt.1=urn:btih:" + HEX + "&tr.1=http://a/announce&tr.2=http://b/announce"
                + "&xt.2=urn:btmh:1220abcd&so=0-3&&");
        assertThat(m.trackers()).containsExactly("http://a/announce", "http://b/announce");
        assertThat(m.displayName()).isNull();
    }

    @Test
    void fromMetainfoCarriesHashNameAndTrackers(@TempDir Path dir) throws Exception {
        Path f = Files.write(dir.resolve("data.bin"), new byte[1000]);
        Metainfo meta = TorrentBuilder.forPath(f).trackers(List.of("http://127.0.0.1:1/announce", "http://127.0.0.1:2/announce")).build();
        MagnetUri m = MagnetUri.of(meta);
        assertThat(m.infoHash()).isEqualTo(meta.infoHash());
        assertThat(m.displayName()).isEqualTo("data.bin");
        assertThat(m.trackers()).containsExactly("http://127.0.0.1:1/announce", "http://127.0.0.1:2/announce");
        assertThat(m.toString()).isEqualTo("magnet:?xt=urn:btih:" + meta.infoHash().hex()
                + "&dn=data.bin&tr=http%3A%2F%2F127.0.0.1%3A1%2Fannounce&tr=http%3A%2F%2F127.0.0.1%3A2%2Fannounce");
    }

    @Test
    void notAMagnetLinkIsRefused() {
        assertThatThrownBy(() -> MagnetUri.parse("http://example/?xt=urn:btih:" + HEX))
                .isInstanceOf(MetainfoException.class).hasMessageContaining("must start with magnet:?");
    }

    @Test
    void linkWithoutBtihIsRefused() {
        assertThatThrownBy(() -> MagnetUri.parse("magnet:?dn=x&xt=urn:sha1:abc"))
                .isInstanceOf(MetainfoException.class).hasMessageContaining("no xt=urn:btih:");
    }

    @Test
    void hashOfWrongLengthOrAlphabetIsRefused() {
        assertThatThrownBy(() -> MagnetUri.parse("magnet:?xt=urn:btih:abc"))
                .isInstanceOf(MetainfoException.class).hasMessageContaining("40 hex digits or 32 base32");
        assertThatThrownBy(() -> MagnetUri.parse("magnet:?xt=urn:btih:" + "g".repeat(40)))
                .isInstanceOf(MetainfoException.class).hasMessageContaining("not a hex info-hash");
        assertThatThrownBy(() -> MagnetUri.parse("magnet:?xt=urn:btih:" + "1".repeat(32)))
                .isInstanceOf(MetainfoException.class).hasMessageContaining("not a base32 info-hash");
    }

    @Test
    void twoDifferentHashesAreRefused() {
        assertThatThrownBy(() -> MagnetUri.parse("magnet:?xt=urn:btih:" + HEX + "&xt=urn:btih:" + "0".repeat(40)))
                .isInstanceOf(MetainfoException.class).hasMessageContaining("two different info-hashes");
    }

    @Test
    void badPercentEscapeIsRefused() {
        assertThatThrownBy(() -> MagnetUri.parse("magnet:?xt=urn:btih:" + HEX + "&dn=a%zz"))
                .isInstanceOf(MetainfoException.class).hasMessageContaining("bad percent-escape");
        assertThatThrownBy(() -> MagnetUri.parse("magnet:?xt=urn:btih:" + HEX + "&dn=a%4"))
                .isInstanceOf(MetainfoException.class).hasMessageContaining("truncated percent-escape");
    }

    @Test
    void percentEscapeWithNonAsciiDigitsIsRefused() {
        assertThatThrownBy(() -> MagnetUri.parse("magnet:?xt=urn:btih:" + HEX + "&dn=a%\u0661\u0661"))
                .isInstanceOf(MetainfoException.class).hasMessageContaining("bad percent-escape");
    }

    @Test
    void base32HashWhoseLettersGrowWhenUpperCasedIsRefusedNotACrash() {
        // Found by the magnet fuzz target: "ß".toUpperCase() is "SS", 32 characters became 34.
        assertThatThrownBy(() -> MagnetUri.parse("magnet:?xt=urn:btih:\u00df\u00dfYEX6DQDLXISKTHOJ6UM3GNNKPQJWPK"))
                .isInstanceOf(MetainfoException.class).hasMessageContaining("not a base32 info-hash");
        assertThat(MagnetUri.parse("magnet:?xt=urn:btih:yex6dqdlxiskthoj6um3gnnkpqjwpkek").infoHash())
                .isEqualTo(MagnetUri.parse("magnet:?xt=urn:btih:YEX6DQDLXISKTHOJ6UM3GNNKPQJWPKEK").infoHash());
    }

    @Test
    void parameterWithoutValueIsRefused() {
        assertThatThrownBy(() -> MagnetUri.parse("magnet:?xt=urn:btih:" + HEX + "&dn"))
                .isInstanceOf(MetainfoException.class).hasMessageContaining("without a value");
    }

    @Test
    void badPeerAddressesAreRefused() {
        for (String bad : List.of("127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "::1:80", "[::1]80", "[::1]:x", ":80")) {
            assertThatThrownBy(() -> MagnetUri.parse("magnet:?xt=urn:btih:" + HEX + "&x.pe=" + bad))
                    .as(bad).isInstanceOf(MetainfoException.class).hasMessageContaining("peer");
        }
    }

    @Test
    void overlongLinkIsRefused() {
        assertThatThrownBy(() -> MagnetUri.parse("magnet:?xt=urn:btih:" + HEX + "&dn=" + "a".repeat(MagnetUri.MAX_LENGTH)))
                .isInstanceOf(MetainfoException.class).hasMessageContaining("longer than");
    }
}
