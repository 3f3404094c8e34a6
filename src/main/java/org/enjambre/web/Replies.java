package org.enjambre.web;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** JSON answers of the API: every error is {@code {"error": "..."}}. */
final class Replies {
    private Replies() {
    }

    static void json(RoutingContext ctx, int status, JsonObject body) {
        HttpServerResponse r = ctx.response();
        if (!r.ended() && !r.closed() && !r.headWritten()) {
            r.setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8")
                    .putHeader("Cache-Control", "no-store").end(body.encode());
        }
    }

    static void error(RoutingContext ctx, int status, String message) {
        json(ctx, status, new JsonObject().put("error", message));
    }

    /** An {@link ApiError} with its status; anything else is the server's fault (500). */
    static void failure(RoutingContext ctx, Throwable e) {
        if (e instanceof ApiError a) {
            error(ctx, a.status(), a.getMessage());
        } else {
            error(ctx, 500, String.valueOf(e.getMessage()));
        }
    }
}
