package io.autodidact.api;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.autodidact.engine.djl.DjlEngineFactory;
import io.autodidact.engine.djl.EngineOptions;
import io.autodidact.service.RunService;
import io.autodidact.testing.Chromium;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/** The dashboard in a real headless Chromium against the real server and a real tiny run. */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class DashboardBrowserTest {
    static final String OPERATOR = "op-secret";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path root;
    RunService service;
    ApiServer server;
    WebDriver browser;

    @AfterEach
    void tearDown() {
        if (browser != null) browser.quit();
        if (server != null) server.close();
        if (service != null) service.close();
    }

    @Test
    void listsARunDrawsItsChartsLiveAndSubmitsARunFromTheForm() throws Exception {
        browser = Chromium.start(); // first: installs chromium and chromium-driver when they are missing
        service = new RunService(root, 1, spec -> new DjlEngineFactory(EngineOptions.defaults().withThreads(1)));
        server = ApiServer.start(0, service, new TokenAuth(Map.of(OPERATOR, Role.OPERATOR), Optional.empty()));
        HttpClient http = HttpClient.newHttpClient();
        var submit = HttpRequest.newBuilder(server.uri().resolve("/api/runs")).header("Authorization", "Bearer " + OPERATOR)
                .header("Content-Type", "application/yaml").POST(HttpRequest.BodyPublishers.ofString(io.autodidact.testing.TinyRun.CONFIG)).build();
        String id = (String) JSON.readValue(http.send(submit, HttpResponse.BodyHandlers.ofString()).body(), Map.class).get("id");

        browser.get(server.uri() + "/?token=" + OPERATOR);
        var wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        var row = wait.until(d -> d.findElements(By.cssSelector("tr[data-run='" + id + "']")).stream().findFirst().orElse(null));
        assertTrue(row.getText().contains("star"), row.getText());
        wait.until(d -> d.findElement(By.cssSelector("tr[data-run='" + id + "'] td:nth-child(2)")).getText().matches("queued|running"));

        // The run page: its accuracy chart gains points as the run's metrics events arrive over the stream.
        browser.findElement(By.linkText(id)).click();
        var slow = new WebDriverWait(browser, Duration.ofMinutes(4), Duration.ofMillis(200));
        int first = slow.until(d -> {
            int n = d.findElements(By.cssSelector("#accuracy circle")).size();
            return n > 0 ? n : null;
        });
        String status = service.get(id).orElseThrow().get("status").toString();
        assertEquals("running", status, "the first points must arrive while the run is still running");
        slow.until(d -> d.findElements(By.cssSelector("#accuracy circle")).size() > first);
        slow.until(d -> d.findElement(By.id("summary")).getText().contains("completed"));
        assertEquals(3, browser.findElements(By.cssSelector("#accuracy polyline.series")).get(0).getAttribute("points").split(" ").length,
                "the overall accuracy line has iterations 0, 1 and 2");
        assertFalse(browser.findElements(By.cssSelector("#reward circle")).isEmpty(), "the reward distribution is drawn");

        // The form: pick a recipe, submit the default tiny config, land on the new run's page.
        browser.get(server.uri() + "/");
        wait.until(d -> d.findElements(By.cssSelector("#recipe option")).size() >= 2);
        new Select(browser.findElement(By.id("recipe"))).selectByVisibleText("star");
        browser.findElement(By.id("submit")).click();
        wait.until(d -> d.getCurrentUrl().contains("#run/") && !d.getCurrentUrl().endsWith(id));
        String second = browser.getCurrentUrl().substring(browser.getCurrentUrl().indexOf("#run/") + 5);
        assertEquals(2, service.list(Optional.empty(), 0, 10).get("total"));
        assertTrue(service.get(second).isPresent(), "the form created run " + second);
        service.stop(second, io.autodidact.service.RunStatus.CANCELLED);
    }
}
