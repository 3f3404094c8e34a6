package org.enjambre.web;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import org.enjambre.testutil.Interop;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/** The browser the dashboard ITs drive: Debian's Chromium, headless, with a profile in the test's folder. */
final class HeadlessChromium {
    private HeadlessChromium() {
    }

    /** Starts it (skips, or fails under REQUIRE_INTEROP=1, without chromedriver); the caller quits it. */
    static ChromeDriver start(Path dir) throws Exception {
        Path driver = Interop.requireExecutable("chromedriver", "chromium-driver");
        ChromeOptions options = new ChromeOptions();
        Path chromium = Paths.get("/usr/bin/chromium");
        if (Files.isExecutable(chromium)) {
            options.setBinary(chromium.toFile());
        }
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-dev-shm-usage", "--window-size=1440,2200",
                "--user-data-dir=" + Files.createDirectories(dir.resolve("chromium-profile")));
        // The page's console (script errors, policy violations) is printed when the test fails.
        options.setCapability("goog:loggingPrefs", java.util.Map.of("browser", "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile())
                .usingAnyFreePort().build();
        ChromeDriver browser = new ChromeDriver(service, options);
        browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
        return browser;
    }
}
