package org.enjambre.testutil;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test that lets a Netty buffer be garbage-collected without {@code release()}: Netty's own
 * leak detector only logs such a leak (the "LEAK: ByteBuf.release() was not called" line), at a
 * time of the garbage collector's choosing, so a leak went by in a passing run. With
 * {@code @ExtendWith(NettyLeaks.class)} the class runs with the detector at paranoid level (every
 * buffer tracked, each access recorded), and after each test (and again after the class, once
 * the test instances, and whatever they still held, are gone) a few bounded rounds of
 * {@code System.gc()} bring the lost buffers out; a leak fails the test with the access records,
 * which say who allocated the buffer and who touched it last.
 *
 * <p>The detector is the one every {@link ByteBuf} shares ({@code AbstractByteBuf.leakDetector},
 * made when Netty's buffer classes load): a listener is set on it rather than a detector of our own
 * installed through {@code ResourceLeakDetectorFactory}, which works only if it happens before
 * any test in the JVM touched a buffer. Only traced leaks (allocated while some class ran at
 * paranoid level) fail a test; an untraced one was allocated outside such a class, and is printed.
 */
public final class NettyLeaks implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    /** Rounds of collection per sweep: a buffer lost by a test is reported within one or two. */
    private static final int SWEEP_ROUNDS = 4;
    /** Time for the reference handler to clear and enqueue what a collection found unreachable. */
    private static final long SWEEP_PAUSE_MILLIS = 50;
    private static final ConcurrentLinkedQueue<String> REPORTS = new ConcurrentLinkedQueue<>();
    private static boolean listening;
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(NettyLeaks.class);

    @Override
    public void beforeAll(ExtensionContext context) throws ClassNotFoundException {
        listen();
        // Vert.x turns Netty's leak detection off when its VertxImpl class loads (unless the level is
        // set as a system property): loaded now, before the level is set, not by the test's first Vertx.
        Class.forName("io.vertx.core.impl.VertxImpl", true, NettyLeaks.class.getClassLoader());
        ResourceLeakDetector.Level before = ResourceLeakDetector.getLevel();
        context.getStore(NAMESPACE).put("level", before);
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        // Leaks of the classes that ran before are theirs, not this class's.
        List<String> earlier = sweep();
        if (!earlier.isEmpty()) {
            System.err.println(describe(earlier, "before " + context.getDisplayName()));
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        failOnTraced(sweep(), context.getDisplayName());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        try {
            failOnTraced(sweep(), "after the tests of " + context.getDisplayName());
        } finally {
            ResourceLeakDetector.setLevel(context.getStore(NAMESPACE).get("level", ResourceLeakDetector.Level.class));
        }
    }

    /**
     * Collects garbage a few times and returns the leaks the detector reported meanwhile (traced
     * ones carry their access records). The detector looks for collected buffers only when it
     * tracks a new one, so each round allocates one.
     */
    public static List<String> sweep() {
        listen();
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID); // every allocation looks
        try {
            for (int round = 0; round < SWEEP_ROUNDS; round++) {
                System.gc();
                Thread.sleep(SWEEP_PAUSE_MILLIS);
                ByteBufAllocator.DEFAULT.buffer(1).release();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            ResourceLeakDetector.setLevel(level);
        }
        List<String> out = new ArrayList<>();
        for (String report; (report = REPORTS.poll()) != null; ) {
            out.add(report);
        }
        return out;
    }

    private static void failOnTraced(List<String> leaks, String where) {
        List<String> traced = leaks.stream().filter(r -> !r.isEmpty()).toList();
        if (leaks.size() > traced.size()) {
            System.err.println(describe(leaks.stream().filter(String::isEmpty).toList(), where));
        }
        if (!traced.isEmpty()) {
            throw new AssertionError(describe(traced, where));
        }
    }

    private static String describe(List<String> leaks, String where) {
        StringBuilder s = new StringBuilder().append(leaks.size())
                .append(" Netty buffer(s) garbage-collected without release(), found ").append(where).append(':');
        for (String records : leaks) {
            s.append(records.isEmpty() ? "\n(untraced: allocated while leak detection was sampling)" : records);
        }
        return s.toString();
    }

    /** Sets the listener on the detector all buffers share (once per JVM). */
    private static synchronized void listen() {
        if (listening) {
            return;
        }
        try {
            Field field = Class.forName("io.netty.buffer.AbstractByteBuf").getDeclaredField("leakDetector");
            field.setAccessible(true);
            ResourceLeakDetector<?> detector = (ResourceLeakDetector<?>) field.get(null);
            detector.setLeakListener((resourceType, records) -> REPORTS.add(records));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Netty's buffer leak detector is not where this Netty version kept it", e);
        }
        listening = true;
    }
}
