package org.enjambre.hash;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.ValueLayout;

/**
 * The one shape this room links its one-shot native function with: four 64-bit arguments and a
 * 64-bit result, pointers passed as addresses in longs. The FFM linker spins and compiles a stub
 * for every distinct (descriptor, options) pair it is asked for (~20-40 ms of CPU at a JVM's start,
 * which a one-shot {@code create} pays in full) and reuses it for every function of the same shape.
 * (libc's {@code syscall}, for the read leases of mapped hashing, shared it until plain reads
 * replaced the mappings.)
 *
 * <p>A function with fewer parameters ignores the extra ones (on x86-64 and AArch64 they are
 * registers the callee never reads).
 */
final class Downcalls {
    /** {@code long f(long, long, long, long)}, no linker options (a plain, non-critical call). */
    static final FunctionDescriptor FOUR_LONGS = FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG);

    private Downcalls() {
    }
}
