//! The HTML report of the example corpus in a real headless browser (Debian's `chromium`):
//! every section is shown, the page fits the window, no request leaves the page, and a
//! screenshot is kept under `target/tmp/html-report/` for a person to look at.
//!
//! Without a browser the tests are skipped with a note, unless `THRESH_REQUIRE_BROWSER=1`
//! (set by `.ci/run`), which makes a missing browser a failure. `THRESH_CHROMIUM` names
//! another binary.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{clean_into, corpus, fixtures};

/// Flags that keep the browser from reaching out on its own (updates, sync, first-run pages).
const BROWSER_FLAGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
];
const BROWSER_TIMEOUT: Duration = Duration::from_secs(120);

fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("THRESH_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|p| p.is_file())
}

/// The browser, or `None` (test skipped) when there is none and none is required.
fn chromium_or_skip() -> Option<PathBuf> {
    let required = std::env::var("THRESH_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    match find_chromium() {
        Some(p) => Some(p),
        None if required => {
            panic!("THRESH_REQUIRE_BROWSER=1 but no chromium found: apt-get install chromium")
        }
        None => {
            eprintln!("browser test skipped: no chromium on PATH (THRESH_REQUIRE_BROWSER=1 makes this a failure)");
            None
        }
    }
}

/// Run the browser on `page` with `args`, a fresh profile, and a time limit.
fn browse(chromium: &Path, page: &Path, args: &[OsString]) -> Output {
    let profile = tempfile::tempdir().expect("profile dir");
    // Output goes to files: a pipe nobody reads while waiting fills up and stalls the browser.
    let stdout = profile.path().join("stdout");
    let stderr = profile.path().join("stderr");
    let create = |p: &Path| std::fs::File::create(p).expect("output file");
    let mut user_data = OsString::from("--user-data-dir=");
    user_data.push(profile.path());
    let mut url = OsString::from("file://");
    url.push(page.canonicalize().expect("page exists"));
    let mut child = Command::new(chromium)
        .args(BROWSER_FLAGS)
        .arg(user_data)
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(create(&stdout))
        .stderr(create(&stderr))
        .spawn()
        .expect("start chromium");
    let started = Instant::now();
    let status = loop {
        match child.try_wait().expect("wait for chromium") {
            Some(status) => break status,
            None if started.elapsed() > BROWSER_TIMEOUT => {
                let _ = child.kill();
                panic!("chromium did not finish within {BROWSER_TIMEOUT:?}");
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    Output {
        status,
        stdout: std::fs::read(&stdout).unwrap_or_default(),
        stderr: std::fs::read(&stderr).unwrap_or_default(),
    }
}

/// URLs the page itself asked for (the browser's own background requests are told apart by
/// their initiator, "not an origin") that are not `file:` or `data:`.
fn requests_leaving_the_page(net_log: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(net_log).expect("net log written");
    // An interrupted log lacks its closing brackets; the events already written still count.
    let log: serde_json::Value = serde_json::from_str(&text)
        .or_else(|_| serde_json::from_str(&format!("{}]}}", text.trim_end().trim_end_matches(','))))
        .expect("net log is JSON");
    let start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
        .as_u64()
        .expect("net log names its event types");
    log["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"].as_u64() == Some(start_job))
        .filter(|e| e["params"]["initiator"].as_str() != Some("not an origin"))
        .filter_map(|e| e["params"]["url"].as_str())
        .filter(|url| !url.starts_with("file:") && !url.starts_with("data:"))
        .map(str::to_string)
        .collect()
}

fn net_log_of(chromium: &Path, page: &Path, dir: &Path) -> Vec<String> {
    let log = dir.join(format!(
        "{}.netlog.json",
        page.file_stem().and_then(|s| s.to_str()).unwrap_or("page")
    ));
    let mut arg = OsString::from("--log-net-log=");
    arg.push(&log);
    let out = browse(chromium, page, &[arg, "--dump-dom".into()]);
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    requests_leaving_the_page(&log)
}

/// Runs in a copy of the report: for each section, whether it is laid out with a size, shown,
/// and headed; whether the page is wider than the window; how many bars and struck blocks.
const PROBE: &str = r##"<script>
(function () {
  var out = {};
  [SECTION_IDS].forEach(function (id) {
    var el = document.getElementById(id);
    if (!el) { out[id] = "missing"; return; }
    var r = el.getBoundingClientRect();
    var cs = getComputedStyle(el);
    var h2 = el.querySelector("h2");
    var shown = r.width > 0 && r.height > 0 && cs.display !== "none" &&
      cs.visibility === "visible" && h2 !== null &&
      h2.getBoundingClientRect().height > 0 && h2.textContent.length > 0;
    out[id] = shown ? "visible" : "hidden";
  });
  out.overflow = document.documentElement.scrollWidth > window.innerWidth;
  out.bars = document.querySelectorAll("#frequency svg rect").length;
  out.struck = document.querySelectorAll("#samples del").length;
  var pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"##;

fn artefacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-report");
    std::fs::create_dir_all(&dir).expect("artefact dir");
    dir
}

#[test]
fn fixture_report_shows_every_section_and_sends_no_request() {
    let Some(chromium) = chromium_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("report.html");
    clean_into(fixtures().join("scraped"), tmp.path().join("out"))
        .arg("--html-report")
        .arg(&report)
        .assert()
        .success();
    let html = std::fs::read_to_string(&report).unwrap();
    std::fs::write(artefacts().join("fixture-report.html"), &html).unwrap();

    // The page as a user opens it: a screenshot, and no request but the file itself.
    let screenshot = artefacts().join("fixture-report.png");
    let _ = std::fs::remove_file(&screenshot);
    let mut shot = OsString::from("--screenshot=");
    shot.push(&screenshot);
    let out = browse(
        &chromium,
        &report,
        &[shot, "--window-size=1280,2400".into()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(&screenshot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "screenshot looks empty"
    );
    let leaks = net_log_of(&chromium, &report, tmp.path());
    assert!(leaks.is_empty(), "the report requested {leaks:?}");

    // A copy with a probe script (allowed by a relaxed policy in the copy only) reports
    // whether each section is laid out with a size and shown, and whether the page fits.
    let ids: Vec<String> = thresh::output::html::SECTIONS
        .iter()
        .map(|id| format!("\"{id}\""))
        .collect();
    let probe = PROBE.replace("SECTION_IDS", &ids.join(","));
    let probed = html
        .replace(
            "default-src 'none'; style-src 'unsafe-inline'",
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'",
        )
        .replace("</body>", &format!("{probe}</body>"));
    let probed_path = tmp.path().join("probed.html");
    std::fs::write(&probed_path, probed).unwrap();
    let out = browse(
        &chromium,
        &probed_path,
        &["--dump-dom".into(), "--window-size=1280,2400".into()],
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    let json = dom
        .split("<pre id=\"probe\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap_or_else(|| {
            panic!(
                "probe did not run: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let probe: serde_json::Value = serde_json::from_str(json).expect("probe JSON");
    for id in thresh::output::html::SECTIONS {
        assert_eq!(probe[id], "visible", "section {id}: {probe}");
    }
    assert_eq!(
        probe["overflow"], false,
        "the page is wider than the window: {probe}"
    );
    assert!(
        probe["bars"].as_u64().unwrap_or(0) >= 5,
        "histogram bars: {probe}"
    );
    assert!(
        probe["struck"].as_u64().unwrap_or(0) >= 10,
        "struck blocks: {probe}"
    );
}

/// Corpus text that would load something if it reached the page as markup stays text, and
/// the check above does see a request when a page makes one.
#[test]
fn markup_in_the_corpus_sends_no_request_and_the_check_can_see_one() {
    let Some(chromium) = chromium_or_skip() else {
        return;
    };
    let hostile = "<img src=\"http://127.0.0.1:9/thresh-leak.png\"><link rel=\"stylesheet\" href=\"http://127.0.0.1:9/x.css\">";
    let docs: Vec<(String, Vec<u8>)> = (0..6)
        .map(|i| {
            (
                format!("site/{i}.txt"),
                format!(
                    "{hostile}\nStory number {i}: {} happened on day {i}.\n",
                    ["rain", "sun", "snow", "fog", "wind", "hail"][i]
                )
                .into_bytes(),
            )
        })
        .collect();
    let refs: Vec<(&str, &[u8])> = docs
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    let input = corpus(&refs);
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("hostile.html");
    clean_into(input.path(), tmp.path().join("out"))
        .arg("--html-report")
        .arg(&report)
        .assert()
        .success();
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("&lt;img src=&quot;http://127.0.0.1:9/thresh-leak.png&quot;&gt;"));
    assert!(net_log_of(&chromium, &report, tmp.path()).is_empty());

    // Control: the same markup unescaped is requested, so an empty list above means something.
    let control = tmp.path().join("control.html");
    std::fs::write(
        &control,
        format!("<!DOCTYPE html><html><body>{hostile}</body></html>"),
    )
    .unwrap();
    let leaks = net_log_of(&chromium, &control, tmp.path());
    assert!(
        leaks.iter().any(|u| u.contains("thresh-leak.png")),
        "the net-log check saw no request from a page that makes one: {leaks:?}"
    );
}
