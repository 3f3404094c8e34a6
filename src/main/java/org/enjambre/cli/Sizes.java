package org.enjambre.cli;

import java.util.Locale;
import picocli.CommandLine;

/** Byte counts for people: {@code 1.5 MiB} out, {@code 256K}/{@code 1M}/{@code 1MiB} in. */
final class Sizes {
    private Sizes() {
    }

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return rounded(v, v >= 100 ? 0 : 1) + " " + units[u];
    }

    /**
     * What {@code String.format(Locale.ROOT, "%.1f")} (or {@code "%.0f"}) prints for {@code 1 <= v < 1024}:
     * the shortest decimal of the double ({@link Double#toString}), rounded half up. By hand, not
     * with java.util.Formatter (its locale look-ups: DecimalFormatSymbols, the CLDR provider,
     * resource bundles) nor BigDecimal (BigInteger's set-up): either cost create's report line
     * 10-40 ms of a short run.
     */
    private static String rounded(double v, int decimals) {
        String shortest = Double.toString(v); // plain "ddd.ddd…" for 1 <= v < 10^7
        int dot = shortest.indexOf('.');
        long whole = Long.parseLong(shortest, 0, dot, 10);
        long scaled = whole;
        for (int i = 1; i <= decimals; i++) {
            scaled = scaled * 10 + digitAt(shortest, dot + i);
        }
        if (digitAt(shortest, dot + decimals + 1) >= 5) {
            scaled++;
        }
        if (decimals == 0) {
            return Long.toString(scaled);
        }
        return scaled / 10 + "." + scaled % 10;
    }

    private static int digitAt(String decimal, int index) {
        return index < decimal.length() ? decimal.charAt(index) - '0' : 0;
    }

    /** Parses {@code 262144}, {@code 256K}, {@code 256KiB}, {@code 1M}, {@code 1MiB}, {@code 1G} (binary units). */
    static long parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        long multiplier = 1;
        if (t.endsWith("IB")) {
            t = t.substring(0, t.length() - 2);
        } else if (t.endsWith("B")) {
            t = t.substring(0, t.length() - 1);
        }
        if (t.endsWith("K")) {
            multiplier = 1L << 10;
        } else if (t.endsWith("M")) {
            multiplier = 1L << 20;
        } else if (t.endsWith("G")) {
            multiplier = 1L << 30;
        }
        if (multiplier > 1) {
            t = t.substring(0, t.length() - 1);
        }
        if (t.isEmpty() || t.length() > 12 || !allDigits(t)) {
            throw new IllegalArgumentException("not a size in bytes: '" + text + "' (examples: 262144, 256K, 1M)");
        }
        return Long.parseLong(t) * multiplier;
    }

    /** Plain loop, not a stream: {@code create}'s start pays for every lambda class it loads. */
    static boolean allDigits(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** picocli converter, so a bad size is a usage error naming the option. */
    static final class Converter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
