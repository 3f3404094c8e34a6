package org.enjambre.testutil;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Raw client sockets for tests that play a misbehaving client: each opened from a chosen loopback
 * address (127.0.0.2 stands for another machine), all closed by {@link #close()}.
 */
public final class LoopbackSockets implements AutoCloseable {
    private final List<Socket> opened = new ArrayList<>();

    /** A socket from {@code from} (a 127.x address) to {@code 127.0.0.1:port}. */
    public Socket open(String from, int port) throws IOException {
        Socket s = new Socket();
        opened.add(s);
        s.bind(new InetSocketAddress(from, 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        return s;
    }

    /**
     * Reads (and drops) whatever the server sends until it closes the socket (true: EOF or reset)
     * or {@code waitMillis} pass with the socket still open (false).
     */
    public static boolean closedWithin(Socket s, long waitMillis) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        InputStream in = s.getInputStream();
        byte[] sink = new byte[4096];
        while (true) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                return false;
            }
            s.setSoTimeout((int) left);
            try {
                if (in.read(sink) < 0) {
                    return true;
                }
            } catch (SocketTimeoutException open) {
                return false;
            } catch (SocketException reset) {
                return true;
            }
        }
    }

    /** Sends {@code GET path} (HTTP/1.1, keep-alive) on {@code s} and returns the first bytes of the answer. */
    public static String get(Socket s, String path) throws IOException {
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        s.setSoTimeout(5_000);
        byte[] buf = new byte[8192];
        int n = s.getInputStream().read(buf);
        return n < 0 ? "" : new String(buf, 0, n, StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        for (Socket s : opened) {
            s.close();
        }
        opened.clear();
    }
}
