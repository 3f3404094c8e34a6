package org.enjambre.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.WebClient;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The guard's rules for a web port opened to a network ({@code --web-host 0.0.0.0}), checked on a
 * loopback server so that the test reaches no other interface: reads need the token too, the
 * dashboard's files do not, the machine's addresses and {@code --web-allowed-hosts} names pass.
 */
class AccessGuardTest {
    static final String TOKEN = ApiToken.generate();

    Vertx vertx = Vertx.vertx();
    WebClient client = WebClient.create(vertx);
    HttpServer server;

    @AfterEach
    void stop() throws Exception {
        client.close();
        join(vertx.close());
    }

    static <T> T join(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    void start(WebAccess access, Set<String> localAddresses) throws Exception {
        Router router = Router.router(vertx);
        router.route().handler(new AccessGuard(access, localAddresses));
        router.get("/api/node").handler(ctx -> ctx.end("state"));
        router.get("/index.html").handler(ctx -> ctx.end("page"));
        router.get("/metrics").handler(ctx -> ctx.end("metrics"));
        server = join(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    }

    HttpRequest<Buffer> get(String path, String host) {
        return client.request(HttpMethod.GET, server.actualPort(), "127.0.0.1", path).putHeader("Host", host);
    }

    @Test
    void offLoopbackEveryReadOfTheApiNeedsTheTokenButThePageDoesNot() throws Exception {
        start(new WebAccess("0.0.0.0", TOKEN, Set.of(), 1), Set.of("127.0.0.1", "192.0.2.7"));
        assertThat(join(get("/api/node", "192.0.2.7:8080").send()).statusCode()).isEqualTo(401);
        assertThat(join(get("/metrics", "192.0.2.7:8080").send()).statusCode()).isEqualTo(401);
        assertThat(join(get("/api/node", "192.0.2.7:8080").bearerTokenAuthentication(TOKEN).send()).bodyAsString()).isEqualTo("state");
        assertThat(join(get("/index.html", "192.0.2.7:8080").send()).bodyAsString()).isEqualTo("page");
        // An address that is not this machine's is another host: refused whatever the token.
        assertThat(join(get("/api/node", "198.51.100.1").bearerTokenAuthentication(TOKEN).send()).statusCode()).isEqualTo(403);
    }

    @Test
    void aNameIsAcceptedOnlyWhenTheOwnerAllowedIt() throws Exception {
        start(new WebAccess("127.0.0.1", TOKEN, Set.of("Enjambre.LAN"), 1), Set.of());
        assertThat(join(get("/api/node", "enjambre.lan:8080").send()).bodyAsString()).isEqualTo("state");
        assertThat(join(get("/api/node", "rebound.example:8080").send()).statusCode()).isEqualTo(403);
        // On loopback the page's own reads need no token.
        assertThat(join(get("/api/node", "localhost").send()).bodyAsString()).isEqualTo("state");
    }
}
