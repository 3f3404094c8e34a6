package org.enjambre.report;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

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
