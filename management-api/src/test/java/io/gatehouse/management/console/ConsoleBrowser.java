package io.gatehouse.management.console;

import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

/** Debian's Chromium, headless, driven by Selenium against a base URL; screenshots go to target/screenshots. */
public class ConsoleBrowser implements AutoCloseable {
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private final String base;
    private final ChromeDriver driver;
    private final Path profile;

    public ConsoleBrowser(String base) {
        this.base = base;
        try {
            this.profile = Files.createTempDirectory("gatehouse-chromium");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,1000",
                "--user-data-dir=" + profile.toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver")).build();
        this.driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
    }

    public WebDriver driver() {
        return driver;
    }

    public ConsoleBrowser open(String path) {
        driver.get(base + path);
        return this;
    }

    public WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    public java.util.List<WebElement> findAll(String css) {
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

    public ConsoleBrowser click(String css) {
        find(css).click();
        return this;
    }

    public ConsoleBrowser signIn(String email, String password) {
        open("/console/sign-in").type("#email", email).type("#password", password).click("#sign-in");
        return this;
    }

    public String path() {
        return java.net.URI.create(driver.getCurrentUrl()).getPath();
    }

    public boolean alertPresent() {
        try {
            driver.switchTo().alert();
            return true;
        } catch (NoAlertPresentException e) {
            return false;
        }
    }

    public void screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            File shot = driver.getScreenshotAs(OutputType.FILE);
            Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The page at phone size (a 390 × 844 viewport), then back to desktop. */
    public void phoneScreenshot(String name) {
        Dimension desktop = driver.manage().window().getSize();
        driver.manage().window().setSize(new Dimension(390, 844));
        screenshot(name);
        driver.manage().window().setSize(desktop);
    }

    @Override
    public void close() {
        driver.quit();
        try (var files = Files.walk(profile)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A leftover temporary profile is harmless.
        }
    }
}
