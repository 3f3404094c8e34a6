package org.enjambre.tracker.client;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.TrustOptions;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.enjambre.tracker.protocol.AnnounceCodec;
import org.enjambre.tracker.protocol.AnnounceRequest;
import org.enjambre.tracker.protocol.AnnounceResponse;
import org.enjambre.tracker.protocol.TrackerException;
import org.enjambre.tracker.protocol.TrackerResponseException;

/**
 * Announces over HTTP(S) (BEP 3): the request as a URL query ({@link AnnounceCodec#announceUrl}),
 * a GET on Vert.x's HTTP client, the bencoded answer parsed. Each request is bounded by the
 * request timeout (connect, send and whole body) and the body by
 * {@link AnnounceCodec#MAX_RESPONSE_BYTES}. Host names of {@code https://} trackers are verified.
 * The host is resolved once and its address checked against the {@link AnnouncePolicy}; the request
 * then connects to that address (so a second lookup cannot swap it), and redirects are followed by
 * hand so that each is checked the same way.
 */
final class HttpTransport implements TrackerTransport {
    /** Redirects followed for one announce (some trackers move). */
    static final int MAX_REDIRECTS = 5;
    private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
    /** Sent as {@code User-Agent}; trackers log it. */
    static final String USER_AGENT = "Enjambre/0.1";

    private final Vertx vertx;
    private final Duration requestTimeout;
    private final AnnouncePolicy policy;
    private final HttpClientAgent http;
    /** Where requests start when announce() is called from outside Vert.x (a test, the CLI's main thread). */
    private final Context context;

    /**
     * @param trustOptions certificates trusted for {@code https://}, or {@code null} for the JDK's
     * @param policy       which addresses announces may reach
     */
    HttpTransport(Vertx vertx, Duration requestTimeout, TrustOptions trustOptions, AnnouncePolicy policy) {
        this.vertx = vertx;
        this.requestTimeout = requestTimeout;
        this.policy = Objects.requireNonNull(policy, "policy");
        this.context = vertx.getOrCreateContext();
        long timeoutMs = requestTimeout.toMillis();
        HttpClientOptions httpOptions = new HttpClientOptions()
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMs))
                .setDecompressionSupported(true)
                .setVerifyHost(true);
        if (trustOptions != null) {
            httpOptions.setTrustOptions(trustOptions);
        }
        this.http = vertx.createHttpClient(httpOptions);
    }

    @Override
    public Future<AnnounceResponse> announce(String url, AnnounceRequest request) {
        return fetch(url, AnnounceCodec.announceUrl(url, request), MAX_REDIRECTS).map(AnnounceCodec::parseResponse);
    }

    /**
     * GETs {@code url} and returns the body of a 200 answer, following at most {@code redirects}
     * redirects, each checked against the policy before it is contacted.
     *
     * @param trackerUrl the announce URL as the torrent gives it (what the policy may trust)
     */
    private Future<byte[]> fetch(String trackerUrl, String url, int redirects) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return Future.failedFuture(new TrackerException("bad announce URL: " + e.getMessage(), e));
        }
        return TrackerAddresses.resolve(vertx, policy, trackerUrl, uri)
                .compose(server -> exchange(url, server))
                .recover(error -> error instanceof Redirect redirect
                        ? follow(uri, redirect.location, redirects)
                        : Future.failedFuture(error));
    }

    private Future<byte[]> follow(URI from, String location, int redirects) {
        if (redirects <= 0) {
            return Future.failedFuture(new TrackerResponseException("more than " + MAX_REDIRECTS + " redirects"));
        }
        String next;
        try {
            next = from.resolve(location).toString();
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(new TrackerResponseException("bad redirect: " + e.getMessage()));
        }
        // A redirect is the tracker's choice, not the user's: never trusted by URL.
        return fetch(next, next, redirects - 1);
    }

    /** A 3xx answer with a Location, to follow after checking where it points. */
    private static final class Redirect extends RuntimeException {
        final String location;

        Redirect(String location) {
            super("redirect to " + location, null, false, false);
            this.location = location;
        }
    }

    /** One request to {@code server} (the checked address of the URL's host), within the request timeout. */
    private Future<byte[]> exchange(String url, SocketAddress server) {
        Promise<byte[]> promise = Promise.promise();
        AtomicReference<HttpClientRequest> current = new AtomicReference<>();
        long timeoutMs = requestTimeout.toMillis();
        // One deadline for the whole exchange: an idle timeout alone would let a tracker that
        // drips one byte a second hold us forever.
        long timer = vertx.setTimer(timeoutMs, id -> {
            if (promise.tryFail(new TimeoutException("no complete answer within " + timeoutMs + " ms"))) {
                HttpClientRequest request = current.get();
                if (request != null) {
                    request.reset();
                }
            }
        });
        RequestOptions requestOptions;
        try {
            requestOptions = new RequestOptions()
                    .setMethod(HttpMethod.GET)
                    .setAbsoluteURI(url)
                    .setServer(server)
                    .setFollowRedirects(false)
                    .setConnectTimeout(timeoutMs)
                    .setIdleTimeout(timeoutMs)
                    .putHeader("User-Agent", USER_AGENT);
        } catch (RuntimeException e) {
            vertx.cancelTimer(timer);
            return Future.failedFuture(new TrackerException("bad announce URL: " + e.getMessage(), e));
        }
        // The response's handlers must be set in the same event-loop turn that delivers the
        // response, or a small answer has already ended by then: so start the request on a
        // Vert.x context and attach to send()'s own future, never to a future further down.
        Context here = Vertx.currentContext();
        Context ctx = here != null ? here : context;
        ctx.runOnContext(v -> http.request(requestOptions).onComplete(requested -> {
            if (requested.failed()) {
                promise.tryFail(requested.cause());
                return;
            }
            HttpClientRequest request = requested.result();
            current.set(request);
            if (promise.future().isComplete()) {
                request.reset();
                return;
            }
            request.send().onComplete(sent -> {
                if (sent.failed()) {
                    promise.tryFail(sent.cause());
                    return;
                }
                receive(request, sent.result(), promise);
            });
        }));
        return promise.future().onComplete(ar -> vertx.cancelTimer(timer));
    }

    /** Reads a 200 answer's body, at most {@link AnnounceCodec#MAX_RESPONSE_BYTES}; anything else fails. */
    private static void receive(HttpClientRequest request, HttpClientResponse response, Promise<byte[]> promise) {
        // A reset below surfaces as an exception on the response: it is expected, not worth a log.
        response.exceptionHandler(promise::tryFail);
        String location = response.getHeader("Location");
        if (REDIRECTS.contains(response.statusCode()) && location != null) {
            promise.tryFail(new Redirect(location));
            request.reset();
            return;
        }
        if (response.statusCode() != 200) {
            promise.tryFail(new TrackerResponseException("HTTP " + response.statusCode() + " " + response.statusMessage()));
            request.reset();
            return;
        }
        String length = response.getHeader("Content-Length");
        if (length != null && length.matches("\\d{1,18}") && Long.parseLong(length) > AnnounceCodec.MAX_RESPONSE_BYTES) {
            promise.tryFail(new TrackerResponseException("tracker answer of " + length
                    + " bytes is larger than the limit of " + AnnounceCodec.MAX_RESPONSE_BYTES));
            request.reset();
            return;
        }
        Buffer body = Buffer.buffer();
        response.handler(chunk -> {
            if (promise.future().isComplete()) {
                return;
            }
            if (body.length() + chunk.length() > AnnounceCodec.MAX_RESPONSE_BYTES) {
                promise.tryFail(new TrackerResponseException("tracker answer is larger than the limit of "
                        + AnnounceCodec.MAX_RESPONSE_BYTES + " bytes"));
                request.reset();
                return;
            }
            body.appendBuffer(chunk);
        });
        response.endHandler(v -> promise.tryComplete(body.getBytes()));
    }

    @Override
    public Future<Void> close() {
        return http.close();
    }
}
