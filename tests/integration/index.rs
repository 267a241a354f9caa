//! The saved index end to end: `thresh index` (whole and sharded), `thresh merge`, `thresh clean
//! --index` / `--update-index`, refusal of damaged or foreign files, and resume.

use std::path::{Path, PathBuf};

use crate::harness::{assert_trees_equal, clean_into, corpus, fixtures, read_tree, thresh};

fn index(inputs: &[&Path], out: &Path, extra: &[&str]) {
    thresh()
        .arg("index")
        .args(inputs)
        .arg("-o")
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

fn merge(parts: &[PathBuf], out: &Path) {
    thresh()
        .arg("merge")
        .args(parts)
        .arg("-o")
        .arg(out)
        .assert()
        .success();
}

fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("read")
}

/// Index in N shards, merge them (in reverse order), and check: the merge is the unsharded
/// index byte for byte, and cleaning against it writes exactly what a plain clean writes.
fn sharded_run_equals_single_run(input: &Path, shards: u32) {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole.thx");
    index(&[input], &whole, &[]);
    let parts: Vec<PathBuf> = (1..=shards)
        .map(|i| {
            let part = tmp.path().join(format!("part-{i}.thx"));
            index(&[input], &part, &["--shard", &format!("{i}/{shards}")]);
            part
        })
        .collect();
    // The shards split the corpus: no part holds everything.
    for part in &parts {
        assert_ne!(bytes(part), bytes(&whole), "{}", part.display());
    }
    let merged = tmp.path().join("merged.thx");
    merge(&parts.iter().rev().cloned().collect::<Vec<_>>(), &merged);
    assert_eq!(bytes(&merged), bytes(&whole), "merged shards = one index");

    let plain = tmp.path().join("plain");
    let against = tmp.path().join("against");
    clean_into(input, &plain)
        .assert()
        .code(predicates::ord::lt(2));
    clean_into(input, &against)
        .arg("--index")
        .arg(&merged)
        .assert()
        .code(predicates::ord::lt(2));
    assert!(!read_tree(&plain).is_empty());
    assert_trees_equal(&plain, &against);
}

#[test]
fn sharded_index_then_merge_then_clean_equals_a_single_plain_run() {
    sharded_run_equals_single_run(&fixtures().join("scraped"), 3);
}

#[test]
fn sharded_index_of_jsonl_records_equals_a_single_plain_run() {
    sharded_run_equals_single_run(&fixtures().join("dolma").join("documents"), 2);
}

/// The example corpus split in two: every other article of each site in each half.
fn halves() -> (tempfile::TempDir, tempfile::TempDir) {
    let root = fixtures().join("scraped");
    let mut files: Vec<(String, Vec<u8>)> = read_tree(&root).into_iter().collect();
    files.sort();
    let half = |parity: usize| {
        let picked: Vec<(&str, &[u8])> = files
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 2 == parity)
            .map(|(_, (name, data))| (name.as_str(), data.as_slice()))
            .collect();
        corpus(&picked)
    };
    (half(0), half(1))
}

#[test]
fn merged_indexes_of_two_corpora_equal_the_index_of_both_even_when_they_overlap() {
    let (a, b) = halves();
    // One article in both corpora, under another name: it is one document of the union.
    let (name, shared) = read_tree(a.path()).into_iter().nth(3).unwrap();
    let copy = b.path().join(name.replace(".txt", "-copy.txt"));
    std::fs::write(&copy, shared).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let (ia, ib, ab, merged, again) = (
        tmp.path().join("a.thx"),
        tmp.path().join("b.thx"),
        tmp.path().join("ab.thx"),
        tmp.path().join("merged.thx"),
        tmp.path().join("again.thx"),
    );
    index(&[a.path()], &ia, &[]);
    index(&[b.path()], &ib, &[]);
    index(&[a.path(), b.path()], &ab, &[]);
    merge(&[ib.clone(), ia.clone()], &merged);
    assert_eq!(bytes(&merged), bytes(&ab));
    // Idempotent: merging a part in again changes nothing.
    merge(&[merged.clone(), ia.clone()], &again);
    assert_eq!(bytes(&again), bytes(&ab));
}

#[test]
fn a_new_scrape_is_cleaned_against_the_statistics_of_an_earlier_one() {
    // The earlier corpus holds a line in three documents, the new one in two: with --min-docs 4
    // only the two together make it boilerplate.
    let line = "Subscribe to the Harbour Ledger for weekly news from the quay.";
    // Digits are normalised away: the articles differ in words.
    let topics = ["ferry", "crane", "lighthouse", "regatta", "fish market"];
    let article = |n: usize| {
        let topic = topics[n];
        format!("{line}\n\nThis article tells its own long story about the {topic} and the people around it.\n")
    };
    let earlier: Vec<(String, String)> = (0..3)
        .map(|n| (format!("old{n}.txt"), article(n)))
        .collect();
    let new: Vec<(String, String)> = (3..5)
        .map(|n| (format!("new{n}.txt"), article(n)))
        .collect();
    let as_files = |v: &[(String, String)]| {
        let files: Vec<(&str, &[u8])> = v.iter().map(|(n, t)| (n.as_str(), t.as_bytes())).collect();
        corpus(&files)
    };
    let (earlier, new) = (as_files(&earlier), as_files(&new));
    let tmp = tempfile::tempdir().unwrap();
    let idx = tmp.path().join("earlier.thx");
    index(&[earlier.path()], &idx, &["--no-sites"]);
    let flags = ["--no-sites", "--min-docs", "4", "--no-dedup", "-q"];
    let plain = tmp.path().join("plain");
    clean_into(new.path(), &plain)
        .args(flags)
        .assert()
        .success();
    let out = std::fs::read_to_string(plain.join("new3.txt")).unwrap();
    assert!(out.contains(line), "two documents are not enough: {out}");
    let against = tmp.path().join("against");
    clean_into(new.path(), &against)
        .args(flags)
        .arg("--index")
        .arg(&idx)
        .assert()
        .success();
    let out = std::fs::read_to_string(against.join("new3.txt")).unwrap();
    assert!(!out.contains(line), "five documents are: {out}");
    assert!(out.contains("the regatta"));
}

#[test]
fn cleaning_one_half_against_the_other_equals_cleaning_both() {
    // Without near-duplicate clustering (which an index does not keep), counting half A from
    // its index is counting it from its text.
    let (a, b) = halves();
    let tmp = tempfile::tempdir().unwrap();
    let ia = tmp.path().join("a.thx");
    index(&[a.path()], &ia, &[]);
    let both = tmp.path().join("both");
    clean_into(a.path(), &both)
        .arg(b.path())
        .arg("--no-dedup")
        .assert()
        .code(predicates::ord::lt(2));
    let against = tmp.path().join("against");
    clean_into(b.path(), &against)
        .args(["--no-dedup", "--index"])
        .arg(&ia)
        .assert()
        .code(predicates::ord::lt(2));
    // An index gives counts only: a document of B that is an exact copy of one in A is
    // dropped as a duplicate when both are cleaned together, but written when B is cleaned
    // against A's index. Those aside, the outputs are identical.
    let ids = tmp.path().join("ids.jsonl");
    clean_into(a.path(), &ids)
        .arg(b.path())
        .args(["--no-dedup", "--mode", "ids"])
        .assert()
        .code(predicates::ord::lt(2));
    let dropped = std::fs::read_to_string(&ids).unwrap();
    let b_names = read_tree(b.path());
    let both: std::collections::BTreeMap<_, _> = read_tree(&both)
        .into_iter()
        .filter(|(name, _)| b_names.contains_key(name))
        .collect();
    let against = read_tree(&against);
    assert!(!against.is_empty());
    for (name, data) in &against {
        match both.get(name) {
            Some(want) => assert!(want == data, "{name} differs"),
            None => assert!(dropped.contains(name.as_str()), "{name} not in {dropped}"),
        }
    }
    assert!(both.keys().all(|name| against.contains_key(name)));
    // And the index matters: cleaning half B alone removes less.
    let alone = tmp.path().join("alone");
    clean_into(b.path(), &alone)
        .arg("--no-dedup")
        .assert()
        .code(predicates::ord::lt(2));
    assert_ne!(read_tree(&alone), against);
}

#[test]
fn update_index_adds_the_input_as_merge_would() {
    let (a, b) = halves();
    let tmp = tempfile::tempdir().unwrap();
    let (ia, ib, ab) = (
        tmp.path().join("a.thx"),
        tmp.path().join("b.thx"),
        tmp.path().join("ab.thx"),
    );
    index(&[a.path()], &ia, &[]);
    index(&[b.path()], &ib, &[]);
    merge(&[ia.clone(), ib.clone()], &ab);
    let before = bytes(&ia);
    clean_into(b.path(), tmp.path().join("out"))
        .arg("--index")
        .arg(&ia)
        .arg("--update-index")
        .assert()
        .code(predicates::ord::lt(2));
    assert_ne!(bytes(&ia), before);
    assert_eq!(bytes(&ia), bytes(&ab));
    // No hidden temporary file is left next to it.
    let names: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(names
        .iter()
        .all(|n| !n.to_string_lossy().contains("thresh-tmp")));
}

fn refused(idx: &Path, expect: &str) {
    let out = tempfile::tempdir().unwrap();
    let assert = clean_into(fixtures().join("scraped"), out.path())
        .arg("--index")
        .arg(idx)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains(expect), "{expect:?} not in {stderr}");
    assert!(read_tree(out.path()).is_empty(), "nothing written");
}

#[test]
fn damaged_foreign_and_mismatched_indexes_are_refused_with_exit_code_2() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good.thx");
    index(&[&fixtures().join("scraped")], &good, &[]);
    let original = bytes(&good);
    let variant = |name: &str, f: &dyn Fn(&mut Vec<u8>)| {
        let mut data = original.clone();
        f(&mut data);
        let path = tmp.path().join(name);
        std::fs::write(&path, data).unwrap();
        path
    };
    let last = original.len() - 1;
    refused(
        &variant("flipped.thx", &|d| d[last] ^= 1),
        "checksum mismatch",
    );
    refused(
        &variant("short.thx", &|d| d.truncate(last - 100)),
        "checksum mismatch",
    );
    refused(&variant("v9.thx", &|d| d[8] = 9), "format version 9");
    refused(&variant("seed.thx", &|d| d[16] ^= 1), "key seed");
    refused(
        &variant("json.thx", &|d| *d = b"{}\n".to_vec()),
        "not a thresh index",
    );
    let out = tempfile::tempdir().unwrap();
    clean_into(fixtures().join("scraped"), out.path())
        .args(["--unit", "line", "--index"])
        .arg(&good)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--unit auto"));
    thresh()
        .arg("merge")
        .arg(&good)
        .arg(tmp.path().join("flipped.thx"))
        .arg("-o")
        .arg(tmp.path().join("m.thx"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("flipped.thx"));
    assert!(!tmp.path().join("m.thx").exists());
    let by_line = tmp.path().join("by-line.thx");
    index(
        &[&fixtures().join("scraped")],
        &by_line,
        &["--unit", "line"],
    );
    thresh()
        .arg("merge")
        .arg(&good)
        .arg(&by_line)
        .arg("-o")
        .arg(tmp.path().join("m.thx"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "by-line.thx: made with --unit line",
        ));
}

#[test]
fn a_finished_shard_is_skipped_on_rerun_unless_overwrite() {
    let tmp = tempfile::tempdir().unwrap();
    let part = tmp.path().join("part-1.thx");
    let input = fixtures().join("scraped");
    index(&[&input], &part, &["--shard", "1/2"]);
    let done = bytes(&part);
    std::fs::write(&part, b"left by an earlier job").unwrap();
    thresh()
        .args(["index", "--shard", "1/2", "-o"])
        .arg(&part)
        .arg(&input)
        .assert()
        .success()
        .stderr(predicates::str::contains("skipped"));
    assert_eq!(bytes(&part), b"left by an earlier job");
    index(&[&input], &part, &["--shard", "1/2", "--overwrite"]);
    assert_eq!(bytes(&part), done);
}

#[test]
fn bad_shard_values_are_usage_errors() {
    for bad in ["0/3", "4/3", "1of3"] {
        thresh()
            .args(["index", "--shard", bad, "-o", "x.thx"])
            .arg(fixtures().join("scraped"))
            .assert()
            .code(2);
    }
}
