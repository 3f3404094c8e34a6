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
import io.vertx.core.net.TrustOptions;
import java.time.Duration;
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
 */
final class HttpTransport implements TrackerTransport {
    /** Redirects followed for one announce (some trackers move). */
    static final int MAX_REDIRECTS = 5;
    /** Sent as {@code User-Agent}; trackers log it. */
    static final String USER_AGENT = "Enjambre/0.1";

    private final Vertx vertx;
    private final Duration requestTimeout;
    private final HttpClientAgent http;
    /** Where requests start when announce() is called from outside Vert.x (a test, the CLI's main thread). */
    private final Context context;

    /** @param trustOptions certificates trusted for {@code https://}, or {@code null} for the JDK's */
    HttpTransport(Vertx vertx, Duration requestTimeout, TrustOptions trustOptions) {
        this.vertx = vertx;
        this.requestTimeout = requestTimeout;
        this.context = vertx.getOrCreateContext();
        long timeoutMs = requestTimeout.toMillis();
        HttpClientOptions httpOptions = new HttpClientOptions()
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMs))
                .setMaxRedirects(MAX_REDIRECTS)
                .setDecompressionSupported(true)
                .setVerifyHost(true);
        if (trustOptions != null) {
            httpOptions.setTrustOptions(trustOptions);
        }
        this.http = vertx.createHttpClient(httpOptions);
    }

    @Override
    public Future<AnnounceResponse> announce(String url, AnnounceRequest request) {
        return fetch(AnnounceCodec.announceUrl(url, request)).map(AnnounceCodec::parseResponse);
    }

    /** GETs {@code url} and returns the body of a 200 answer, all within the request timeout. */
    private Future<byte[]> fetch(String url) {
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
                    .setFollowRedirects(true)
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
