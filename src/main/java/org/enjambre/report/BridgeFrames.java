package org.enjambre.report;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.function.IntConsumer;

/**
 * The frames of Vert.x's TCP event-bus bridge protocol, which the report bridge speaks: a 4-byte
 * big-endian length, then that many bytes of a UTF-8 JSON object ({@code type}, {@code address},
 * {@code headers}, {@code body}). Our peers send {@code publish} frames to {@link StateSchema#STATE_ADDRESS}
 * with the report token in {@code headers.token}; the bridge answers only {@code err} and {@code pong}.
 */
public final class BridgeFrames {
    /** Largest frame the bridge reads: a node's state with many torrents and peers fits many times over. */
    public static final int MAX_FRAME_BYTES = 2 * 1024 * 1024;
    /** The header that carries the report token. */
    public static final String TOKEN_HEADER = "token";

    private BridgeFrames() {
    }

    /**
     * A parser of frames for a socket's handler: {@code frame} gets each frame's JSON bytes;
     * {@code badLength} gets a declared length outside 2..{@code maxBytes}, checked before the parser
     * is asked for that many bytes (it would buffer them), after which nothing more is parsed.
     */
    public static RecordParser parser(int maxBytes, Handler<Buffer> frame, IntConsumer badLength) {
        RecordParser parser = RecordParser.newFixed(4);
        boolean[] header = {true};
        boolean[] broken = {false};
        parser.handler(b -> {
            if (broken[0]) {
                return;
            }
            if (header[0]) {
                int length = b.getInt(0);
                if (length < 2 || length > maxBytes) {
                    broken[0] = true;
                    badLength.accept(length);
                    return;
                }
                header[0] = false;
                parser.fixedSizeMode(length);
            } else {
                header[0] = true;
                parser.fixedSizeMode(4);
                frame.handle(b);
            }
        });
        return parser;
    }

    /** One frame: length prefix and JSON. */
    public static Buffer encode(JsonObject frame) {
        byte[] json = frame.encode().getBytes(StandardCharsets.UTF_8);
        return Buffer.buffer(4 + json.length).appendInt(json.length).appendBytes(json);
    }

    /** A {@code publish} frame of our state, carrying the token. */
    public static JsonObject publish(String address, String token, JsonObject body) {
        return new JsonObject().put("type", "publish").put("address", address)
                .put("headers", new JsonObject().put(TOKEN_HEADER, token)).put("body", body);
    }

    /** The bridge's refusal, before it closes the connection. */
    public static JsonObject error(String message) {
        return new JsonObject().put("type", "err").put("message", message);
    }

    /**
     * Whether {@code presented} is the token, in time that depends on neither (both are hashed
     * first, so neither the content nor the length of the expected token leaks through timing).
     */
    public static boolean tokenMatches(byte[] expectedDigest, String presented) {
        if (presented == null) {
            return false;
        }
        return MessageDigest.isEqual(expectedDigest, digest(presented));
    }

    /** SHA-256 of a token's UTF-8 bytes: what the bridge keeps instead of the token. */
    public static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
