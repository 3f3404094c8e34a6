package org.enjambre.metainfo;

import java.util.ArrayList;
import java.util.List;

/**
 * Maps a byte range of a torrent's content (the files concatenated in order) to the parts of the
 * files that hold it. A piece may span several files; empty files hold no bytes.
 */
public final class FileLayout {
    private final List<TorrentFile> files;
    private final long[] starts;

    public FileLayout(List<TorrentFile> files) {
        this.files = List.copyOf(files);
        this.starts = new long[files.size()];
        for (int i = 0; i < starts.length; i++) {
            starts[i] = files.get(i).offset();
        }
    }

    /** A part of one file: {@code length} bytes at {@code fileOffset} of file {@code fileIndex}. */
    public record Slice(int fileIndex, long fileOffset, int length) {
    }

    public List<TorrentFile> files() {
        return files;
    }

    /** The slices, in order, that hold {@code length} bytes starting at {@code offset} of the content. */
    public List<Slice> slices(long offset, int length) {
        long total = files.isEmpty() ? 0 : files.get(files.size() - 1).end();
        if (offset < 0 || length < 0 || offset + length > total) {
            throw new IndexOutOfBoundsException("range " + offset + "+" + length + " outside content of " + total + " bytes");
        }
        List<Slice> out = new ArrayList<>(2);
        int i = firstFileAt(offset);
        long position = offset;
        int remaining = length;
        while (remaining > 0 && i < files.size()) {
            TorrentFile f = files.get(i);
            if (f.length() > 0 && position < f.end()) {
                int n = (int) Math.min(remaining, f.end() - position);
                out.add(new Slice(i, position - f.offset(), n));
                position += n;
                remaining -= n;
            }
            i++;
        }
        return out;
    }

    /** Index of the first file whose range contains {@code offset} (binary search over the starts). */
    private int firstFileAt(long offset) {
        return firstFileAt(starts, offset);
    }

    /**
     * Index of the first file starting at or before {@code offset}, given the files' ascending start
     * offsets; of several files starting at the same offset (empty ones), the first. Shared with the
     * torrent builder, which walks the same concatenated content while hashing.
     */
    static int firstFileAt(long[] starts, long offset) {
        int lo = 0;
        int hi = starts.length - 1;
        int found = 0;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (starts[mid] <= offset) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        // Several files may start at the same offset (empty ones): step back to the first of them.
        while (found > 0 && starts[found - 1] == starts[found]) {
            found--;
        }
        return found;
    }
}
