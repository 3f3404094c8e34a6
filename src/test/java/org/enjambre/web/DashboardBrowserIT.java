package org.enjambre.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.enjambre.metainfo.Metainfo;
import org.enjambre.node.TestSwarm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in headless Chromium against a running 1-tracker, 1-seed, 2-leech cluster: nodes,
 * peers and progress appear and move, the create form hands back a .torrent that parses, and a
 * torrent named like an HTML tag is shown as text. Screenshots go to {@code target/}.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class DashboardBrowserIT {
    static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    static TestSwarm swarm;
    static ChromeDriver browser;

    @BeforeAll
    static void start() throws Exception {
        browser = HeadlessChromium.start(dir);
        // The seeder is slow (256 KiB/s) so that the page is watched while the leechers progress.
        swarm = TestSwarm.startSeeded(dir, 3 * 1024 * 1024, 16 * 1024, 256 * 1024);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            try {
                browser.manage().logs().get("browser").forEach(e -> System.out.println("browser console: " + e));
            } catch (RuntimeException e) {
                // Logs are a help, not a requirement.
            }
            browser.quit();
        }
        if (swarm != null) {
            swarm.close();
        }
    }

    @Test
    void dashboardShowsTheLiveSwarmCreatesTorrentsAndEscapesNames() throws Exception {
        // The URL the node prints: the token rides in the fragment, which the page takes and hides.
        browser.get(swarm.webUrl(swarm.tracker) + "/#token=" + swarm.tracker.apiToken());
        // The page re-renders every second: element references go stale, so reads go through
        // small scripts (atomic in the page) and waits ignore staleness.
        WebDriverWait wait = new WebDriverWait(browser, WAIT);
        wait.ignoring(StaleElementReferenceException.class);

        // Every node and the tracker appear, live.
        wait.until(d -> text("#nodes").contains("seed-1") && text("#nodes").contains("leech-1")
                && text("#nodes").contains("leech-2") && text("#nodes").contains("tracker-1"));
        wait.until(d -> text("#trackers").contains("tracker-1") && text("#trackers").toLowerCase().contains("up"));
        assertThat(text("#live-text")).isEqualTo("live");
        assertThat(browser.getCurrentUrl()).doesNotContain("token");
        assertThat((Boolean) js("return document.getElementById('token-form').hidden;")).isTrue();

        // The hostile name is text: no <img> made of it, no alert, the exact characters shown.
        wait.until(d -> ((List<?>) js("return Array.from(document.querySelectorAll('.torrent-name'), e => e.textContent);"))
                .contains(TestSwarm.XSS_NAME));
        assertThat(browser.findElements(By.tagName("img"))).isEmpty();
        assertThatThrownBy(() -> browser.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);

        // The leechers start: their progress appears and grows while the page watches.
        swarm.startLeeching();
        // Peers: the seeder's peer table (opened now: the leechers, no longer cluster members, may finish
        // within seconds and leave the seeder) lists the leechers with their client name.
        expandPeers("seed-1");
        wait.until(d -> text("#nodes").contains("Enjambre 0.0.1")
                && (Long) js("return document.querySelectorAll('table.peers tbody tr').length;") >= 2L);
        screenshot("dashboard-peers.png");
        wait.until(d -> leechProgress() > 0);
        double first = leechProgress();
        screenshot("dashboard.png");
        wait.until(d -> leechProgress() > first);
        new WebDriverWait(browser, Duration.ofSeconds(60)).ignoring(StaleElementReferenceException.class)
                .until(d -> leechProgress() >= 200.0);

        // The piece map is drawn: rows for the nodes, columns of pieces.
        Long canvasHeight = (Long) js("return document.getElementById('piecemap').clientHeight;");
        assertThat(canvasHeight).isGreaterThan(40L);

        // The create form hands back a .torrent that parses.
        Path upload = dir.resolve("made in browser.txt");
        Files.writeString(upload, "content made from the dashboard\n".repeat(1000));
        browser.findElement(By.cssSelector("#create-form input[name=files]")).sendKeys(upload.toString());
        browser.findElement(By.cssSelector("#create-form button[type=submit]")).click();
        WebElement link = wait.until(d -> d.findElements(By.id("created-link")).stream().findFirst().orElse(null));
        assertThat(link.getAttribute("href")).startsWith("blob:");
        String base64 = (String) ((JavascriptExecutor) browser).executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                        + "window.enjambreCreatedTorrent.arrayBuffer().then(b => {"
                        + "  let s = ''; new Uint8Array(b).forEach(x => s += String.fromCharCode(x)); done(btoa(s));"
                        + "}).catch(e => done('ERROR ' + e));");
        assertThat(base64).doesNotStartWith("ERROR");
        Metainfo created = Metainfo.parse(Base64.getDecoder().decode(base64));
        assertThat(created.info().name()).isEqualTo("made in browser.txt");
        assertThat(created.info().totalLength()).isEqualTo(Files.size(upload));
        assertThat(created.trackers()).contains(swarm.tracker.announceUrl());
        screenshot("dashboard-done.png");

        // The magnet form hosts a magnet link; while its metadata has not come the node shows it by its
        // dn, fetching, with its peers and no pieces.
        browser.findElement(By.cssSelector("#add-form input[name=magnet]"))
                .sendKeys("magnet:?xt=urn:btih:" + "9a".repeat(20) + "&dn=magnet%20from%20the%20browser");
        browser.findElement(By.cssSelector("#add-form button[type=submit]")).click();
        wait.until(d -> text("#add-result").contains("fetching its metadata"));
        wait.until(d -> text("#nodes").contains("magnet from the browser")
                && text("#nodes").contains("fetching metadata (0 peers)"));

        // A tab without the token: the page asks for it, and a change made with it works.
        js("sessionStorage.clear(); location.reload();");
        wait.until(d -> Boolean.FALSE.equals(js("return document.getElementById('token-form').hidden;")));
        browser.findElement(By.cssSelector("#token-form input[name=token]")).sendKeys(swarm.tracker.apiToken());
        browser.findElement(By.cssSelector("#token-form button[type=submit]")).click();
        wait.until(d -> Boolean.TRUE.equals(js("return document.getElementById('token-form').hidden;")));
        browser.findElement(By.cssSelector("#create-form input[name=files]")).sendKeys(upload.toString());
        browser.findElement(By.cssSelector("#create-form button[type=submit]")).click();
        wait.until(d -> text("#create-result").startsWith("Created "));

        // Nothing of the page was blocked by its Content-Security-Policy, and no script failed.
        List<String> severe = browser.manage().logs().get("browser").getAll().stream()
                .filter(e -> e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue())
                .map(Object::toString).toList();
        assertThat(severe).isEmpty();
    }

    /** Sum of the two leechers' progress bars for the shared torrent, in percent (0..200). */
    static double leechProgress() {
        Object v = js("let sum = 0;"
                + "for (const node of document.querySelectorAll('#nodes .node')) {"
                + "  const name = node.querySelector('.node-name').textContent;"
                + "  if (!name.startsWith('leech-')) continue;"
                + "  for (const line of node.querySelectorAll('.node-torrent')) {"
                + "    if (line.querySelector('.nt-name').textContent !== 'swarm.bin') continue;"
                + "    sum += Number(line.querySelector('.bar').getAttribute('aria-valuenow'));"
                + "  }"
                + "}"
                + "return sum;");
        return ((Number) v).doubleValue();
    }

    static void expandPeers(String nodeName) {
        js("for (const node of document.querySelectorAll('#nodes .node')) {"
                + "  if (node.querySelector('.node-name').textContent === arguments[0]) node.querySelector('.node-head button').click();"
                + "}", nodeName);
    }

    static String text(String css) {
        Object t = js("const e = document.querySelector(arguments[0]); return e ? e.innerText : '';", css);
        return t == null ? "" : t.toString();
    }

    static Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    static void screenshot(String name) throws Exception {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Path target = Paths.get("target").resolve(name);
        Files.createDirectories(target.getParent());
        Files.copy(shot.toPath(), target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
