//! Flags of `thresh clean`, each checked on a small corpus built for it.

use predicates::str::contains;

use crate::harness::{clean_into, clean_with_report, corpus, read_tree, thresh};

/// Six articles of one site sharing a header and a footer.
fn site_files() -> Vec<(String, Vec<u8>)> {
    (0..6)
        .map(|i| {
            (
                format!("site.example/a{i}.txt"),
                format!(
                    "Site Header Menu Line\nArticle {i} says something unique about topic {}.\nSecond paragraph of article {i} with its own words {}.\nFooter: all rights reserved\n",
                    ["apples", "boats", "clouds", "drums", "eels", "ferns"][i],
                    ["red", "blue", "green", "gold", "grey", "pink"][i]
                )
                .into_bytes(),
            )
        })
        .collect()
}

fn site_corpus(extra: &[(&str, &[u8])]) -> tempfile::TempDir {
    let files = site_files();
    let mut all: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    all.extend_from_slice(extra);
    corpus(&all)
}

#[test]
fn hidden_files_and_other_extensions_are_skipped_unless_asked() {
    let dir = site_corpus(&[
        (
            "site.example/.draft.txt",
            b"Site Header Menu Line\nhidden text here\n",
        ),
        (
            "site.example/notes.md",
            b"Site Header Menu Line\nmarkdown text\n",
        ),
    ]);
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    let out = out.to_str().unwrap();
    thresh()
        .args(["clean", dir.path().to_str().unwrap(), "-o", out, "-q"])
        .assert()
        .success();
    let tree = read_tree(std::path::Path::new(out));
    assert_eq!(tree.len(), 6);
    thresh()
        .args([
            "clean",
            dir.path().to_str().unwrap(),
            "-o",
            out,
            "-q",
            "--hidden",
            "--ext",
            "txt",
            "--ext",
            "md",
            // Other settings: the first run's outputs are written again.
            "--overwrite",
        ])
        .assert()
        .success();
    let tree = read_tree(std::path::Path::new(out));
    assert!(tree.contains_key("site.example/.draft.txt"));
    assert!(tree.contains_key("site.example/notes.md"));
    assert_eq!(tree["site.example/notes.md"], b"markdown text\n");
}

#[cfg(unix)]
#[test]
fn symlinks_are_skipped_unless_followed() {
    let dir = site_corpus(&[]);
    let other = tempfile::tempdir().unwrap();
    std::fs::write(
        other.path().join("linked.txt"),
        b"Site Header Menu Line\nlinked body text\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(
        other.path().join("linked.txt"),
        dir.path().join("site.example/linked.txt"),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = out.path().join("o");
    clean_into(dir.path(), &o).arg("-q").assert().success();
    assert!(!o.join("site.example/linked.txt").exists());
    clean_into(dir.path(), &o)
        .args(["-q", "--follow-symlinks", "--overwrite"])
        .assert()
        .success();
    assert_eq!(
        std::fs::read(o.join("site.example/linked.txt")).unwrap(),
        b"linked body text\n"
    );
}

#[test]
fn output_inside_input_is_refused_with_exit_2() {
    let dir = site_corpus(&[]);
    clean_into(dir.path(), dir.path().join("cleaned"))
        .assert()
        .code(2)
        .stderr(contains("inside input"));
    assert!(!dir.path().join("cleaned").exists());
}

#[test]
fn missing_input_and_bad_values_are_usage_errors() {
    thresh()
        .args(["clean", "/nonexistent/thresh-input", "-o", "/tmp/x"])
        .assert()
        .code(2)
        .stderr(contains("does not exist"));
    let dir = site_corpus(&[]);
    let out = tempfile::tempdir().unwrap();
    let o = out.path().join("o");
    clean_into(dir.path(), &o)
        .args(["--min-docs", "1"])
        .assert()
        .code(2)
        .stderr(contains("--min-docs"));
    clean_into(dir.path(), &o)
        .args(["--drop-pattern", "("])
        .assert()
        .code(2)
        .stderr(contains("invalid pattern"));
    thresh()
        .arg("clean")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(contains("-o OUT"));
    thresh()
        .args(["clean", "--unit", "sentence"])
        .arg(dir.path())
        .assert()
        .code(2);
}

#[test]
fn site_share_and_no_sites() {
    let dir = site_corpus(&[]);
    // Six documents of one site: header and footer are in 100% of them, but in fewer than 7
    // documents overall, so without sites (and --min-docs 7) they stay.
    let (assert, report, _t) =
        clean_with_report(&[dir.path().to_str().unwrap(), "--dry-run", "--min-docs", "7"]);
    assert.success();
    assert_eq!(report["totals"]["blocks_removed"]["boilerplate"], 12);
    assert_eq!(report["documents"][0]["removed"][0]["rule"], "site_share");
    assert_eq!(report["documents"][0]["removed"][0]["site_documents"], 6);
    let (assert, report, _t) = clean_with_report(&[
        dir.path().to_str().unwrap(),
        "--dry-run",
        "--min-docs",
        "7",
        "--no-sites",
    ]);
    assert.success();
    assert_eq!(report["totals"]["blocks_removed"]["boilerplate"], 0);
    // With sites two levels deep every document is alone in its site: nothing is boilerplate.
    let (_, report, _t) = clean_with_report(&[
        dir.path().to_str().unwrap(),
        "--dry-run",
        "--min-docs",
        "7",
        "--site-depth",
        "2",
    ]);
    assert_eq!(report["totals"]["blocks_removed"]["boilerplate"], 0);
}

#[test]
fn keep_and_drop_patterns_override_the_statistics() {
    let dir = site_corpus(&[]);
    let scratch = tempfile::tempdir().unwrap();
    let patterns = scratch.path().join("drop-patterns.txt");
    std::fs::write(
        &patterns,
        "# drop the second paragraphs\n^Second paragraph\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = out.path().join("o");
    clean_into(dir.path(), &o)
        .args(["-q", "--keep-pattern", "^Footer"])
        .arg("--drop-patterns-file")
        .arg(&patterns)
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(o.join("site.example/a0.txt")).unwrap(),
        "Article 0 says something unique about topic apples.\nFooter: all rights reserved\n"
    );
}

#[test]
fn dry_run_writes_the_report_but_no_file() {
    let dir = site_corpus(&[]);
    let out = tempfile::tempdir().unwrap();
    let o = out.path().join("o");
    let (assert, report, _t) = clean_with_report(&[
        dir.path().to_str().unwrap(),
        "-o",
        o.to_str().unwrap(),
        "--dry-run",
    ]);
    assert.success().stderr(contains("would write"));
    assert_eq!(report["totals"]["documents_written"], 6);
    assert!(!o.exists());
}

#[test]
fn strict_guardrail_stops_before_writing() {
    let dir = site_corpus(&[]);
    let out = tempfile::tempdir().unwrap();
    let o = out.path().join("o");
    // Header and footer are about 40% of the bytes: over a 30% limit.
    let (assert, report, _t) = clean_with_report(&[
        dir.path().to_str().unwrap(),
        "-o",
        o.to_str().unwrap(),
        "--max-removed",
        "0.3",
        "--strict",
    ]);
    assert
        .code(3)
        .stderr(contains("WARNING"))
        .stderr(contains("--max-removed"));
    assert_eq!(report["stopped"], true);
    assert!(!o.exists());
    // Without --strict the same run warns and writes.
    clean_into(dir.path(), &o)
        .args(["--max-removed", "0.3"])
        .assert()
        .success()
        .stderr(contains("WARNING"));
    assert!(o.join("site.example/a0.txt").exists());
}

#[test]
fn forced_units() {
    let text = b"one line\nsecond line\n\nthird line\n";
    let dir = corpus(&[("a.txt", text), ("b.txt", b"one line\nother\n")]);
    let scratch = tempfile::tempdir().unwrap();
    let o = scratch.path().join("o");
    clean_into(dir.path(), &o)
        .args(["-q", "--unit", "line", "--min-docs", "2"])
        .assert()
        .success();
    assert_eq!(
        std::fs::read(o.join("a.txt")).unwrap(),
        b"second line\n\nthird line\n"
    );
    // A rerun with other settings stops before writing, naming what changed...
    clean_into(dir.path(), &o)
        .args(["--unit", "paragraph", "--min-docs", "2"])
        .assert()
        .code(2)
        .stderr(contains("--unit line → paragraph"));
    assert_eq!(
        std::fs::read(o.join("a.txt")).unwrap(),
        b"second line\n\nthird line\n"
    );
    // ...and --overwrite writes them with the new settings.
    clean_into(dir.path(), &o)
        .args([
            "-q",
            "--unit",
            "paragraph",
            "--min-docs",
            "2",
            "--overwrite",
        ])
        .assert()
        .success();
    assert_eq!(
        std::fs::read(o.join("a.txt")).unwrap(),
        text,
        "paragraph 'one line\\nsecond line' is unique"
    );
}

#[cfg(unix)]
#[test]
fn a_closed_stdout_exits_quietly() {
    use std::process::{Command, Stdio};
    let dir = site_corpus(&[]);
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("thresh"))
        .arg("clean")
        .arg(dir.path())
        .args(["--dry-run", "-q", "--report", "-"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn report_to_stdout_is_json() {
    let dir = site_corpus(&[]);
    let out = thresh()
        .arg("clean")
        .arg(dir.path())
        .args(["--dry-run", "-q", "--report", "-"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["totals"]["documents_found"], 6);
}

#[test]
fn verbose_prints_stage_timings() {
    let dir = site_corpus(&[]);
    thresh()
        .arg("clean")
        .arg(dir.path())
        .args(["--dry-run", "-v"])
        .assert()
        .success()
        .stderr(contains("stages: discover"))
        .stderr(contains("keys: "));
}

/// A story syndicated to six sites, each with its own template: one copy is written, and its
/// paragraphs are not taken for boilerplate although six documents hold them.
#[test]
fn a_syndicated_story_is_kept_once_and_whole() {
    let story: String = (0..6)
        .map(|p| {
            // Letters only: digits fold to one matching key.
            let letter = |n: usize| char::from(b'a' + (n % 26) as u8);
            let words: Vec<String> = (0..40)
                .map(|w| format!("{}{}{}", letter(p), letter(w), letter(w * 7 + p)))
                .collect();
            format!("Paragraph {p} of the shared story: {}.\n", words.join(" "))
        })
        .collect();
    let files: Vec<(String, Vec<u8>)> = (0..6)
        .map(|s| {
            let header = format!("Site {s} banner {}\n", "navigation ".repeat(s + 1));
            (
                format!("site{s}/story.txt"),
                format!("{header}{story}Footer of site {s}\n").into_bytes(),
            )
        })
        .collect();
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    let dir = corpus(&refs);
    let out = tempfile::tempdir().unwrap();
    let o = out.path().join("o");
    clean_into(dir.path(), &o).arg("-q").assert().success();
    let tree = read_tree(&o);
    assert_eq!(tree.keys().collect::<Vec<_>>(), ["site0/story.txt"]);
    assert!(String::from_utf8_lossy(&tree["site0/story.txt"]).contains(&story));
    // Without near-duplicate detection the six copies make the story look like boilerplate.
    let o2 = out.path().join("o2");
    clean_into(dir.path(), &o2)
        .args(["-q", "--no-dedup"])
        .assert()
        .success();
    let tree = read_tree(&o2);
    assert!(!String::from_utf8_lossy(&tree["site0/story.txt"])
        .contains("Paragraph 0 of the shared story"));
}

/// Words made of letters only (digits fold to one matching key), distinct per `seed`.
fn prose(seed: usize, words: usize) -> String {
    let letter = |n: usize| char::from(b'a' + (n % 26) as u8);
    (0..words)
        .map(|w| format!("{}{}{}", letter(seed), letter(w), letter(w * 7 + seed * 3)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Small sites: an article and its update (one paragraph added) are one story, written once and
/// whole; different articles sharing a site's chrome are all written, without the chrome.
#[test]
fn two_page_sites_versions_and_hard_negatives() {
    let chrome_top = "Home | News | Contact\nSubscribe to our newsletter\n";
    let chrome_bottom = "Related: other stories\n(c) 2024 The Site\n";
    let story: String = (0..5).map(|p| prose(p, 40) + ".\n").collect();
    let update = format!("{story}{}.\n", prose(9, 40));
    let files = [
        (
            "versions/a.txt",
            format!("{chrome_top}{story}{chrome_bottom}"),
        ),
        (
            "versions/b.txt",
            format!("{chrome_top}{update}{chrome_bottom}"),
        ),
        (
            "versions/c.txt",
            format!("{chrome_top}{}.\n{chrome_bottom}", prose(13, 200)),
        ),
        (
            "different/a.txt",
            format!("{chrome_top}{}.\n{chrome_bottom}", prose(11, 200)),
        ),
        (
            "different/b.txt",
            format!("{chrome_top}{}.\n{chrome_bottom}", prose(17, 200)),
        ),
    ];
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(p, b)| (*p, b.as_bytes())).collect();
    let dir = corpus(&refs);
    let out = tempfile::tempdir().unwrap();
    let o = out.path().join("o");
    clean_into(dir.path(), &o).arg("-q").assert().success();
    let tree = read_tree(&o);
    assert_eq!(
        tree.keys().collect::<Vec<_>>(),
        [
            "different/a.txt",
            "different/b.txt",
            "versions/a.txt",
            "versions/c.txt"
        ]
    );
    assert_eq!(
        String::from_utf8_lossy(&tree["versions/a.txt"]),
        story,
        "chrome gone, story whole"
    );
    assert!(!String::from_utf8_lossy(&tree["different/a.txt"]).contains("Subscribe"));
}

/// Ten articles of one site; a quoted sentence recurs in three of them: twice inside the
/// article body, once after its last paragraph.
fn quote_corpus() -> tempfile::TempDir {
    let quote = "The harbour board has never once voted on the matter, a spokesman said.";
    let words = [
        "amber", "birch", "cedar", "delta", "ember", "fjord", "grove", "heath", "inlet", "juniper",
    ];
    let files: Vec<(String, Vec<u8>)> = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let para = |part: &str| {
                format!("The {part} paragraph of the {w} story runs long enough to count as article prose about the {w} quay.")
            };
            let body = match i {
                0 | 1 => format!("{}\n{quote}\n{}\n", para("first"), para("second")),
                2 => format!("{}\n{}\n{quote}\n", para("first"), para("second")),
                _ => format!("{}\n{}\n", para("first"), para("second")),
            };
            (format!("quay.example/{w}.txt"), format!("Quay News\n{body}").into_bytes())
        })
        .collect();
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    corpus(&refs)
}

#[test]
fn body_evidence_protects_a_sentence_inside_the_article() {
    let dir = quote_corpus();
    let tmp = tempfile::tempdir().unwrap();
    let run = |name: &str, body_evidence: &str| {
        let out = tmp.path().join(name);
        clean_into(dir.path(), &out)
            .args([
                "--min-docs",
                "100",
                "--min-site-share",
                "0.2",
                "-q",
                "--unit",
                "line",
            ])
            .args(["--body-evidence", body_evidence])
            .assert()
            .success();
        read_tree(&out)
    };
    let has_quote = |tree: &std::collections::BTreeMap<String, Vec<u8>>, file: &str| {
        String::from_utf8_lossy(&tree[file]).contains("never once voted")
    };
    // 3 of 10 documents: enough at the edge (0.2), short of the body's 2 x 0.2.
    let guarded = run("guarded", "2");
    assert!(has_quote(&guarded, "quay.example/amber.txt"));
    assert!(has_quote(&guarded, "quay.example/birch.txt"));
    assert!(
        !has_quote(&guarded, "quay.example/cedar.txt"),
        "at the edge it goes"
    );
    assert!(!String::from_utf8_lossy(&guarded["quay.example/amber.txt"]).contains("Quay News"));
    let off = run("off", "1");
    assert!(!has_quote(&off, "quay.example/amber.txt"));
    assert!(!has_quote(&off, "quay.example/birch.txt"));
}
