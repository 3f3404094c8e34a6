package org.enjambre.web;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.function.LongSupplier;

/**
 * The total disk the API may fill: the hosted torrents' length plus uploads in flight stay under
 * {@link WebAccess#dataQuotaBytes}. An upload reserves its declared length (or the upload cap when
 * it declares none) before a byte is stored, and gives it back when its answer ends, whatever
 * happened. Used on the web verticle's event loop only.
 */
final class DataQuota {
    private final long limit;
    private final LongSupplier hosted;
    private long inFlight;

    DataQuota(long limit, LongSupplier hosted) {
        this.limit = limit;
        this.hosted = hosted;
    }

    /** Before the body handler of an upload route: refuses (413) an upload that could pass the quota. */
    Handler<RoutingContext> reserveUpload(long maxUploadBytes) {
        return ctx -> {
            String declared = ctx.request().getHeader("Content-Length");
            long length;
            try {
                length = declared == null ? -1 : Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                Replies.error(ctx, 400, "Content-Length is not a number");
                return;
            }
            if (length > maxUploadBytes) {
                // Past the upload cap: the body handler refuses it at once, with the cap as the reason.
                ctx.next();
                return;
            }
            long want = length < 0 ? maxUploadBytes : length;
            String refusal = refusal(want);
            if (refusal != null) {
                Replies.error(ctx, 413, refusal);
                return;
            }
            inFlight += want;
            ctx.addEndHandler(ar -> inFlight -= want);
            ctx.next();
        };
    }

    /** Null when {@code bytes} more fit, else why not. */
    String refusal(long bytes) {
        long used = hosted.getAsLong() + inFlight;
        if (bytes > limit - used) {
            return "the node's data quota of " + limit + " bytes would be exceeded: " + used + " bytes hosted or "
                    + "arriving, " + bytes + " more asked (--data-quota)";
        }
        return null;
    }
}
