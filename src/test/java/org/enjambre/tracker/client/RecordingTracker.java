package org.enjambre.tracker.client;

import static org.enjambre.testutil.Futures.await;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SelfSignedCertificate;
import org.enjambre.bencode.BDict;
import org.enjambre.bencode.BList;
import org.enjambre.bencode.BValue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A small HTTP tracker for tests, on a real loopback socket: it records every request with its
 * raw query (percent-decoded back to bytes, so info_hash and peer_id can be compared byte for byte)
 * and answers what the test's behaviour says: real bencoded answers, HTTP errors, or silence.
 */
final class RecordingTracker {
    /** What the tracker does with one request. */
    interface Reply {
        /** A 200 answer with this bencoded body. */
        static Reply bencoded(BValue value) {
            return raw(200, value.encode());
        }

        static Reply raw(int status, byte[] body) {
            return request -> request.response().setStatusCode(status).end(Buffer.buffer(body));
        }

        /** Never answers (the client must time out). */
        static Reply silence() {
            return request -> { };
        }

        void answer(HttpServerRequest request);
    }

    /** One request as the tracker saw it. */
    record Recorded(long atNanos, String path, String rawQuery, Map<String, List<byte[]>> params) {
        byte[] bytes(String name) {
            List<byte[]> values = params.get(name);
            return values == null ? null : values.get(0);
        }

        String text(String name) {
            byte[] b = bytes(name);
            return b == null ? null : new String(b, StandardCharsets.ISO_8859_1);
        }

        long number(String name) {
            return Long.parseLong(text(name));
        }
    }

    private final HttpServer server;
    private final List<Recorded> requests = new ArrayList<>();
    private volatile Function<Recorded, Reply> behaviour;
    private String scheme = "http";

    private RecordingTracker(HttpServer server) {
        this.server = server;
    }

    static RecordingTracker start(Vertx vertx, Function<Recorded, Reply> behaviour) throws Exception {
        return start(vertx, new HttpServerOptions(), behaviour);
    }

    /** A tracker on {@code https://} with this certificate. */
    static RecordingTracker startTls(Vertx vertx, SelfSignedCertificate certificate, Function<Recorded, Reply> behaviour) throws Exception {
        RecordingTracker t = start(vertx, new HttpServerOptions().setSsl(true).setKeyCertOptions(certificate.keyCertOptions()), behaviour);
        t.scheme = "https";
        return t;
    }

    private static RecordingTracker start(Vertx vertx, HttpServerOptions options, Function<Recorded, Reply> behaviour) throws Exception {
        HttpServer server = vertx.createHttpServer(options);
        RecordingTracker tracker = new RecordingTracker(server);
        tracker.behaviour = behaviour;
        server.requestHandler(tracker::handle);
        await(server.listen(0, "127.0.0.1"));
        return tracker;
    }

    /** Answers every announce with {@code interval} seconds and these compact peers. */
    static Function<Recorded, Reply> compactAnswer(long interval, byte[] compactPeers) {
        return r -> Reply.bencoded(BDict.builder().put("interval", interval).put("complete", 1).put("incomplete", 2)
                .put("peers", compactPeers).build());
    }

    private void handle(HttpServerRequest request) {
        String uri = request.uri();
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        String rawQuery = q < 0 ? "" : uri.substring(q + 1);
        Recorded recorded = new Recorded(System.nanoTime(), path, rawQuery, decodeQuery(rawQuery));
        synchronized (requests) {
            requests.add(recorded);
        }
        behaviour.apply(recorded).answer(request);
    }

    void behave(Function<Recorded, Reply> behaviour) {
        this.behaviour = behaviour;
    }

    String url() {
        // TLS needs the name the certificate was made for; plain HTTP stays on the IPv4 loopback literal.
        String host = scheme.equals("https") ? "localhost" : "127.0.0.1";
        return scheme + "://" + host + ":" + server.actualPort() + "/announce";
    }

    List<Recorded> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** Waits (bounded) until at least {@code count} requests arrived; returns them all. */
    List<Recorded> awaitRequests(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            List<Recorded> now = requests();
            if (now.size() >= count) {
                return now;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("expected " + count + " requests within " + timeout + ", got " + requests().size()
                + ": " + requests().stream().map(r -> r.text("event")).toList());
    }

    void close() throws Exception {
        await(server.close());
    }

    /** Splits a raw query and percent-decodes each value to the bytes it stands for. */
    static Map<String, List<byte[]>> decodeQuery(String rawQuery) {
        Map<String, List<byte[]>> params = new LinkedHashMap<>();
        if (rawQuery.isEmpty()) {
            return params;
        }
        for (String pair : rawQuery.split("&", -1)) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            params.computeIfAbsent(new String(percentDecode(name), StandardCharsets.ISO_8859_1), k -> new ArrayList<>())
                    .add(percentDecode(value));
        }
        return params;
    }

    static byte[] percentDecode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                if (c > 0x7e || c == ' ') {
                    throw new AssertionError("unescaped character in query: " + (int) c);
                }
                out.write(c);
            }
        }
        return out.toByteArray();
    }

    static BList dictionaryPeers(BDict... peers) {
        return BList.of(peers);
    }

}
