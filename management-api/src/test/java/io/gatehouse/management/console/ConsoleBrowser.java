package io.gatehouse.management.console;

import io.gatehouse.testing.Chromium;
import io.restassured.RestAssured;
import org.junit.jupiter.api.TestInfo;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * Debian's Chromium, headless, driven by Selenium against the control plane under test: the one browser helper of the
 * console's browser tests. A test class starts one in {@code @BeforeAll} ({@link #ofTestServer()} inside a
 * {@code @QuarkusTest}) and closes it in {@code @AfterAll}. Screenshots go to target/screenshots/.
 */
public class ConsoleBrowser implements AutoCloseable {
    public static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Dimension DESKTOP = new Dimension(1280, 900);
    private static final Dimension PHONE = new Dimension(390, 844);

    private final Supplier<String> base;
    private final Chromium chromium;
    private final ChromeDriver driver;

    /** A browser against a fixed base URL, e.g. http://localhost:8081. */
    public ConsoleBrowser(String base) {
        this(() -> base);
    }

    private ConsoleBrowser(Supplier<String> base) {
        this.base = base;
        this.chromium = Chromium.start(DESKTOP.getWidth(), DESKTOP.getHeight());
        this.driver = chromium.driver();
    }

    /** A browser against the control plane a {@code @QuarkusTest} serves on a random port (read when a page opens). */
    public static ConsoleBrowser ofTestServer() {
        return new ConsoleBrowser(() -> RestAssured.baseURI + ":" + RestAssured.port);
    }

    public WebDriver driver() {
        return driver;
    }

    public ConsoleBrowser open(String path) {
        driver.get(base.get() + path);
        return this;
    }

    /** Forgets the session: a test that starts signed out does not depend on the one before it. */
    public ConsoleBrowser signedOut() {
        open("/console/assets/console.css");
        driver.manage().deleteAllCookies();
        return this;
    }

    public WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    public List<WebElement> findAll(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    public ConsoleBrowser type(String css, String text) {
        WebElement element = find(css);
        element.clear();
        element.sendKeys(text);
        return this;
    }

    /** Puts a long text into a field at once (typing a whole document key by key is slow and auto-indents nothing here). */
    public ConsoleBrowser fill(String css, String text) {
        driver.executeScript("arguments[0].value = arguments[1];", find(css), text);
        return this;
    }

    /**
     * Clicks a link or a form's button and waits until the next page replaced this one: a form post answers with a
     * redirect and a new page, and reading the page before it arrived would read the old one.
     */
    public ConsoleBrowser click(String css) {
        WebElement page = driver.findElement(By.tagName("html"));
        find(css).click();
        new WebDriverWait(driver, WAIT).withMessage(() -> "a new page after clicking " + css).until(d -> replaced(page));
        return this;
    }

    /**
     * Whether this element's page is gone. Chromium reports an element of a page being replaced either as stale or,
     * in the middle of the replacement, as "does not belong to the document"; both mean the old page is gone (Selenium's
     * own staleness check knows only the first).
     */
    private static boolean replaced(WebElement element) {
        try {
            element.isEnabled();
            return false;
        } catch (org.openqa.selenium.StaleElementReferenceException e) {
            return true;
        } catch (org.openqa.selenium.WebDriverException e) {
            if (e.getMessage() != null && e.getMessage().contains("does not belong to the document")) {
                return true;
            }
            throw e;
        }
    }

    /** Waits (up to 20 s, polling) until the element is visible, and returns it. */
    public WebElement waitFor(By by) {
        return new WebDriverWait(driver, WAIT).until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    /** Waits (up to 20 s, polling) until the browser shows this path of the control plane. */
    public ConsoleBrowser waitForPath(String path) {
        new WebDriverWait(driver, WAIT)
                .withMessage(() -> "the browser is at " + driver.getCurrentUrl() + ", not " + path)
                .until(d -> URI.create(d.getCurrentUrl()).getPath().equals(path));
        return this;
    }

    /** Signs in through the console's form, as a person would, and waits for the home page. */
    public ConsoleBrowser signIn(String email, String password) {
        open("/console/sign-in");
        waitFor(By.id("email")).sendKeys(email);
        driver.findElement(By.id("password")).sendKeys(password);
        driver.findElement(By.id("sign-in")).click();
        return waitForPath("/console");
    }

    public String path() {
        return URI.create(driver.getCurrentUrl()).getPath();
    }

    public boolean alertPresent() {
        try {
            driver.switchTo().alert();
            return true;
        } catch (NoAlertPresentException e) {
            return false;
        }
    }

    public Object script(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    public ConsoleBrowser resize(int width, int height) {
        driver.manage().window().setSize(new Dimension(width, height));
        return this;
    }

    /** Saves the page as target/screenshots/{name}.png and returns the file. */
    public Path screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Path target = SCREENSHOTS.resolve(name + ".png");
            Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), target, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Saves the page as target/screenshots/{TestClass}-{name}.png and returns the file. */
    public Path screenshot(TestInfo test, String name) {
        return screenshot(test.getTestClass().map(Class::getSimpleName).orElse("browser") + "-" + name);
    }

    /** The page at phone size (a 390 × 844 viewport), then back to desktop. */
    public Path phoneScreenshot(String name) {
        Dimension desktop = driver.manage().window().getSize();
        driver.manage().window().setSize(PHONE);
        try {
            return screenshot(name);
        } finally {
            driver.manage().window().setSize(desktop);
        }
    }

    @Override
    public void close() {
        chromium.close();
    }
}
