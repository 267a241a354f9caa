//! `--memory-limit`: a run that spills its fingerprints and counting tables to disk writes the
//! same bytes (cleaned files, JSONL outputs, attribute files, ids, reports) as a run in memory,
//! for any thread count, and leaves no spill folder behind.

use std::path::Path;

use crate::harness::{corpus, fixtures, read_tree, thresh};

const WORDS: [&str; 24] = [
    "harbour", "council", "ferry", "market", "school", "bridge", "library", "festival", "river",
    "station", "orchard", "museum", "garden", "theatre", "stadium", "clinic", "bakery", "quay",
    "tram", "meadow", "chapel", "pier", "foundry", "canal",
];

/// A sentence of its own for every `i` (numbers would fold to one key).
fn sentence(i: usize) -> String {
    let mut x = i;
    let w: Vec<&str> = (0..8)
        .map(|_| {
            let w = WORDS[x % WORDS.len()];
            x = x / WORDS.len() + 5 * (x % 7) + 1;
            w
        })
        .collect();
    format!(
        "The {} {} met the {} {} by the {} and the {} {} {}.",
        w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]
    )
}

/// Four sites of 60 articles: site chrome, a byline template with changing names, a caption
/// printed twice, a story syndicated to every site, lightly edited copies and exact duplicates.
/// Enough distinct keys that a tiny limit spills hundreds of runs.
fn generated() -> tempfile::TempDir {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for s in 0..4 {
        for a in 0..60 {
            let n = s * 1000 + a;
            let mut text = format!(
                "Home | News | Sport | Site {s}\nBy {} {} for the Site {s} Ledger\n",
                WORDS[a % 24],
                WORDS[(a * 7) % 24]
            );
            for p in 0..6 {
                text.push_str(&sentence(n * 10 + p));
                text.push(' ');
                text.push_str(&sentence(n * 10 + p + 500_000));
                text.push('\n');
                if p == 2 && a % 3 == 0 {
                    text.push_str(&sentence(n * 10 + p));
                    text.push('\n');
                }
            }
            if a % 10 == 0 {
                for p in 0..5 {
                    text.push_str(&sentence(900_000 + p));
                    text.push('\n');
                }
            }
            text.push_str(&format!("Subscribe to the Site {s} newsletter today\n"));
            files.push((format!("site{s}.example/a{a:03}.txt"), text.into_bytes()));
        }
        // An exact duplicate and a lightly edited copy of the site's first article.
        let first = files[s * 62].1.clone();
        files.push((format!("site{s}.example/z-copy.txt"), first.clone()));
        let edited = String::from_utf8(first)
            .unwrap()
            .replacen("harbour", "harbor", 1);
        files.push((format!("site{s}.example/z-edit.txt"), edited.into_bytes()));
    }
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    corpus(&refs)
}

/// Run `clean INPUT -o out` in a fresh folder under `scratch` named `name` with `args`; paths
/// in the command are relative, so reports of different runs can be compared byte for byte.
/// Returns the folder; it must hold no spill folder afterwards.
fn run(input: &Path, scratch: &Path, name: &str, args: &[&str]) -> std::path::PathBuf {
    let dir = scratch.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    thresh()
        .current_dir(&dir)
        .arg("clean")
        .arg(input)
        .args(["-o", "out", "--report", "report.json", "-q"])
        .args(args)
        .assert()
        .code(predicates::ord::le(1));
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".thresh-spill"))
        .collect();
    assert!(left.is_empty(), "spill folders left in {name}: {left:?}");
    dir
}

/// The limited runs equal the unlimited one: same output tree, same report, byte for byte.
fn assert_same_with_limits(input: &Path, extra: &[&str]) {
    let scratch = tempfile::tempdir().unwrap();
    let reference = run(
        input,
        scratch.path(),
        "reference",
        &[&["-j", "1"], extra].concat(),
    );
    let want = read_tree(&reference);
    assert!(want.contains_key("report.json"));
    for (name, limit, threads) in [
        ("tiny-1", "1K", "1"),
        ("tiny-3", "1K", "3"),
        ("small-2", "64K", "2"),
        ("large-4", "1G", "4"),
    ] {
        let args = [&["--memory-limit", limit, "-j", threads][..], extra].concat();
        let got = read_tree(&run(input, scratch.path(), name, &args));
        let names =
            |t: &std::collections::BTreeMap<String, Vec<u8>>| t.keys().cloned().collect::<Vec<_>>();
        assert_eq!(names(&got), names(&want), "files of {name}");
        for (file, bytes) in &want {
            assert!(
                got[file] == *bytes,
                "{file} differs with {limit} and -j {threads}"
            );
        }
    }
}

#[test]
fn a_memory_limit_changes_no_byte_of_the_output_for_any_thread_count() {
    let dir = generated();
    assert_same_with_limits(dir.path(), &[]);
}

#[test]
fn a_memory_limit_changes_no_byte_of_the_example_or_classifier_corpora() {
    assert_same_with_limits(
        &fixtures().join("scraped"),
        &["--html-report", "report.html"],
    );
    assert_same_with_limits(
        &fixtures().join("classifier/scraped"),
        &["--classifier", "aggressive"],
    );
}

#[test]
fn a_memory_limit_changes_no_byte_of_jsonl_outputs_attributes_or_ids() {
    let jsonl = fixtures().join("dolma/documents");
    assert_same_with_limits(&jsonl, &[]);
    assert_same_with_limits(&jsonl, &["--mode", "annotate"]);
    assert_same_with_limits(&jsonl, &["--mode", "ids", "--no-dedup"]);
}

#[test]
fn a_memory_limit_changes_no_byte_of_mixed_inputs_or_kept_longest_copies() {
    // JSONL files sorted before and after the text files: pass 1 stores the fingerprints of
    // text files read after a JSONL file's records.
    let dir = generated();
    let dolma = fixtures().join("dolma/documents");
    for (name, to) in [
        ("greenfieldpost.example.jsonl", "a-first.jsonl"),
        ("valleytimes.example.jsonl", "site1.example/m-middle.jsonl"),
    ] {
        std::fs::copy(dolma.join(name), dir.path().join(to)).unwrap();
    }
    assert_same_with_limits(dir.path(), &[]);
    // Near-duplicates kept longest first: the LSH entries sort by a rank that is not the
    // document order.
    assert_same_with_limits(dir.path(), &["--keep", "longest"]);
}

#[test]
fn spill_files_go_to_tmp_dir_and_a_bad_one_is_named() {
    let dir = generated();
    let scratch = tempfile::tempdir().unwrap();
    let tmp = scratch.path().join("spill-here");
    thresh()
        .arg("clean")
        .arg(dir.path())
        .arg("-o")
        .arg(scratch.path().join("out"))
        .args(["--memory-limit", "4K", "-q", "--tmp-dir"])
        .arg(&tmp)
        .assert()
        .success();
    // Created for the run, emptied at its end.
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0);
    let file = scratch.path().join("a-file");
    std::fs::write(&file, b"not a folder").unwrap();
    let out = thresh()
        .arg("clean")
        .arg(dir.path())
        .arg("-o")
        .arg(scratch.path().join("out2"))
        .args(["--memory-limit", "4K", "-q", "--tmp-dir"])
        .arg(&file)
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("temporary spill file"), "{stderr}");
    assert!(stderr.contains("a-file"), "{stderr}");
    assert!(!scratch.path().join("out2").exists());
}

#[test]
fn memory_limit_sizes_are_read_with_suffixes_and_zero_is_refused() {
    let dir = generated();
    let scratch = tempfile::tempdir().unwrap();
    for size in ["2048", "2K", "1MiB", "1GB"] {
        thresh()
            .arg("clean")
            .arg(dir.path())
            .args(["--dry-run", "-q", "--memory-limit", size])
            .assert()
            .success();
    }
    for size in ["0", "12Q", "1.5G", ""] {
        let out = thresh()
            .arg("clean")
            .arg(dir.path())
            .arg("-o")
            .arg(scratch.path().join("out"))
            .args(["--memory-limit", size])
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.contains("--memory-limit"), "{size}: {stderr}");
    }
}
