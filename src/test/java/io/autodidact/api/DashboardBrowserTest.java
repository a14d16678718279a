package io.autodidact.api;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.autodidact.engine.djl.DjlEngineFactory;
import io.autodidact.engine.djl.EngineOptions;
import io.autodidact.run.EngineFactories;
import io.autodidact.service.RunService;
import io.autodidact.worker.WorkerServer;
import io.autodidact.testing.Chromium;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
    static final String OPERATOR = "op-secret", WORKER_TOKEN = "worker-secret";
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

    @Test
    void showsTheWorkersOfARemoteRunAndTheirStateAsItChanges() throws Exception {
        browser = Chromium.start();
        EngineOptions engine = EngineOptions.defaults().withThreads(1).withMaxBatchRows(64);
        WorkerServer a = WorkerServer.start(new WorkerServer.Config("127.0.0.1", 0, Set.of(WORKER_TOKEN), engine));
        WorkerServer b = WorkerServer.start(new WorkerServer.Config("127.0.0.1", 0, Set.of(WORKER_TOKEN), engine));
        WorkerServer b2 = null;
        try {
            service = new RunService(root, 1, spec -> EngineFactories.forRun(spec, 1, Map.of(WorkerServer.TOKEN_ENV, WORKER_TOKEN)));
            server = ApiServer.start(0, service, new TokenAuth(Map.of(OPERATOR, Role.OPERATOR), Optional.empty()));
            String config = io.autodidact.testing.TinyRun.CONFIG.replace("engine: {threads: 1, max_batch_rows: 64}",
                    "engine: {type: remote, workers: [" + a.address() + ", " + b.address() + "], chunk_rows: 8, heartbeat_s: 0.1,"
                            + " worker_deadline_s: 2, wait_for_workers_s: 60}");
            var submit = HttpRequest.newBuilder(server.uri().resolve("/api/runs")).header("Authorization", "Bearer " + OPERATOR)
                    .header("Content-Type", "application/yaml").POST(HttpRequest.BodyPublishers.ofString(config)).build();
            String id = (String) JSON.readValue(HttpClient.newHttpClient().send(submit, HttpResponse.BodyHandlers.ofString()).body(), Map.class)
                    .get("id");

            browser.get(server.uri() + "/?token=" + OPERATOR + "#run/" + id);
            var wait = new WebDriverWait(browser, Duration.ofMinutes(2), Duration.ofMillis(100));
            String aRow = "#workers tr[data-worker='" + a.address() + "']", bRow = "#workers tr[data-worker='" + b.address() + "']";
            wait.until(d -> cell(d, aRow, "state").equals("up") && cell(d, bRow, "state").equals("up"));
            assertTrue(browser.findElement(By.id("workers")).isDisplayed(), "the workers card shows for a remote run");
            assertEquals("trainer+generator", cell(browser, aRow, "role"));
            assertEquals("generator", cell(browser, bRow, "role"));

            // The page stays open (no reload): once it follows the run's events, b's row goes from up to dead and back.
            wait.until(d -> d.findElement(By.id("live")).getText().contains("live"));
            int port = b.port();
            b.close();
            wait.until(d -> cell(d, bRow, "state").equals("dead"));
            assertFalse(cell(browser, bRow, "last-error").isEmpty(), "a dead worker's row says why");
            b2 = WorkerServer.start(new WorkerServer.Config("127.0.0.1", port, Set.of(WORKER_TOKEN), engine));
            wait.until(d -> cell(d, bRow, "state").equals("up") && cell(d, bRow, "rejoins").equals("1"));

            wait.until(d -> d.findElement(By.id("summary")).getText().contains("completed"));
            wait.until(d -> Long.parseLong(cell(d, aRow, "samples")) > 0);
            assertTrue(Double.parseDouble(cell(browser, aRow, "tokens-per-s")) > 0, "the trainer generated: " + cell(browser, aRow, "tokens-per-s"));
        } finally {
            a.close();
            b.close();
            if (b2 != null) b2.close();
        }
    }

    /**
     * The text of the cell with class {@code column} in the row {@code row}, "" while the row is not there. Read in one
     * script call: the table is redrawn on every event, so an element found first and read after may be gone.
     */
    private static String cell(WebDriver d, String row, String column) {
        Object text = ((org.openqa.selenium.JavascriptExecutor) d).executeScript(
                "const c = document.querySelector(arguments[0]); return c ? c.textContent.trim() : '';", row + " td." + column);
        return text == null ? "" : text.toString();
    }
}
