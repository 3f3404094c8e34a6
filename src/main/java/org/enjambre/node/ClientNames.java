package org.enjambre.node;

import java.util.Map;

/**
 * Names a peer's client from its peer id (BEP 20): Azureus style {@code -XXvvvv-}
 * ({@code -EJ0001-} is "Enjambre 0.0.1", {@code -lt0D80-} libtorrent, {@code -TR3000-}
 * Transmission 3.00), aria2's {@code A2-1-36-0-}, and Shad0w style ({@code M4-3-6--} Mainline).
 * Unknown ids give "unknown" plus the printable prefix: the result is plain text but still
 * untrusted (the page escapes it), and never longer than a few dozen characters.
 */
public final class ClientNames {
    private static final Map<String, String> AZUREUS = Map.ofEntries(
            Map.entry("EJ", "Enjambre"), Map.entry("lt", "libtorrent"), Map.entry("LT", "libtorrent (Rasterbar)"),
            Map.entry("TR", "Transmission"), Map.entry("qB", "qBittorrent"), Map.entry("DE", "Deluge"),
            Map.entry("UT", "\u00b5Torrent"), Map.entry("UM", "\u00b5Torrent Mac"), Map.entry("AZ", "Vuze"),
            Map.entry("BT", "BitTorrent"), Map.entry("KT", "KTorrent"), Map.entry("BI", "BiglyBT"),
            Map.entry("WW", "WebTorrent"), Map.entry("AG", "Ares"), Map.entry("BC", "BitComet"),
            Map.entry("FD", "Free Download Manager"), Map.entry("RT", "rTorrent"), Map.entry("TX", "Tixati"),
            Map.entry("PI", "PicoTorrent"), Map.entry("FW", "FrostWire"), Map.entry("XL", "Xunlei"));
    private static final Map<Character, String> SHADOW = Map.of(
            'M', "Mainline", 'S', "Shadow", 'T', "BitTornado", 'A', "ABC", 'O', "Osprey", 'Q', "BTQueue", 'R', "Tribler");

    private ClientNames() {
    }

    /** The client's name and version, e.g. "Enjambre 0.0.1"; {@code null} or short ids give "unknown". */
    public static String of(byte[] peerId) {
        if (peerId == null || peerId.length < 8) {
            return "unknown";
        }
        String id = new String(peerId, 0, Math.min(peerId.length, 20), java.nio.charset.StandardCharsets.ISO_8859_1);
        if (id.charAt(0) == '-' && id.charAt(7) == '-' && alnum(id, 1, 7)) {
            String code = id.substring(1, 3);
            String name = AZUREUS.getOrDefault(code, "unknown (" + code + ")");
            return name + " " + azureusVersion(code, id.substring(3, 7));
        }
        if (id.startsWith("A2-")) {
            // aria2: A2-MAJOR-MINOR-PATCH- with numbers of any width.
            String[] parts = id.substring(3).split("-", 4);
            if (parts.length >= 3 && digits(parts[0]) && digits(parts[1]) && digits(parts[2])) {
                return "aria2 " + parts[0] + "." + parts[1] + "." + parts[2];
            }
        }
        char first = id.charAt(0);
        if (SHADOW.containsKey(first) && id.charAt(2) == '-' || (SHADOW.containsKey(first) && id.matches("^.\\d-\\d+-\\d+-.*"))) {
            // Mainline style: M4-3-6-- (letter, then dash-separated version).
            String[] parts = id.substring(1).split("-");
            StringBuilder v = new StringBuilder();
            for (String p : parts) {
                if (!digits(p)) {
                    break;
                }
                v.append(v.length() == 0 ? "" : ".").append(p);
            }
            if (v.length() > 0) {
                return SHADOW.get(first) + " " + v;
            }
        }
        return "unknown (" + printable(id.substring(0, 8)) + ")";
    }

    private static String azureusVersion(String code, String v) {
        if (code.equals("TR")) {
            // Transmission: -TR3000- is 3.00, -TR2940- 2.94 (major, then two minor digits).
            return Character.digit(v.charAt(0), 36) + "." + v.substring(1, 3);
        }
        if (code.equals("qB")) {
            return Character.digit(v.charAt(0), 36) + "." + Character.digit(v.charAt(1), 36) + "." + Character.digit(v.charAt(2), 36);
        }
        // libtorrent and most others: one character per component, A=10, B=11... A trailing zero
        // component is dropped (-lt0D80- is 0.13.8), else a leading one (-EJ0001- is 0.0.1).
        int from = 0;
        int to = 4;
        if (v.charAt(3) == '0') {
            to = 3;
        } else if (v.charAt(0) == '0') {
            from = 1;
        }
        StringBuilder out = new StringBuilder();
        for (int i = from; i < to; i++) {
            if (i > from) {
                out.append('.');
            }
            out.append(Character.digit(v.charAt(i), 36));
        }
        return out.toString();
    }

    private static boolean alnum(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.')) {
                return false;
            }
        }
        return true;
    }

    private static boolean digits(String s) {
        if (s.isEmpty() || s.length() > 4) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static String printable(String s) {
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            out.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return out.toString();
    }
}
