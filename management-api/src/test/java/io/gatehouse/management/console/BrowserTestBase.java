package io.gatehouse.management.console;

import io.restassured.RestAssured;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

/**
 * Base for browser tests against the real control plane: extend it from a {@code @QuarkusTest} (which serves the
 * console on a random port) and drive Debian's Chromium, headless, through {@link #driver}. One browser per test
 * class; {@link #open}, {@link #signIn}, {@link #waitFor} and {@link #screenshot} (PNG under target/screenshots/).
 * Needs {@code chromium} and {@code chromium-driver} from apt (.ci/run installs them); Selenium Manager is never
 * used because the driver binary is given.
 */
public abstract class BrowserTestBase {
    public static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static final String CHROMIUM = System.getProperty("gatehouse.test.chromium", "/usr/bin/chromium");
    private static final String CHROMEDRIVER = System.getProperty("gatehouse.test.chromedriver", "/usr/bin/chromedriver");

    protected static WebDriver driver;
    private static Path profile;

    @BeforeAll
    static void startBrowser() throws IOException {
        if (!new File(CHROMIUM).canExecute() || !new File(CHROMEDRIVER).canExecute()) {
            throw new IllegalStateException("browser tests need " + CHROMIUM + " and " + CHROMEDRIVER
                    + ": apt-get install -y chromium chromium-driver (.ci/run does this)");
        }
        profile = Files.createTempDirectory("gatehouse-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1280,900", "--user-data-dir=" + profile.toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
    }

    /** Every test starts signed out: the browser is shared by the class, its cookies are not. */
    @BeforeEach
    void signedOut() {
        open("/console/assets/console.css");
        driver.manage().deleteAllCookies();
    }

    @AfterAll
    static void stopBrowser() throws IOException {
        if (driver != null) {
            driver.quit();
            driver = null;
        }
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The control plane under test, e.g. http://localhost:41234. */
    protected static String baseUrl() {
        return RestAssured.baseURI + ":" + RestAssured.port;
    }

    protected static void open(String path) {
        driver.get(baseUrl() + path);
    }

    /** Waits (up to 20 s, polling) until the element is visible, and returns it. */
    protected static WebElement waitFor(By by) {
        return new WebDriverWait(driver, Duration.ofSeconds(20)).until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    /** Waits (up to 20 s, polling) until the browser shows this path of the control plane. */
    protected static void waitForPath(String path) {
        new WebDriverWait(driver, Duration.ofSeconds(20))
                .withMessage(() -> "the browser is at " + driver.getCurrentUrl() + ", not " + path)
                .until(d -> java.net.URI.create(d.getCurrentUrl()).getPath().equals(path));
    }

    /** Signs in through the console's form, as a person would, and waits for the home page. */
    protected static void signIn(String email, String password) {
        open("/console/sign-in");
        waitFor(By.id("email")).sendKeys(email);
        driver.findElement(By.id("password")).sendKeys(password);
        driver.findElement(By.id("sign-in")).click();
        waitForPath("/console");
    }

    protected static void resize(int width, int height) {
        driver.manage().window().setSize(new org.openqa.selenium.Dimension(width, height));
    }

    /** Saves the page as target/screenshots/{TestClass}-{name}.png and returns the file. */
    protected Path screenshot(TestInfo test, String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Path target = SCREENSHOTS.resolve(test.getTestClass().map(Class::getSimpleName).orElse("browser") + "-" + name + ".png");
            File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
            Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
