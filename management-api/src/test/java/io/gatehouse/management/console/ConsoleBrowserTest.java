package io.gatehouse.management.console;

import io.gatehouse.management.EmbeddedPostgresResource;
import io.gatehouse.management.accounts.Accounts;
import io.gatehouse.management.accounts.Role;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
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
class ConsoleBrowserTest extends BrowserTestBase {

    @Inject
    Accounts accounts;

    @Test
    void anOwnerSignsInCreatesAnAccessTokenAndSignsOut(TestInfo test) throws Exception {
        String email = TestAccounts.email(Role.API_OWNER);
        accounts.createLocal(email, Set.of(Role.API_OWNER_NAME), "payments", TestAccounts.PASSWORD);

        open("/console");
        waitForPath("/console/sign-in");
        assertThat(Files.size(screenshot(test, "sign-in"))).isPositive();
        waitFor(By.id("email")).sendKeys(email);
        driver.findElement(By.id("password")).sendKeys("a wrong password");
        driver.findElement(By.id("sign-in")).click();
        assertThat(waitFor(By.id("sign-in-error")).getText()).contains("not right");
        screenshot(test, "sign-in-refused");

        signIn(email, TestAccounts.PASSWORD);
        assertThat(waitFor(By.cssSelector("[data-testid=user-email]")).getText()).isEqualTo(email);
        assertThat(driver.findElement(By.tagName("h1")).getText()).contains(email);
        assertThat(driver.getPageSource()).contains("Your team's APIs");
        screenshot(test, "home");

        driver.findElement(By.linkText("My access tokens")).click();
        waitForPath("/console/tokens");
        waitFor(By.id("token-name")).sendKeys("<b>deploy</b> from CI");
        driver.findElement(By.id("create-token")).click();
        WebElement tokenField = waitFor(By.cssSelector("[data-testid=new-token]"));
        String token = tokenField.getDomProperty("value");
        assertThat(token).startsWith("ghp_");
        assertThat(driver.findElements(By.tagName("b"))).as("the name is shown as text, not markup").isEmpty();
        assertThat(driver.findElement(By.id("issued-title")).getText()).contains("<b>deploy</b> from CI");
        screenshot(test, "token-created");

        assertThat(RestAssured.given().header("Authorization", "Bearer " + token).get("/admin/apis").statusCode()).isEqualTo(200);

        driver.findElement(By.cssSelector("button[aria-label^='Revoke']")).click();
        waitForPath("/console/tokens");
        assertThat(waitFor(By.cssSelector("table")).getText()).contains("revoked");
        assertThat(RestAssured.given().header("Authorization", "Bearer " + token).get("/admin/apis").statusCode()).isEqualTo(401);
        screenshot(test, "tokens");

        driver.findElement(By.xpath("//button[normalize-space()='Sign out']")).click();
        waitForPath("/console/sign-in");
        open("/console/tokens");
        waitForPath("/console/sign-in");
        screenshot(test, "signed-out");
    }

    @Test
    void theConsoleWorksOnAPhoneAndWithTheKeyboard(TestInfo test) {
        String email = TestAccounts.email(Role.ADMIN);
        accounts.createLocal(email, Set.of(Role.ADMIN_NAME), null, TestAccounts.PASSWORD);
        resize(390, 844);
        try {
            open("/console/sign-in");
            // Keyboard only: the skip link first, then the form's fields in order.
            WebElement body = waitFor(By.tagName("body"));
            body.sendKeys(Keys.TAB);
            assertThat(driver.switchTo().activeElement().getText()).isEqualTo("Skip to content");
            WebElement emailField = driver.findElement(By.id("email"));
            emailField.sendKeys(email);
            emailField.sendKeys(Keys.TAB);
            assertThat(driver.switchTo().activeElement().getDomAttribute("id")).isEqualTo("password");
            driver.switchTo().activeElement().sendKeys(TestAccounts.PASSWORD, Keys.ENTER);
            waitForPath("/console");
            Long scrollWidth = (Long) ((org.openqa.selenium.JavascriptExecutor) driver).executeScript("return document.documentElement.scrollWidth");
            Long clientWidth = (Long) ((org.openqa.selenium.JavascriptExecutor) driver).executeScript("return document.documentElement.clientWidth");
            assertThat(scrollWidth).as("no sideways scrolling on a phone").isLessThanOrEqualTo(clientWidth);
            assertThat(driver.findElement(By.linkText("Accounts")).isDisplayed()).isTrue();
            screenshot(test, "home-phone");
            open("/console/users");
            assertThat(waitFor(By.tagName("h1")).getText()).isEqualTo("Accounts");
            screenshot(test, "accounts-phone");
        } finally {
            resize(1280, 900);
        }
    }
}
