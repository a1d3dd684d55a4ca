package io.gatehouse.system;

import io.gatehouse.testing.Chromium;
import org.openqa.selenium.By;
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

/**
 * Headless Chromium against the packaged control plane, and the steps every browser story starts with: signing in
 * to the console, registering in the portal, following the mailed link, signing in there. Screenshots go to
 * target/screenshots/.
 */
final class Browser implements AutoCloseable {
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final String base;
    private final Chromium chromium;
    private final ChromeDriver driver;

    /** A browser against the control plane at {@code base}, e.g. http://127.0.0.1:8081. */
    Browser(String base) {
        this.base = base;
        this.chromium = Chromium.start(1280, 900);
        this.driver = chromium.driver();
    }

    WebDriver driver() {
        return driver;
    }

    /** Opens a page of the control plane. */
    Browser open(String path) {
        driver.get(base + path);
        return this;
    }

    /** Waits (up to 30 s, polling) until the element is visible, and returns it. */
    WebElement waitFor(By by) {
        return new WebDriverWait(driver, WAIT).until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    /** Waits (up to 30 s, polling) until the browser shows this path of the control plane. */
    Browser waitForPath(String path) {
        new WebDriverWait(driver, WAIT).withMessage(() -> "the browser is at " + driver.getCurrentUrl() + ", not " + path)
                .until(d -> URI.create(d.getCurrentUrl()).getPath().equals(path));
        return this;
    }

    /** Replaces the text of the field with this id, once it is visible. */
    Browser type(String id, String text) {
        WebElement field = waitFor(By.id(id));
        field.clear();
        field.sendKeys(text);
        return this;
    }

    /** Signs in through the console's form, as a person would, and waits for the console's home page. */
    Browser signInToConsole(String email, String password) {
        open("/console/sign-in");
        return submitSignIn(email, password).waitForPath("/console");
    }

    /** Fills in the portal's registration form and sends it; returns what the page then says. */
    String registerInPortal(String name, String email, String password) {
        open("/portal/register");
        type("name", name).type("email", email).type("password", password).type("confirm", password);
        driver.findElement(By.id("register")).click();
        return waitFor(By.cssSelector("[data-testid=registration-sent]")).getText();
    }

    /** Follows the link of the verification mail; returns what the page then says. */
    String verifyEmail(String link) {
        open(link);
        return waitFor(By.cssSelector("[data-testid=verified]")).getText();
    }

    /** Signs in through the portal's form and waits for the developer's applications page. */
    Browser signInToPortal(String email, String password) {
        open("/portal/sign-in");
        return submitSignIn(email, password).waitForPath("/portal/apps");
    }

    private Browser submitSignIn(String email, String password) {
        type("email", email).type("password", password);
        driver.findElement(By.id("sign-in")).click();
        return this;
    }

    /** Saves the page as target/screenshots/{name}.png. */
    void screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        chromium.close();
    }
}
