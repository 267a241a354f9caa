//! `thresh explain`, `--html-report`, `thresh completions` and `thresh man`, end to end.

use predicates::prelude::*;

use crate::harness::{clean_into, clean_with_report, corpus, fixtures, thresh};

const DOC: &str = "metrowire.example/2024-01-23-night-bus-trial.txt";

fn explain_json(doc: &str) -> serde_json::Value {
    let out = thresh()
        .args(["explain", doc])
        .arg(fixtures().join("scraped"))
        .arg("--json")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("explain --json prints JSON")
}

/// Explain shows exactly the blocks the clean run's report removes, with the same reasons.
#[test]
fn explain_agrees_with_the_report_block_for_block() {
    let tmp = tempfile::tempdir().unwrap();
    let (assert, report, _keep) = clean_with_report(&[
        fixtures().join("scraped").to_str().unwrap(),
        "-o",
        tmp.path().join("out").to_str().unwrap(),
    ]);
    assert.success();
    let row = report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == DOC)
        .unwrap();
    let explained = explain_json(DOC);
    assert_eq!(explained["format"], "thresh-explain");
    assert_eq!(explained["status"], "written");
    let removed: Vec<(u64, u64, String)> = explained["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["kept"] == false)
        .map(|b| {
            (
                b["start"].as_u64().unwrap(),
                b["end"].as_u64().unwrap(),
                b["removal"]["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let in_report: Vec<(u64, u64, String)> = row["removed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["start"].as_u64().unwrap(),
                r["end"].as_u64().unwrap(),
                r["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(!removed.is_empty());
    assert_eq!(removed, in_report);
    // Each boilerplate removal names its threshold and another document holding the block.
    for b in explained["blocks"].as_array().unwrap() {
        if b["removal"]["reason"] == "boilerplate" {
            let flag = b["removal"]["flag"].as_str().unwrap();
            assert!(flag == "--min-docs" || flag == "--min-site-share", "{b}");
            let example = b["removal"]["example"]["id"].as_str().unwrap();
            assert_ne!(example, DOC);
            assert!(b["counts"]["documents"].as_u64().unwrap() >= 2);
        }
    }
}

#[test]
fn explain_text_marks_blocks_and_colours_only_when_asked() {
    let run = |extra: &[&str], no_color: bool| {
        let mut cmd = thresh();
        cmd.args(["explain", DOC])
            .arg(fixtures().join("scraped"))
            .args(extra);
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        String::from_utf8(cmd.assert().success().get_output().stdout.clone()).unwrap()
    };
    // Standard output is a pipe here: no colour by default.
    let plain = run(&[], false);
    assert!(!plain.contains('\x1b'));
    assert!(plain.starts_with(DOC), "{plain}");
    assert!(plain.contains(" 1 - METROWIRE\n"), "{plain}");
    assert!(
        plain.contains("+ Night buses will run seven days a week"),
        "{plain}"
    );
    assert!(plain.contains("at least --min-docs 5"), "{plain}");
    assert!(plain.contains("also in metrowire.example/"), "{plain}");
    let coloured = run(&["--color", "always"], true);
    assert!(
        coloured.contains("\x1b[31;9mMETROWIRE"),
        "--color always wins over NO_COLOR"
    );
    assert!(!run(&["--color", "never"], false).contains('\x1b'));
}

#[test]
fn explain_names_the_kept_copy_of_a_near_duplicate() {
    let e = explain_json("valleytimes.example/2024-04-22-regional-rail-fares.txt");
    assert_eq!(e["status"], "near_duplicate");
    assert_eq!(
        e["duplicate_of"],
        "metrowire.example/2024-04-22-rail-fares-freeze.txt"
    );
    assert!(e["similarity"].as_f64().unwrap() >= 0.7);
    let kept = explain_json("metrowire.example/2024-04-22-rail-fares-freeze.txt");
    assert_eq!(
        kept["copies"][0]["id"],
        "valleytimes.example/2024-04-22-regional-rail-fares.txt"
    );
}

#[test]
fn explain_takes_a_path_and_refuses_an_unknown_document() {
    let path = fixtures().join("scraped").join(DOC);
    let out = thresh()
        .arg("explain")
        .arg(&path)
        .arg(fixtures().join("scraped"))
        .arg("--json")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let e: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(e["id"], DOC);
    thresh()
        .args(["explain", "nowhere/missing.txt"])
        .arg(fixtures().join("scraped"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not one of the 40 documents"));
}

/// Thresholds change the explanation as they change the run.
#[test]
fn explain_follows_the_decision_flags() {
    let out = thresh()
        .args(["explain", DOC])
        .arg(fixtures().join("scraped"))
        // The classifier is a rule of its own; this test is about the counting thresholds.
        .args([
            "--min-docs",
            "30",
            "--no-sites",
            "--classifier",
            "off",
            "--json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let e: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let removed = e["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["kept"] == false)
        .count();
    assert_eq!(removed, 0, "no block of this page is in 30 documents");
    let note = e["blocks"][0]["note"].as_str().unwrap();
    assert!(note.contains("under --min-docs 30"), "{note}");
}

#[test]
fn html_report_escapes_corpus_text_and_loads_nothing() {
    let hostile = "<script>alert('x')</script> <b onmouseover=\"steal()\">Subscribe</b>";
    let docs: Vec<(String, Vec<u8>)> = (0..6)
        .map(|i| {
            let words = ["apples", "boats", "clouds", "doors", "eagles", "forks"];
            (
                format!("s<i>te/{i}.txt"),
                format!("{hostile}\nA short story about {} number {i}.\n", words[i]).into_bytes(),
            )
        })
        .collect();
    let refs: Vec<(&str, &[u8])> = docs
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    let input = corpus(&refs);
    let tmp = tempfile::tempdir().unwrap();
    let html_path = tmp.path().join("r.html");
    clean_into(input.path(), tmp.path().join("out"))
        .arg("--html-report")
        .arg(&html_path)
        .assert()
        .success();
    let html = std::fs::read_to_string(&html_path).unwrap();
    for id in thresh::output::html::SECTIONS {
        assert!(html.contains(&format!("<section id=\"{id}\">")), "{id}");
    }
    assert!(
        !html.to_lowercase().contains("<script"),
        "no script, and corpus text escaped"
    );
    assert!(!html.contains("<b onmouseover"));
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(html.contains("s&lt;i&gt;te"), "site names are escaped too");
    // Nothing that loads: every link is to a section of the page itself.
    for attr in ["src=", "url(", "@import", "<link", "<iframe", "<object"] {
        assert!(!html.contains(attr), "{attr} in the page");
    }
    for href in html.split("href=\"").skip(1) {
        assert!(
            href.starts_with('#'),
            "link out of the page: {}",
            &href[..40.min(href.len())]
        );
    }
    // The hostile line is boilerplate (in all six documents): catalogue and struck in samples.
    assert!(html.contains("<del class=\"t\">&lt;script&gt;"));
}

#[test]
fn html_report_inside_an_input_is_refused_and_progress_stays_off_a_pipe() {
    let input = corpus(&[("a/1.txt", b"one\n"), ("a/2.txt", b"two\n")]);
    let tmp = tempfile::tempdir().unwrap();
    clean_into(input.path(), tmp.path().join("out"))
        .arg("--html-report")
        .arg(input.path().join("r.html"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("inside input"));
    // Standard error is not a terminal here: the summary, but no progress bar.
    clean_into(input.path(), tmp.path().join("out"))
        .assert()
        .success()
        .stderr(predicate::str::contains("thresh: 2 documents"))
        .stderr(predicate::str::contains("ETA").not())
        .stderr(predicate::str::contains("files,").not());
}

#[test]
fn completions_cover_subcommands_and_flags() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = thresh().args(["completions", shell]).assert().success();
        let script = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        assert!(script.contains("explain"), "{shell}");
        assert!(script.contains("html-report"), "{shell}");
    }
    thresh().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn man_pages_are_roff_with_the_flag_texts() {
    let page = thresh().arg("man").assert().success();
    let page = String::from_utf8(page.get_output().stdout.clone()).unwrap();
    assert!(
        page.starts_with(".ie") || page.contains(".TH thresh"),
        "{}",
        &page[..200]
    );
    assert!(page.contains("explain"));
    let clean = thresh().args(["man", "clean"]).assert().success();
    let clean = String::from_utf8(clean.get_output().stdout.clone()).unwrap();
    assert!(
        clean.contains(".TH thresh\\-clean") || clean.contains(".TH thresh-clean"),
        "{}",
        &clean[..300]
    );
    assert!(clean.contains("min\\-docs"));
    let words = clean.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("frequency chart shows where the line falls"),
        "flag texts"
    );
    thresh()
        .args(["man", "nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("clean, explain"));
}

#[test]
fn help_explains_defaults_and_interactions() {
    let out = thresh().args(["clean", "--help"]).assert().success();
    let help = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    // Help is wrapped to the terminal: compare words, not lines.
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(help.contains("--html-report <FILE>"));
    assert!(help.contains("[default: 5]"), "defaults are shown");
    assert!(help.contains("Cannot be combined with --no-sites"));
    assert!(help.contains("--keep-pattern wins over it"));
}

/// docs/options.md is `thresh man --markdown`, made from the flag definitions: a flag added,
/// changed or documented anew without regenerating the page fails here.
#[test]
fn the_options_reference_is_the_clis_own_help() {
    let generated = thresh().args(["man", "--markdown"]).output().unwrap();
    assert!(generated.status.success());
    let page = std::fs::read(crate::harness::fixtures().join("../docs/options.md"))
        .expect("docs/options.md");
    assert!(
        generated.stdout == page,
        "docs/options.md is not the CLI's help: regenerate it with\n  cargo run -q -- man --markdown > docs/options.md"
    );
    let text = String::from_utf8(page).unwrap();
    for flag in [
        "--min-docs",
        "--overwrite",
        "--memory-limit",
        "--shard",
        "--json",
    ] {
        assert!(text.contains(&format!("`{flag}")), "{flag} missing");
    }
}
