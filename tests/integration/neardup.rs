//! Near-duplicate documents on `fixtures/neardup`: copies of a story, whatever page they sit in,
//! are found on what the run keeps of each page; the fuller copy of a partial one is written;
//! no article paragraph is lost; pages that differ only in their figures are both written.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::harness::{clean_with_report, fixtures, read_tree, thresh};

const RIVERSIDE: &str = "riverside.example";

/// The fixture corpus cleaned with `args`: the report's documents by id, and the output tree.
fn clean_neardup(args: &[&str]) -> (BTreeMap<String, Value>, BTreeMap<String, Vec<u8>>) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let input = fixtures().join("neardup");
    let mut all = vec![input.to_str().unwrap(), "-o", out.to_str().unwrap()];
    all.extend_from_slice(args);
    let (assert, report, _dir) = clean_with_report(&all);
    assert.success();
    let docs = report["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .map(|d| (d["id"].as_str().unwrap().to_string(), d.clone()))
        .collect();
    (docs, read_tree(&out))
}

fn riverside(name: &str) -> String {
    format!("{RIVERSIDE}/{name}.txt")
}

/// The near-duplicates of a run: (copy, written document, why that one is written).
fn near_duplicates(docs: &BTreeMap<String, Value>) -> Vec<(String, String, String)> {
    docs.values()
        .filter(|d| d["status"] == "near_duplicate")
        .map(|d| {
            (
                d["id"].as_str().unwrap().to_string(),
                d["duplicate_of"].as_str().unwrap().to_string(),
                d["kept_because"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn expected_clusters() -> Vec<(String, String, String)> {
    let row = |copy: String, of: String, why: &str| (copy, of, why.to_string());
    vec![
        // The market hall story, syndicated first in path order into a page with a comment
        // thread: the copies hold each other, so the first is written.
        row(
            riverside("2024-03-18-market-hall"),
            "hillcounty.example/2024-03-19-market-hall.txt".into(),
            "first",
        ),
        // One story recrawled three times in its own site, each time in another day's chrome.
        row(
            riverside("2024-03-05-floodgate-repairs-recrawl"),
            riverside("2024-03-04-floodgate-repairs"),
            "first",
        ),
        row(
            riverside("2024-03-09-floodgate-repairs-archive"),
            riverside("2024-03-04-floodgate-repairs"),
            "first",
        ),
        // A lead-only copy, first in path order: the whole article is written instead.
        row(
            riverside("2024-03-11-library-extension-lead"),
            riverside("2024-03-11-library-extension"),
            "fuller",
        ),
        // A copy with a few words changed.
        row(
            riverside("2024-03-15-ferry-timetable-corrected"),
            riverside("2024-03-14-ferry-timetable"),
            "first",
        ),
    ]
}

#[test]
fn copies_of_a_story_are_found_whatever_page_they_sit_in() {
    let (docs, _) = clean_neardup(&[]);
    let mut got = near_duplicates(&docs);
    got.sort();
    let mut want = expected_clusters();
    want.sort();
    assert_eq!(got, want);
    let partial = &docs[&riverside("2024-03-11-library-extension-lead")];
    assert!(partial["containment"].as_f64().unwrap() > 0.9, "{partial}");
    assert!(partial["similarity"].as_f64().unwrap() < 0.8, "{partial}");
}

#[test]
fn the_clusters_are_the_same_for_any_thread_count_and_under_a_memory_limit() {
    let (one, out_one) = clean_neardup(&["-j", "1"]);
    for args in [&["-j", "2"][..], &["-j", "2", "--memory-limit", "64M"][..]] {
        let (other, out_other) = clean_neardup(args);
        assert_eq!(near_duplicates(&one), near_duplicates(&other), "{args:?}");
        assert_eq!(out_one, out_other, "{args:?}");
    }
}

#[test]
fn pages_that_differ_only_in_their_figures_are_both_written() {
    let (docs, out) = clean_neardup(&[]);
    for day in ["2024-03-20", "2024-03-22"] {
        let id = riverside(&format!("{day}-weekend-weather"));
        assert_eq!(docs[&id]["status"], "written", "{id}");
        assert!(out.contains_key(&id), "{id}");
    }
}

#[test]
fn pages_of_chrome_alone_are_no_ones_near_duplicate() {
    let (docs, _) = clean_neardup(&[]);
    for page in ["2024-03-22-tag-council", "2024-03-23-page-not-found"] {
        let id = riverside(page);
        assert_ne!(docs[&id]["status"], "near_duplicate", "{id}");
        let copies: Vec<_> = docs
            .values()
            .filter(|d| d["duplicate_of"] == Value::String(id.clone()))
            .collect();
        assert!(copies.is_empty(), "{id} stands for {copies:?}");
    }
}

/// Every article paragraph (a line of 25 words or more outside a comment thread) of every
/// written document is in its output, and every copy left out points at a written document:
/// no story is lost with its copies, whether they were joined or not.
#[test]
fn no_article_paragraph_is_lost_with_its_copies() {
    let (docs, out) = clean_neardup(&[]);
    let input = read_tree(&fixtures().join("neardup"));
    let mut checked = 0;
    for (id, bytes) in input.iter().filter(|(id, _)| id.ends_with(".txt")) {
        let doc = &docs[id];
        if doc["status"] == "near_duplicate" {
            let of = doc["duplicate_of"].as_str().unwrap();
            assert_eq!(docs[of]["status"], "written", "{id} points at {of}");
            continue;
        }
        let text = String::from_utf8_lossy(bytes);
        let cleaned = String::from_utf8_lossy(out.get(id).map_or(&[][..], |b| b.as_slice()));
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let in_thread = lines[..i].iter().any(|l| l.starts_with("Comments ("));
            if line.split_whitespace().count() >= 25 && !in_thread {
                assert!(cleaned.contains(line), "{id}: lost {line:?}");
                checked += 1;
            }
        }
    }
    assert!(checked > 30, "only {checked} paragraphs checked");
}

#[test]
fn explain_says_which_copy_is_written_and_why() {
    let out = thresh()
        .arg("explain")
        .arg(riverside("2024-03-11-library-extension-lead"))
        .arg(fixtures().join("neardup"))
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("near-duplicate of riverside.example/2024-03-11-library-extension.txt"),
        "{text}"
    );
    assert!(text.contains("the fuller copy"), "{text}");
    assert!(text.contains("found in"), "{text}");
}
