package org.enjambre.net;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which socket transport a node's Vert.x runs on: Netty's native epoll transport on Linux (fewer
 * system calls and no selector garbage per accepted connection, which a tracker answering a new
 * connection per announce pays on every request), Java NIO elsewhere or when
 * {@code -Denjambre.native-transport=false} asks for it (to compare the two).
 */
public final class NativeTransport {
    private static final Logger LOG = LoggerFactory.getLogger(NativeTransport.class);
    /** The system property that turns the native transport off. */
    public static final String PROPERTY = "enjambre.native-transport";

    private NativeTransport() {
    }

    /** {@code options}, asked to prefer the native transport unless the property says false. */
    public static VertxOptions prefer(VertxOptions options) {
        return options.setPreferNativeTransport(!"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true")));
    }

    /** Says in one line which transport {@code vertx} got, and why not the native one if it was asked for. */
    public static void report(Vertx vertx, VertxOptions options) {
        if (vertx.isNativeTransportEnabled()) {
            LOG.info("socket transport: native (epoll)");
        } else if (options.getPreferNativeTransport()) {
            Throwable cause = vertx.unavailableNativeTransportCause();
            LOG.info("socket transport: Java NIO (native unavailable: {})", cause == null ? "unknown" : cause.toString());
        } else {
            LOG.info("socket transport: Java NIO ({}=false)", PROPERTY);
        }
    }

    /**
     * Whether {@code error} says a listening port is taken: Java NIO throws a {@code BindException},
     * the epoll transport an {@code IOException} (Netty's {@code NativeIoException}) with the C
     * library's text for EADDRINUSE.
     */
    public static boolean addressInUse(Throwable error) {
        return error instanceof java.net.BindException
                || error instanceof java.io.IOException && error.getMessage() != null
                        && error.getMessage().contains("Address already in use");
    }
}
