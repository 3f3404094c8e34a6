package org.enjambre.net;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.enjambre.testutil.FuzzCorpus;
import org.junit.jupiter.api.Test;

/**
 * Fuzz target {@code peer-address}: the input read both ways, as {@code host:port} text (UTF-8) and
 * as compact peers (BEP 23 IPv4 and BEP 7 IPv6 entries). Text is parsed or refused with an
 * {@link IllegalArgumentException}; a parsed address writes out as text that parses to the same
 * address, and an IP one codes to a compact entry that decodes to it. Compact peers decode or are
 * refused with an {@link IllegalArgumentException}, and encode back to the input less the entries
 * with port 0 (which cannot be dialled and are skipped).
 */
class PeerAddressFuzzTest {
    static final String TARGET = "peer-address";

    static void check(byte[] input) {
        checkText(new String(input, StandardCharsets.UTF_8));
        checkCompact(input, PeerAddress.COMPACT_IPV4, false);
        checkCompact(input, PeerAddress.COMPACT_IPV6, true);
    }

    private static void checkText(String text) {
        PeerAddress a;
        try {
            a = PeerAddress.parse(text);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        assertThat(a.port()).isBetween(1, 65535);
        assertThat(PeerAddress.parse(a.toString())).isEqualTo(a);
        if (a.ip().isPresent()) {
            byte[] compact = a.compact();
            assertThat(PeerAddress.fromCompact(compact, 0, compact.length)).isEqualTo(a);
            assertThat(a.socketAddress().isUnresolved()).isFalse();
        } else {
            assertThat(a.socketAddress().isUnresolved()).as("a name is never looked up").isTrue();
        }
    }

    private static void checkCompact(byte[] input, int entry, boolean ipv6) {
        List<PeerAddress> peers;
        try {
            peers = PeerAddress.decodeCompact(input, entry);
        } catch (IllegalArgumentException e) {
            assertThat(input.length % entry).as("only a ragged length is refused").isNotZero();
            return;
        }
        byte[] dialable = new byte[input.length];
        int n = 0;
        for (int at = 0; at < input.length; at += entry) {
            boolean hasPort = input[at + entry - 2] != 0 || input[at + entry - 1] != 0;
            // An IPv4-mapped IPv6 entry is read as the IPv4 address it names, which an IPv6 list leaves out.
            if (hasPort && !(ipv6 && ipv4Mapped(input, at))) {
                System.arraycopy(input, at, dialable, n, entry);
                n += entry;
            }
        }
        assertThat(PeerAddress.encodeCompact(peers, ipv6)).isEqualTo(Arrays.copyOf(dialable, n));
        for (PeerAddress p : peers) {
            assertThat(PeerAddress.parse(p.toString())).isEqualTo(p);
        }
    }

    private static boolean ipv4Mapped(byte[] b, int at) {
        for (int i = 0; i < 10; i++) {
            if (b[at + i] != 0) {
                return false;
            }
        }
        return b[at + 10] == (byte) 0xff && b[at + 11] == (byte) 0xff;
    }

    @FuzzTest
    void peerAddress(byte[] input) {
        check(input);
    }

    @Test
    void everySeedAddressRoundTripsOrIsRefused() {
        FuzzCorpus.replay(TARGET, PeerAddressFuzzTest::check);
    }

    @Test
    void mutatedSeedAddressesRoundTripOrAreRefused() {
        int tried = FuzzCorpus.mutate(TARGET, 42L, 10_000,
                FuzzCorpus.tokens(":", "[", "]", "::", "::ffff:", "%eth0", ":0", ":65535", ":65536", ":-1", ":+80",
                        "127.0.0.1", "0x7f.1", "1.2.3.04", "\u0000\u0000", "\u00ff\u00ff", "localhost", "\u0130"),
                PeerAddressFuzzTest::check);
        assertThat(tried).isPositive();
    }
}
