package org.enjambre.tracker.protocol;

import java.util.ArrayList;
import java.util.List;

/** Reads a scrape query (BEP 48): zero or more {@code info_hash} values of 20 raw bytes. */
public final class ScrapeParser {
    /** Most info-hashes scraped in one request. */
    public static final int MAX_HASHES = 100;

    private ScrapeParser() {
    }

    /** The requested info-hashes in query order, duplicates dropped; empty means "all". */
    public static List<byte[]> parse(String rawQuery) throws TrackerRefusal {
        QueryString q = QueryString.parse(rawQuery);
        List<byte[]> values = q.all("info_hash");
        if (values.size() > MAX_HASHES) {
            throw new TrackerRefusal("too many info_hash values (limit " + MAX_HASHES + ")");
        }
        List<byte[]> hashes = new ArrayList<>(values.size());
        for (byte[] v : values) {
            if (v.length != 20) {
                throw new TrackerRefusal("invalid info_hash: must be 20 bytes, got " + v.length);
            }
            boolean seen = false;
            for (byte[] h : hashes) {
                seen |= java.util.Arrays.equals(h, v);
            }
            if (!seen) {
                hashes.add(v);
            }
        }
        return hashes;
    }
}
