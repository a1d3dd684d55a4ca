package io.gatehouse.testing;

import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;

/**
 * Debian's Chromium, headless, under Selenium, with a profile of its own that closing deletes: how every browser test
 * starts its browser. Needs {@code chromium} and {@code chromium-driver} from apt (.ci/run installs them); the driver
 * binary is given, so Selenium Manager never downloads one. Other paths: {@code -Dgatehouse.test.chromium},
 * {@code -Dgatehouse.test.chromedriver}.
 */
public final class Chromium implements AutoCloseable {
    private static final String BINARY = System.getProperty("gatehouse.test.chromium", "/usr/bin/chromium");
    private static final String DRIVER = System.getProperty("gatehouse.test.chromedriver", "/usr/bin/chromedriver");

    private final ChromeDriver driver;
    private final Path profile;

    private Chromium(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    /** A browser whose window is {@code width} × {@code height}. */
    public static Chromium start(int width, int height) {
        if (!new File(BINARY).canExecute() || !new File(DRIVER).canExecute()) {
            throw new IllegalStateException("browser tests need " + BINARY + " and " + DRIVER
                    + ": apt-get install -y chromium chromium-driver (.ci/run does this)");
        }
        Path profile;
        try {
            profile = Files.createTempDirectory("gatehouse-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BINARY);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=" + width + "," + height, "--user-data-dir=" + profile.toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(DRIVER)).usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
        return new Chromium(driver, profile);
    }

    public ChromeDriver driver() {
        return driver;
    }

    @Override
    public void close() {
        driver.quit();
        try (var files = Files.walk(profile)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A leftover temporary profile is harmless.
        }
    }
}
