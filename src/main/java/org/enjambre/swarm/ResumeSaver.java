package org.enjambre.swarm;

import java.time.Duration;
import java.util.BitSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When a torrent writes down its verified pieces as resume data ({@link PieceStore#saveResume}),
 * so that a restart need not check the data again: at most once per interval while pieces are
 * being verified, at once when the download completes, and a last time at a clean stop. A save
 * runs on a worker; the timer's saves never overlap, and a failed one is logged, never fatal, and
 * made again one interval later: the download goes on, and a restart without resume data rechecks.
 *
 * <p>Every method but {@link #saveAtStop} runs on the engine's context.
 */
final class ResumeSaver {
    private static final Logger LOG = LoggerFactory.getLogger(ResumeSaver.class);

    private final String name;
    private final PieceStore store;
    private final Workers workers;
    private final TorrentState state;
    private final long intervalNanos;
    private long nextSaveNanos;
    /** Pieces were verified since the last save began. */
    private boolean dirty;
    /** A save is running on a worker. */
    private boolean saving;

    /**
     * @param name     the torrent's name, for the log
     * @param state    whose verified pieces are saved
     * @param interval the least time between two of the timer's saves
     */
    ResumeSaver(String name, PieceStore store, Workers workers, TorrentState state, Duration interval) {
        this.name = name;
        this.store = store;
        this.workers = workers;
        this.state = state;
        this.intervalNanos = interval.toNanos();
    }

    /** The timer's first save is due one interval after the start. */
    void start(long now) {
        nextSaveNanos = now + intervalNanos;
    }

    /** A piece was verified: the next save that falls due has something to record. */
    void pieceVerified() {
        dirty = true;
    }

    /**
     * Every piece is verified: a finished download is worth remembering at once. If a save is
     * running, the timer makes the next one when the interval has passed.
     */
    void completed(long now) {
        if (!saving) {
            save(now);
        }
    }

    /** The engine's tick: saves once the interval has passed, if pieces were verified since the last save. */
    void tick(long now) {
        if (dirty && !saving && now - nextSaveNanos >= 0) {
            save(now);
        }
    }

    /**
     * The save of a clean stop, made on the worker that then closes the store (blocking): a restart
     * trusts it. A failure is logged, so that the store is closed all the same.
     */
    void saveAtStop(BitSet verified) {
        try {
            store.saveResume(verified);
        } catch (Exception e) {
            LOG.warn("{}: saving resume data failed: {}", name, e.getMessage());
        }
    }

    private void save(long now) {
        dirty = false;
        saving = true;
        nextSaveNanos = now + intervalNanos;
        BitSet verified = state.bitfield();
        workers.submit(() -> {
            store.saveResume(verified);
            return null;
        }).onComplete(ar -> {
            saving = false;
            if (ar.failed()) {
                // Tried again once the interval has passed, whether or not another piece is
                // verified meanwhile: a completed download verifies none, and its last save counts.
                dirty = true;
                LOG.warn("{}: saving resume data failed (trying again in {} s): {}", name,
                        intervalNanos / 1_000_000_000L, ar.cause().getMessage());
            }
        });
    }
}
