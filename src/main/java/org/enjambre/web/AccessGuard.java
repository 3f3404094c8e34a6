package org.enjambre.web;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The first handler of every request on the web port: it adds the security headers to the answer,
 * then refuses (403, JSON) a {@code Host} that is not the node's own (DNS rebinding, as
 * Transmission's CVE-2018-5702), a change whose {@code Origin} (or, without one, {@code Referer})
 * is another site (CSRF), and (401) an API call without the bearer token where one is needed:
 * every change, and every read when the port is not loopback. The dashboard's own files need no
 * token: they hold no data, and the page asks for the token.
 */
final class AccessGuard implements Handler<RoutingContext> {
    static final String CONTENT_SECURITY_POLICY =
            "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'";

    private final byte[] token;
    private final boolean loopback;
    private final Set<String> hosts = new HashSet<>();

    /** @param localAddresses addresses of this machine, accepted as Host when the port is bound to every interface */
    AccessGuard(WebAccess access, Set<String> localAddresses) {
        this.token = access.apiToken().getBytes(StandardCharsets.UTF_8);
        this.loopback = access.loopback();
        hosts.addAll(Set.of("localhost", "127.0.0.1", "::1"));
        hosts.add(bare(access.host()));
        hosts.addAll(access.allowedHosts());
        if (access.host().equals("0.0.0.0") || access.host().equals("::")) {
            localAddresses.forEach(a -> hosts.add(bare(a)));
        }
    }

    @Override
    public void handle(RoutingContext ctx) {
        ctx.response()
                .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("X-Frame-Options", "DENY")
                .putHeader("Referrer-Policy", "no-referrer");
        HttpServerRequest request = ctx.request();
        HostAndPort authority = request.authority();
        if (authority == null || !hosts.contains(bare(authority.host()))) {
            Replies.error(ctx, 403, "Host '" + (authority == null ? "" : abbreviate(authority.host()))
                    + "' is not this node's; give --web-allowed-hosts to reach it by that name");
            return;
        }
        boolean change = !(request.method() == HttpMethod.GET || request.method() == HttpMethod.HEAD
                || request.method() == HttpMethod.OPTIONS);
        if (change && !sameOrigin(request, authority)) {
            Replies.error(ctx, 403, "cross-origin request refused: a change must come from this node's own page");
            return;
        }
        String path = request.path();
        boolean api = path.equals("/api") || path.startsWith("/api/") || path.equals("/metrics");
        if (api && (change || !loopback) && !authorized(request.getHeader("Authorization"))) {
            ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"enjambre\"");
            Replies.error(ctx, 401, "missing or wrong API token: send 'Authorization: Bearer TOKEN' "
                    + "(the token is printed when the node starts)");
            return;
        }
        ctx.next();
    }

    /** Constant time, so the answer's timing tells nothing about how much of a guess was right. */
    private boolean authorized(String header) {
        if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(header.substring(7).trim().getBytes(StandardCharsets.UTF_8), token);
    }

    /** No Origin and no Referer: not a browser's cross-site request (curl, the CLI), so allowed. */
    static boolean sameOrigin(HttpServerRequest request, HostAndPort authority) {
        String origin = request.getHeader("Origin");
        String source = origin != null ? origin : request.getHeader("Referer");
        if (source == null) {
            return true;
        }
        try {
            URI uri = new URI(source.trim());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (uri.getHost() == null || !(scheme.equals("http") || scheme.equals("https"))) {
                return false;
            }
            int port = uri.getPort() >= 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
            int ownPort = authority.port() >= 0 ? authority.port() : 80;
            return bare(uri.getHost()).equals(bare(authority.host())) && port == ownPort;
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    /** Lowercase, without the brackets of an IPv6 literal. */
    static String bare(String host) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
