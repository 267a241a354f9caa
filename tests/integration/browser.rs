//! The HTML report of the example corpus in a real headless browser (Debian's `chromium`):
//! every section is shown, the page fits the window, no request leaves the page, each sample
//! document shows a removed block without scrolling, every setting names its flag, and a
//! screenshot at a laptop's size, opened at the sample documents, shows removed blocks (its
//! pixels are read back and the reasons' colours counted). The screenshots are kept under
//! `target/tmp/html-report/` for a person to look at.
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
  // Each sample document's first removed block lies inside its box as it opens: no
  // scrolling, no unfolding.
  var docs = document.querySelectorAll("#samples .doc .body");
  out.sampleDocs = docs.length;
  var samples = document.getElementById("samples");
  out.samplesTop = samples ? Math.round(samples.getBoundingClientRect().top + window.scrollY) : -1;
  out.removedInView = 0;
  docs.forEach(function (body) {
    var first = body.querySelector(".blk.removed");
    if (!first) { return; }
    var top = first.getBoundingClientRect().top - body.getBoundingClientRect().top;
    if (top >= 0 && top + first.getBoundingClientRect().height <= body.clientHeight &&
        first.offsetParent !== null) { out.removedInView += 1; }
  });
  out.folds = document.querySelectorAll("#samples details.fold").length;
  // The configuration table: rows whose flag cell is empty.
  out.settings = 0;
  out.settingsWithoutFlag = 0;
  document.querySelectorAll("#config tbody tr").forEach(function (tr) {
    out.settings += 1;
    if (tr.children[1].textContent.trim() === "") { out.settingsWithoutFlag += 1; }
  });
  // The --min-docs line lies inside the histogram's plot.
  var svg = document.querySelector("#frequency svg");
  var line = svg && svg.querySelector("line[stroke-dasharray]");
  out.thresholdInPlot = !!line && +line.getAttribute("x1") > 0 &&
    +line.getAttribute("x1") < svg.viewBox.baseVal.width;
  var pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"##;

/// Load a copy of the report with [`PROBE`] added (its policy relaxed for inline script in
/// the copy only) in a window of `size` ("W,H"), and return what the probe measured.
fn probe_page(chromium: &Path, html: &str, dir: &Path, size: &str) -> serde_json::Value {
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
    let probed_path = dir.join("probed.html");
    std::fs::write(&probed_path, probed).unwrap();
    let out = browse(
        chromium,
        &probed_path,
        &["--dump-dom".into(), format!("--window-size={size}").into()],
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
    serde_json::from_str(json).expect("probe JSON")
}

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
    let probe = probe_page(&chromium, &html, tmp.path(), "1280,2400");
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
    assert!(
        probe["sampleDocs"].as_u64().unwrap_or(0) >= 4,
        "samples: {probe}"
    );
    assert_eq!(
        probe["removedInView"], probe["sampleDocs"],
        "a sample document opens away from its removed blocks: {probe}"
    );
    assert!(probe["settings"].as_u64().unwrap_or(0) >= 30, "{probe}");
    assert_eq!(
        probe["settingsWithoutFlag"], 0,
        "settings without a flag: {probe}"
    );
    assert_eq!(probe["thresholdInPlot"], true, "{probe}");
}

/// A screenshot as a user sees the report on a laptop, opened at the sample documents: the
/// removed blocks are on screen. The pixels are read back from the PNG and the reasons'
/// colours counted, so a page that hides them (scrolled boxes, a sample section pushed out of
/// view) fails.
#[test]
fn a_laptop_screenshot_of_the_samples_shows_removed_blocks() {
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
    // Where the sample documents start at a laptop's width; the screenshot is taken down to
    // one screen below that and the last screen cut out: what a reader who followed the
    // "Sample documents" link sees. (Headless screenshots ignore a URL's #fragment.)
    let (width, height) = (1366usize, 768usize);
    let html = std::fs::read_to_string(&report).unwrap();
    let probe = probe_page(&chromium, &html, tmp.path(), &format!("{width},{height}"));
    let top = probe["samplesTop"].as_u64().expect("samples section") as usize;
    let full = artefacts().join("samples-laptop-full.png");
    let _ = std::fs::remove_file(&full);
    let mut shot = OsString::from("--screenshot=");
    shot.push(&full);
    let size = OsString::from(format!("--window-size={width},{}", top + height));
    let out = browse(&chromium, &report, &[shot, size]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = decode_png(&std::fs::read(&full).expect("screenshot written"));
    assert_eq!((page.width, page.height), (width, top + height));
    let image = Image {
        width,
        height,
        pixels: page.pixels[top * width..].to_vec(),
    };
    let screenshot = artefacts().join("samples-laptop.png");
    std::fs::write(&screenshot, encode_png(&image)).unwrap();
    let share = |rgb: [u8; 3]| {
        let n = image.pixels.iter().filter(|p| near(**p, rgb)).count();
        n as f64 / image.pixels.len() as f64
    };
    // Backgrounds of removed blocks (boilerplate, template variant, repeated in document) and
    // the boilerplate tag: together they must cover a visible part of the screen.
    let boilerplate = share([0xfb, 0xe3, 0xd6]);
    let removed = boilerplate + share([0xf6, 0xdc, 0xd5]) + share([0xdc, 0xeb, 0xf7]);
    let tag = share([0xd5, 0x5e, 0x00]);
    assert!(
        removed > 0.03 && tag > 0.0005,
        "removed blocks cover {:.2}% of the screenshot ({:.2}% boilerplate), tags {:.3}%: see {}",
        100.0 * removed,
        100.0 * boilerplate,
        100.0 * tag,
        screenshot.display()
    );
}

/// An RGB PNG of `image` (no filter, zlib at the default level), for a person to look at.
fn encode_png(image: &Image) -> Vec<u8> {
    use std::io::Write;
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], body: &[u8]) {
        out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        let mut typed = kind.to_vec();
        typed.extend_from_slice(body);
        out.extend_from_slice(&typed);
        out.extend_from_slice(&crc32(&typed).to_be_bytes());
    }
    let mut raw = Vec::with_capacity(image.height * (image.width * 3 + 1));
    for row in image.pixels.chunks(image.width) {
        raw.push(0);
        raw.extend(row.iter().flatten());
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&raw).unwrap();
    let mut header = Vec::new();
    header.extend_from_slice(&(image.width as u32).to_be_bytes());
    header.extend_from_slice(&(image.height as u32).to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &header);
    chunk(&mut out, b"IDAT", &z.finish().unwrap());
    chunk(&mut out, b"IEND", &[]);
    out
}

/// Two colours within a small distance (anti-aliasing, colour management).
fn near(a: [u8; 3], b: [u8; 3]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= 3)
}

/// A decoded screenshot: RGB pixels row by row.
struct Image {
    width: usize,
    height: usize,
    pixels: Vec<[u8; 3]>,
}

/// Decode a PNG as chromium writes screenshots: 8-bit RGB or RGBA, not interlaced. (Enough
/// of the format for a test, with the zlib the crate already uses.)
fn decode_png(bytes: &[u8]) -> Image {
    use std::io::Read;
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let mut at = 8;
    let (mut width, mut height, mut channels) = (0usize, 0usize, 0usize);
    let mut data = Vec::new();
    while at + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let kind = &bytes[at + 4..at + 8];
        let body = &bytes[at + 8..at + 8 + len];
        match kind {
            b"IHDR" => {
                width = u32::from_be_bytes(body[0..4].try_into().unwrap()) as usize;
                height = u32::from_be_bytes(body[4..8].try_into().unwrap()) as usize;
                assert_eq!(body[8], 8, "8 bits per channel");
                channels = match body[9] {
                    2 => 3,
                    6 => 4,
                    other => panic!("PNG colour type {other}"),
                };
                assert_eq!(body[12], 0, "not interlaced");
            }
            b"IDAT" => data.extend_from_slice(body),
            b"IEND" => break,
            _ => {}
        }
        at += 12 + len;
    }
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(&data[..])
        .read_to_end(&mut raw)
        .expect("PNG data inflates");
    let stride = width * channels;
    let mut previous = vec![0u8; stride];
    let mut pixels = Vec::with_capacity(width * height);
    for row in raw.chunks(stride + 1).take(height) {
        let (filter, line) = (row[0], &row[1..]);
        let mut current = vec![0u8; stride];
        for i in 0..stride {
            let a = if i >= channels {
                current[i - channels]
            } else {
                0
            };
            let b = previous[i];
            let c = if i >= channels {
                previous[i - channels]
            } else {
                0
            };
            let predicted = match filter {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                4 => {
                    let p = i16::from(a) + i16::from(b) - i16::from(c);
                    let (pa, pb, pc) = (
                        (p - i16::from(a)).abs(),
                        (p - i16::from(b)).abs(),
                        (p - i16::from(c)).abs(),
                    );
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                other => panic!("PNG filter {other}"),
            };
            current[i] = line[i].wrapping_add(predicted);
        }
        pixels.extend(current.chunks(channels).map(|p| [p[0], p[1], p[2]]));
        previous = current;
    }
    assert_eq!(pixels.len(), width * height, "PNG rows");
    Image {
        width,
        height,
        pixels,
    }
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
