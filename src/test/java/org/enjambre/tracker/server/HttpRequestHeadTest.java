package org.enjambre.tracker.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HttpRequestHeadTest {
    static ByteBuf bytes(String s) {
        return Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    static HttpRequestHead.Parsed parse(String s) {
        return HttpRequestHead.parse(bytes(s), 100, 200);
    }

    @Test
    void announceHeadGivesPathQueryAndKeepAliveByVersion() {
        String text = "GET /announce?info_hash=%01&port=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /next";
        HttpRequestHead.Complete c = (HttpRequestHead.Complete) parse(text);
        assertThat(c.length()).isEqualTo(text.indexOf("GET /next"));
        assertThat(c.head().isGet("/announce")).isTrue();
        assertThat(c.head().isGet("/announc")).isFalse();
        assertThat(c.head().path()).isEqualTo("/announce");
        assertThat(c.head().query()).isEqualTo("info_hash=%01&port=1");
        assertThat(c.head().keepAlive()).isTrue();
        assertThat(c.head().plain()).isTrue();
        HttpRequestHead old = ((HttpRequestHead.Complete) parse("GET /scrape HTTP/1.0\r\n\r\n")).head();
        assertThat(old.http11()).isFalse();
        assertThat(old.keepAlive()).isFalse();
        assertThat(old.query()).isNull();
    }

    @Test
    void connectionHeaderDecidesWhetherTheConnectionStaysInAnyCase() {
        assertThat(((HttpRequestHead.Complete) parse("GET /announce HTTP/1.1\r\nCONNECTION:  Close\r\n\r\n")).head().keepAlive()).isFalse();
        assertThat(((HttpRequestHead.Complete) parse("GET /announce HTTP/1.0\r\nconnection: keep-alive\r\n\r\n")).head().keepAlive()).isTrue();
    }

    @Test
    void bareLineFeedsAndLeadingBlankLinesAreAccepted() {
        HttpRequestHead.Complete c = (HttpRequestHead.Complete) parse("\r\n\nGET /announce?a=1 HTTP/1.1\nHost: x\n\n");
        assertThat(c.head().query()).isEqualTo("a=1");
        assertThat(c.length()).isEqualTo("\r\n\nGET /announce?a=1 HTTP/1.1\nHost: x\n\n".length());
    }

    @Test
    void aHeadCutAnywhereIsIncomplete() {
        String text = "GET /announce?a=1 HTTP/1.1\r\nHost: x\r\n\r\n";
        for (int i = 0; i < text.length(); i++) {
            assertThat(parse(text.substring(0, i))).as("first %d bytes", i).isInstanceOf(HttpRequestHead.Incomplete.class);
        }
    }

    @Test
    void requestsWithABodyAnUpgradeOrAnOddVersionAreNotPlain() {
        for (String header : new String[] {"Content-Length: 5", "Transfer-Encoding: chunked", "Expect: 100-continue",
                "Upgrade: websocket", "Connection: Upgrade", " folded"}) {
            HttpRequestHead.Complete c = (HttpRequestHead.Complete) parse("GET /announce HTTP/1.1\r\n" + header + "\r\n\r\n");
            assertThat(c.head().plain()).as(header).isFalse();
        }
        assertThat(((HttpRequestHead.Complete) parse("GET /announce HTTP/1.1\r\nContent-Length: 0\r\n\r\n")).head().plain()).isTrue();
        assertThat(((HttpRequestHead.Complete) parse("GET /announce HTTP/2.0\r\n\r\n")).head().plain()).isFalse();
        assertThat(((HttpRequestHead.Complete) parse("GET\r\n\r\n")).head().plain()).isFalse();
    }

    @Test
    void anOverlongRequestLineIs414AndOverlongHeadersAre431EvenBeforeTheirEnd() {
        assertThat(parse("GET /" + "a".repeat(120))).isEqualTo(new HttpRequestHead.TooLarge(414, "Request-URI Too Long"));
        assertThat(parse("GET /" + "a".repeat(120) + " HTTP/1.1\r\n\r\n")).isInstanceOf(HttpRequestHead.TooLarge.class);
        assertThat(parse("GET / HTTP/1.1\r\nX: " + "b".repeat(300))).isEqualTo(new HttpRequestHead.TooLarge(431, "Request Header Fields Too Large"));
        assertThat(parse("GET / HTTP/1.1\r\n" + "X: y\r\n".repeat(60) + "\r\n")).isInstanceOf(HttpRequestHead.TooLarge.class);
    }

    @Test
    void parsingLeavesTheBufferAsItWas() {
        ByteBuf in = bytes("GET /announce HTTP/1.1\r\n\r\n");
        HttpRequestHead.parse(in, 100, 100);
        assertThat(in.readerIndex()).isZero();
        assertThat(in.writerIndex()).isEqualTo(26);
    }
}
