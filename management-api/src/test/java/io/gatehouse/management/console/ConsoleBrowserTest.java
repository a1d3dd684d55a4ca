package io.gatehouse.management.console;

import io.gatehouse.management.EmbeddedPostgresResource;
import io.gatehouse.management.accounts.Accounts;
import io.gatehouse.management.accounts.Role;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

import java.nio.file.Files;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class ConsoleBrowserTest {
    static ConsoleBrowser browser;

    @BeforeAll
    static void startBrowser() {
        browser = ConsoleBrowser.ofTestServer();
    }

    @AfterAll
    static void closeBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    /** Every test starts signed out: the browser is shared by the class, its cookies are not. */
    @BeforeEach
    void signedOut() {
        browser.signedOut();
    }


    @Inject
    Accounts accounts;

    @Test
    void anOwnerSignsInCreatesAnAccessTokenAndSignsOut(TestInfo test) throws Exception {
        String email = TestAccounts.email(Role.API_OWNER);
        accounts.createLocal(email, Set.of(Role.API_OWNER_NAME), "payments", TestAccounts.PASSWORD);

        browser.open("/console");
        browser.waitForPath("/console/sign-in");
        assertThat(Files.size(browser.screenshot(test, "sign-in"))).isPositive();
        browser.waitFor(By.id("email")).sendKeys(email);
        browser.driver().findElement(By.id("password")).sendKeys("a wrong password");
        browser.driver().findElement(By.id("sign-in")).click();
        assertThat(browser.waitFor(By.id("sign-in-error")).getText()).contains("not right");
        browser.screenshot(test, "sign-in-refused");

        browser.signIn(email, TestAccounts.PASSWORD);
        assertThat(browser.waitFor(By.cssSelector("[data-testid=user-email]")).getText()).isEqualTo(email);
        assertThat(browser.driver().findElement(By.tagName("h1")).getText()).contains(email);
        assertThat(browser.driver().getPageSource()).contains("Your team's APIs");
        browser.screenshot(test, "home");

        browser.driver().findElement(By.linkText("My access tokens")).click();
        browser.waitForPath("/console/tokens");
        browser.waitFor(By.id("token-name")).sendKeys("<b>deploy</b> from CI");
        browser.driver().findElement(By.id("create-token")).click();
        WebElement tokenField = browser.waitFor(By.cssSelector("[data-testid=new-token]"));
        String token = tokenField.getDomProperty("value");
        assertThat(token).startsWith("ghp_");
        assertThat(browser.driver().findElements(By.tagName("b"))).as("the name is shown as text, not markup").isEmpty();
        assertThat(browser.driver().findElement(By.id("issued-title")).getText()).contains("<b>deploy</b> from CI");
        browser.screenshot(test, "token-created");

        assertThat(RestAssured.given().header("Authorization", "Bearer " + token).get("/admin/apis").statusCode()).isEqualTo(200);

        browser.driver().findElement(By.cssSelector("button[aria-label^='Revoke']")).click();
        browser.waitForPath("/console/tokens");
        assertThat(browser.waitFor(By.cssSelector("table")).getText()).contains("revoked");
        assertThat(RestAssured.given().header("Authorization", "Bearer " + token).get("/admin/apis").statusCode()).isEqualTo(401);
        browser.screenshot(test, "tokens");

        browser.driver().findElement(By.xpath("//button[normalize-space()='Sign out']")).click();
        browser.waitForPath("/console/sign-in");
        browser.open("/console/tokens");
        browser.waitForPath("/console/sign-in");
        browser.screenshot(test, "signed-out");
    }

    @Test
    void theConsoleWorksOnAPhoneAndWithTheKeyboard(TestInfo test) {
        String email = TestAccounts.email(Role.ADMIN);
        accounts.createLocal(email, Set.of(Role.ADMIN_NAME), null, TestAccounts.PASSWORD);
        browser.resize(390, 844);
        try {
            browser.open("/console/sign-in");
            // Keyboard only: the skip link first, then the form's fields in order.
            WebElement body = browser.waitFor(By.tagName("body"));
            body.sendKeys(Keys.TAB);
            assertThat(browser.driver().switchTo().activeElement().getText()).isEqualTo("Skip to content");
            WebElement emailField = browser.driver().findElement(By.id("email"));
            emailField.sendKeys(email);
            emailField.sendKeys(Keys.TAB);
            assertThat(browser.driver().switchTo().activeElement().getDomAttribute("id")).isEqualTo("password");
            browser.driver().switchTo().activeElement().sendKeys(TestAccounts.PASSWORD, Keys.ENTER);
            browser.waitForPath("/console");
            Long scrollWidth = (Long) ((org.openqa.selenium.JavascriptExecutor) browser.driver()).executeScript("return document.documentElement.scrollWidth");
            Long clientWidth = (Long) ((org.openqa.selenium.JavascriptExecutor) browser.driver()).executeScript("return document.documentElement.clientWidth");
            assertThat(scrollWidth).as("no sideways scrolling on a phone").isLessThanOrEqualTo(clientWidth);
            assertThat(browser.driver().findElement(By.linkText("Accounts")).isDisplayed()).isTrue();
            browser.screenshot(test, "home-phone");
            browser.open("/console/users");
            assertThat(browser.waitFor(By.tagName("h1")).getText()).isEqualTo("Accounts");
            browser.screenshot(test, "accounts-phone");
        } finally {
            browser.resize(1280, 900);
        }
    }
}
