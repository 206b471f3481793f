//! The dashboard in a real headless Chromium, driven over WebDriver (ChromeDriver), against a
//! running daemon: a task added through the form appears, and so does one queued elsewhere,
//! without a reload; pause and resume; a task's drill-down with its commit's diff; a log line
//! arriving live; the worker count changed in settings shows in the worker table without a
//! restart; and text meant to run never does. Screenshots of every page go to
//! `target/screenshots/` (the overview, a task, the list, a bulk action, the log, settings and
//! a review of them, the checkpoint page, an error).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use super::helpers::{TestRepo, http};

/// How long a live change may take to show.
const LIVE: Duration = Duration::from_secs(30);

/// ChromeDriver on a free port, stopped on drop.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian's chromium-driver; scripts/setup installs it)");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < LIVE, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Self { child, port }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn browser(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".to_owned(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000"],
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .unwrap()
}

fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshots().join(format!("{name}.png")), png).unwrap();
}

/// The text of the element `css`, or "" while there is none.
async fn text(client: &Client, css: &str) -> String {
    match client.find(Locator::Css(css)).await {
        Ok(element) => element.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Waits until the text of `css` satisfies `done`.
async fn until(client: &Client, css: &str, what: &str, done: impl Fn(&str) -> bool) -> String {
    let started = Instant::now();
    loop {
        let now = text(client, css).await;
        if done(&now) {
            return now;
        }
        assert!(
            started.elapsed() < LIVE,
            "{what}: {css} still shows {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Marks the page; the mark is gone if the page reloads.
async fn mark(client: &Client) {
    client
        .execute("window.__mark = 'kept'; return true;", vec![])
        .await
        .unwrap();
}

async fn marked(client: &Client) -> bool {
    client
        .execute("return window.__mark === 'kept';", vec![])
        .await
        .unwrap()
        == json!(true)
}

async fn nothing_ran(client: &Client) -> bool {
    client
        .execute("return window.__xss === undefined;", vec![])
        .await
        .unwrap()
        == json!(true)
}

#[test]
fn the_dashboard_in_a_real_browser_shows_and_steers_a_running_daemon() {
    let mut repo = TestRepo::new();
    repo.use_greeting_model();
    repo.ok(&["pause"]);
    let daemon = repo.serve(&["--workers", "1"]);
    let addr = daemon.http_addr();
    let base = format!("http://{addr}");
    let driver = Driver::start();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = browser(&driver).await;
        client.goto(&format!("{base}/")).await.unwrap();
        until(&client, "#agent-state", "paused from the CLI", |s| {
            s == "paused"
        })
        .await;
        until(&client, "#workers", "one worker", |s| s.contains("w0")).await;

        // A task through the form.
        let description = "Create greet.py with greet(name) returning 'hi ' + name";
        let field = client.find(Locator::Css("#new-task")).await.unwrap();
        field.send_keys(description).await.unwrap();
        client
            .find(Locator::Css("#queue-task"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        until(&client, "#overview", "the task from the form", |s| {
            s.contains(description)
        })
        .await;
        // One queued elsewhere shows without a reload; so does text meant to run, as text.
        mark(&client).await;
        let hostile = "<img src=x onerror=\"window.__xss=1\"><script>window.__xss=1</script>";
        let (status, _) = http(&addr, "POST", "/api/task", "text/plain", hostile);
        assert_eq!(status, 201);
        until(&client, "#overview", "the task from the API", |s| {
            s.contains("onerror")
        })
        .await;
        assert!(marked(&client).await, "the page reloaded");
        assert!(nothing_ran(&client).await, "a task's text ran in the page");
        screenshot(&client, "overview").await;

        // Resume: the worker takes the task, and it lands.
        client
            .find(Locator::Css("#pause-resume"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        until(&client, "#agent-state", "resumed", |s| s == "running").await;
        mark(&client).await;
        until(&client, "#counts", "the task landed", |s| {
            s.contains("1 succeeded") || s.contains("1\nsucceeded")
        })
        .await;
        // The worker that ran it counts it.
        until(&client, "#workers", "the worker's tally", |s| {
            s.contains("1 landed")
        })
        .await;
        assert!(marked(&client).await, "the page reloaded");

        // The drill-down: the diff read from the commit.
        client.goto(&format!("{base}/tasks/1")).await.unwrap();
        let diff = text(&client, "#diff").await;
        assert!(diff.contains("+def greet(name):"), "{diff}");
        screenshot(&client, "task").await;
        client.goto(&format!("{base}/tasks/2")).await.unwrap();
        assert!(nothing_ran(&client).await, "a task's text ran on its page");
        client
            .goto(&format!("{base}/tasks?q=onerror"))
            .await
            .unwrap();
        until(&client, "#task-list", "the search", |s| {
            s.contains("onerror")
        })
        .await;
        assert!(nothing_ran(&client).await, "a task's text ran in the list");
        screenshot(&client, "tasks").await;

        // A log line arrives live.
        client.goto(&format!("{base}/logs")).await.unwrap();
        mark(&client).await;
        let (status, _) = http(&addr, "POST", "/api/pause", "text/plain", "");
        assert_eq!(status, 200);
        until(&client, "#log", "the pause in the log", |s| {
            s.contains("paused by api")
        })
        .await;
        assert!(marked(&client).await, "the page reloaded");
        assert!(nothing_ran(&client).await, "a log line ran");
        screenshot(&client, "logs").await;
        http(&addr, "POST", "/api/resume", "text/plain", "");

        // Pause and resume from a page's own button, which comes back to that page.
        client.goto(&format!("{base}/tasks")).await.unwrap();
        let click = |css: &'static str| {
            let client = client.clone();
            async move {
                client
                    .find(Locator::Css(css))
                    .await
                    .unwrap()
                    .click()
                    .await
                    .unwrap();
            }
        };
        click("#pause-resume").await;
        until(&client, "#pause-resume", "the pause", |s| s == "Resume").await;
        assert!(client.current_url().await.unwrap().path() == "/tasks");
        assert!(
            repo.ok(&["status"]).contains("PAUSED"),
            "paused from the browser"
        );

        // Cancel a task, then retry it with a note, from its page.
        let (status, _) = http(&addr, "POST", "/api/task", "text/plain", "Create noop.py");
        assert_eq!(status, 201);
        client.goto(&format!("{base}/tasks/3")).await.unwrap();
        click("#cancel").await;
        until(&client, "h1", "cancelled", |s| s.contains("cancelled")).await;
        let note = client.find(Locator::Css("#note")).await.unwrap();
        note.send_keys("keep it empty").await.unwrap();
        click("#retry").await;
        until(&client, "h1", "queued again", |s| s.contains("queued")).await;
        let description = text(&client, ".description").await;
        assert!(
            description.ends_with("Note for the next attempt: keep it empty"),
            "{description}"
        );
        // Bulk: the count first, nothing done until confirmed; then the error page.
        client
            .goto(&format!("{base}/tasks/bulk?action=cancel&status=queued"))
            .await
            .unwrap();
        // The one just queued again, and any the greeting model left queued.
        let confirm = text(&client, "#confirm-bulk").await;
        assert!(
            confirm.starts_with("cancel ")
                && confirm.ends_with(" task(s)")
                && !confirm.contains(" 0 "),
            "{confirm}"
        );
        screenshot(&client, "bulk").await;
        click("#confirm-bulk").await;
        // Back on the list it came from, which now shows no queued task.
        until(&client, "#task-list", "cancelled in bulk", |s| {
            !s.contains("queued")
        })
        .await;
        assert!(
            repo.tasks().iter().all(|t| t["status"] != "queued"),
            "{:#?}",
            repo.tasks()
        );
        client.goto(&format!("{base}/tasks/999")).await.unwrap();
        screenshot(&client, "error").await;
        client.goto(&format!("{base}/checkpoint")).await.unwrap();
        screenshot(&client, "checkpoint").await;
        client.goto(&format!("{base}/tasks")).await.unwrap();
        click("#pause-resume").await;
        until(&client, "#pause-resume", "the resume", |s| s == "Pause").await;

        // The worker count, changed in settings, applied without a restart.
        client.goto(&format!("{base}/settings")).await.unwrap();
        until(&client, "#workers-now", "one worker", |s| s == "1").await;
        let field = client.find(Locator::Css("#workers")).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys("3").await.unwrap();
        client
            .find(Locator::Css("#apply-workers"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        screenshot(&client, "settings").await;
        // A setting is shown as a review before it applies.
        client.goto(&format!("{base}/settings")).await.unwrap();
        let timeout = client
            .find(Locator::Css("#set-task_timeout"))
            .await
            .unwrap();
        timeout.clear().await.unwrap();
        timeout.send_keys("600").await.unwrap();
        click("#review-settings").await;
        until(
            &client,
            "#changes",
            "the review of the setting",
            |changes| changes.contains("task_timeout") && changes.contains("600"),
        )
        .await;
        screenshot(&client, "settings-review").await;
        client.goto(&format!("{base}/")).await.unwrap();
        mark(&client).await;
        until(&client, "#workers", "three workers", |s| s.contains("w2")).await;
        assert!(marked(&client).await, "the page reloaded");
        screenshot(&client, "overview-3-workers").await;
        client.close().await.unwrap();
    });
    let log = daemon.stop();
    assert!(log.contains("workers running"), "{log}");
}
