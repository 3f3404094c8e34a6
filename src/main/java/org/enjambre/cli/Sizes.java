package org.enjambre.cli;

import java.math.BigDecimal;
import java.math.RoundingMode;
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
        // What String.format(Locale.ROOT, "%.1f"/"%.0f") prints (the shortest decimal of the double,
        // rounded half up), without java.util.Formatter: its locale look-ups (DecimalFormatSymbols,
        // the CLDR provider, resource bundles) cost create's report line ~10-40 ms of a short run.
        BigDecimal rounded = new BigDecimal(Double.toString(v)).setScale(v >= 100 ? 0 : 1, RoundingMode.HALF_UP);
        return rounded.toPlainString() + " " + units[u];
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
