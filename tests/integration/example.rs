//! The bundled example corpus (`fixtures/scraped`) against its committed cleaned output
//! (`fixtures/expected`). Set `UPDATE_EXPECTED=1` to rewrite the expected output after an
//! intended change, then review the diff.

use crate::harness::{
    assert_trees_equal, clean_into, clean_with_report, fixtures, read_tree, thresh,
};

fn run_example(out: &std::path::Path, threads: &str) -> assert_cmd::assert::Assert {
    clean_into(fixtures().join("scraped"), out)
        .args(["-j", threads])
        .assert()
}

/// Clean the example corpus into `out` with a JSON report.
fn clean_example_with_report(
    out: &std::path::Path,
) -> (
    assert_cmd::assert::Assert,
    serde_json::Value,
    tempfile::TempDir,
) {
    clean_with_report(&[
        fixtures().join("scraped").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ])
}

#[test]
fn example_output_matches_expected() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_example(&out, "2").success();
    let expected = fixtures().join("expected");
    if std::env::var_os("UPDATE_EXPECTED").is_some() {
        let _ = std::fs::remove_dir_all(&expected);
        std::fs::rename(&out, &expected).unwrap();
        return;
    }
    assert_trees_equal(&expected, &out);
}

#[test]
fn same_bytes_out_for_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    let (r1, r2) = (tmp.path().join("r1.json"), tmp.path().join("r2.json"));
    for (out, report, j) in [(&one, &r1, "1"), (&two, &r2, "2")] {
        clean_into(fixtures().join("scraped"), out)
            .arg("--report")
            .arg(report)
            .args(["-j", j])
            .assert()
            .success();
    }
    assert_trees_equal(&one, &two);
    let strip_output = |p: &std::path::Path| {
        let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
        v["config"]["output"] = serde_json::Value::Null;
        v
    };
    assert_eq!(strip_output(&r1), strip_output(&r2));
}

/// Each output file is the input with whole lines removed: what is kept is byte-identical
/// (line endings included) and in the original order.
#[test]
fn kept_blocks_are_byte_identical_and_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    run_example(&tmp.path().join("out"), "2").success();
    let inputs = read_tree(&fixtures().join("scraped"));
    let outputs = read_tree(&tmp.path().join("out"));
    assert!(outputs.len() >= 30);
    for (name, out) in &outputs {
        let input = &inputs[name];
        let mut in_lines = input.split_inclusive(|&b| b == b'\n');
        for line in out.split_inclusive(|&b| b == b'\n') {
            assert!(
                in_lines.any(|l| l == line),
                "{name}: output line {:?} is not an input line in order",
                String::from_utf8_lossy(line)
            );
        }
        assert!(out.len() < input.len(), "{name}: nothing removed");
    }
}

#[test]
fn report_describes_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let (assert, report, _keep) = clean_example_with_report(&out);
    assert
        .success()
        .stderr(predicates::str::contains(
            "40 documents: 36 written, 1 duplicate, 2 near-duplicate",
        ))
        .stderr(predicates::str::contains("empty file"))
        .stderr(predicates::str::contains("invalid UTF-8"));
    assert_eq!(report["format"], "thresh-report");
    assert_eq!(report["version"], 1);
    let totals = &report["totals"];
    assert_eq!(totals["documents_found"], 40);
    assert_eq!(totals["documents_written"], 36);
    assert_eq!(totals["documents_near_duplicate"], 2);
    assert_eq!(totals["documents_duplicate"], 1);
    assert_eq!(totals["documents_empty"], 1);
    assert_eq!(totals["documents_failed"], 0);
    assert_eq!(totals["documents_invalid_utf8"], 1);
    assert!(totals["bytes_removed"]["boilerplate"].as_u64().unwrap() > 10_000);
    assert!(
        totals["blocks_removed"]["repeated_in_document"]
            .as_u64()
            .unwrap()
            >= 6
    );

    let docs = report["documents"].as_array().unwrap();
    let doc = |id: &str| {
        docs.iter()
            .find(|d| d["id"] == id)
            .unwrap_or_else(|| panic!("{id}"))
    };
    // "…-amp.txt" sorts before "….txt" ('-' < '.'), so it is the first copy in path order.
    let copy = doc("harbourgazette.example/2024-03-05-ferry-schedule.txt");
    assert_eq!(copy["status"], "duplicate");
    assert_eq!(
        copy["duplicate_of"],
        "harbourgazette.example/2024-03-05-ferry-schedule-amp.txt"
    );
    assert_eq!(
        doc("metrowire.example/2024-02-30-placeholder.txt")["status"],
        "empty"
    );
    // The syndicated story: the copy in another site's template is a near-duplicate.
    let syndicated = doc("valleytimes.example/2024-04-22-regional-rail-fares.txt");
    assert_eq!(syndicated["status"], "near_duplicate");
    assert_eq!(
        syndicated["duplicate_of"],
        "metrowire.example/2024-04-22-rail-fares-freeze.txt"
    );
    assert!(syndicated["similarity"].as_f64().unwrap() >= 0.7);
    // The labelled near-duplicate pairs are found, and no other pair, although every site's
    // articles share all of its chrome (the hard negatives).
    let clusters = report["near_duplicate_clusters"].as_array().unwrap();
    let mut pairs: Vec<(&str, &str)> = clusters
        .iter()
        .flat_map(|c| {
            let kept = c["kept"].as_str().unwrap();
            c["members"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |m| (kept, m["id"].as_str().unwrap()))
        })
        .collect();
    pairs.sort();
    assert_eq!(
        pairs,
        [
            (
                "harbourgazette.example/2024-06-20-sailing-regatta.txt",
                "harbourgazette.example/2024-06-21-sailing-regatta-updated.txt"
            ),
            (
                "metrowire.example/2024-04-22-rail-fares-freeze.txt",
                "valleytimes.example/2024-04-22-regional-rail-fares.txt"
            ),
        ]
    );

    // Every removal has a reason and a span inside its document; copyright footers are boilerplate.
    for d in docs {
        for r in d["removed"].as_array().unwrap() {
            assert!(r["start"].as_u64() < r["end"].as_u64());
            assert!(r["end"].as_u64().unwrap() <= d["bytes"].as_u64().unwrap());
            assert!(r["reason"].is_string());
        }
    }
    let sites: Vec<&str> = report["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["site"].as_str().unwrap())
        .collect();
    assert_eq!(sites.len(), 4, "{sites:?}");
    let catalogue = report["boilerplate"].as_array().unwrap();
    assert!(catalogue.iter().any(|e| e["text"]
        .as_str()
        .unwrap()
        .contains("Harbour Gazette. All rights reserved")
        && e["documents"].as_u64().unwrap() >= 9));
    // The newsletter line whose reader count changes is one entry, its spellings as variants.
    let newsletter = catalogue
        .iter()
        .find(|e| {
            e["text"]
                .as_str()
                .unwrap()
                .starts_with("Get the Gazette in your inbox")
        })
        .expect("newsletter in the catalogue");
    let variants = newsletter["variants"].as_array().unwrap();
    assert!(!variants.is_empty() && variants.len() <= 3, "{variants:?}");
    for v in variants {
        assert!(v
            .as_str()
            .unwrap()
            .starts_with("Get the Gazette in your inbox"));
        assert_ne!(v, &newsletter["text"]);
    }
}

#[test]
fn report_parses_back_into_the_library_type() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("r.json");
    thresh()
        .args(["clean", "--dry-run", "-q", "--report"])
        .arg(&path)
        .arg(fixtures().join("scraped"))
        .assert()
        .success();
    let report: thresh::output::report::Report =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(report.totals.documents_found, 40);
    assert!(report.config.dry_run);
}

#[test]
fn special_files_are_handled() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_example(&out, "2").success();
    let outputs = read_tree(&out);
    let inputs = read_tree(&fixtures().join("scraped"));

    // CRLF stays CRLF.
    let crlf = &outputs["valleytimes.example/2024-02-27-farmers-market-moves.txt"];
    assert!(crlf.windows(2).filter(|w| w == b"\r\n").count() > 3);
    assert_eq!(
        crlf.iter().filter(|&&b| b == b'\n').count(),
        crlf.windows(2).filter(|w| w == b"\r\n").count()
    );

    // The Latin-1 file is cleaned and its bytes written back unchanged (still not UTF-8).
    let latin1 = &outputs["greenfieldpost.example/2023-09-28-cider-press-day.txt"];
    assert!(std::str::from_utf8(latin1).is_err());
    assert!(latin1.len() < inputs["greenfieldpost.example/2023-09-28-cider-press-day.txt"].len());

    // Duplicate and empty documents are not written.
    assert!(outputs.contains_key("harbourgazette.example/2024-03-05-ferry-schedule-amp.txt"));
    assert!(!outputs.contains_key("harbourgazette.example/2024-03-05-ferry-schedule.txt"));
    assert!(!outputs.contains_key("metrowire.example/2024-02-30-placeholder.txt"));

    // The syndicated story is written once, with its whole body.
    assert!(!outputs.contains_key("valleytimes.example/2024-04-22-regional-rail-fares.txt"));
    let original =
        String::from_utf8_lossy(&inputs["valleytimes.example/2024-04-22-regional-rail-fares.txt"])
            .to_string();
    let kept =
        String::from_utf8_lossy(&outputs["metrowire.example/2024-04-22-rail-fares-freeze.txt"])
            .to_string();
    let body_lines: Vec<&str> = original
        .lines()
        .filter(|l| l.split_whitespace().count() > 20)
        .collect();
    assert!(body_lines.len() >= 4);
    for line in body_lines {
        assert!(kept.contains(line), "syndicated paragraph lost: {line}");
    }

    // A caption printed twice is kept once; copyright footers are gone everywhere.
    for (name, text) in &outputs {
        let text = String::from_utf8_lossy(text);
        for line in text.lines().filter(|l| l.contains("(Photo:")) {
            assert_eq!(text.matches(line).count(), 1, "{name}: caption kept twice");
        }
        assert!(
            !text.to_lowercase().contains("all rights reserved"),
            "{name}: footer kept"
        );
    }
}

/// The valleytimes pages carry a byline and a reporter note whose names change on every
/// page: no exact key repeats, so only template-variant matching removes them.
#[test]
fn template_variants_are_removed_and_named_in_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let (assert, report, _keep) = clean_example_with_report(&out);
    assert.success();
    let written = read_tree(&out.join("valleytimes.example"));
    assert_eq!(written.len(), 8, "one valleytimes page is a near-duplicate");
    for (path, bytes) in &written {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains("Story filed by"), "{path}");
        assert!(!text.contains("reports on the Wend Valley"), "{path}");
    }
    let variants: Vec<&serde_json::Value> = report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["removed"].as_array().unwrap())
        .filter(|b| b["reason"] == "near_boilerplate")
        .collect();
    assert_eq!(variants.len(), 16, "two blocks on each of 8 written pages");
    for b in &variants {
        assert_eq!(b["placement"], "edge");
        assert!(b["covered"].as_u64().unwrap() * 10 >= b["sampled"].as_u64().unwrap() * 6);
        let near = b["near_match_id"].as_str().unwrap();
        assert!(near.starts_with("valleytimes.example/"), "{near}");
    }
    let entries: Vec<&serde_json::Value> = report["boilerplate"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["matched"] == "template_variant")
        .collect();
    assert_eq!(entries.len(), 2);
    for e in entries {
        assert_eq!(e["blocks_removed"], 8);
        assert!(!e["variants"].as_array().unwrap().is_empty());
        let near = e["near_match"]["text"].as_str().unwrap();
        assert!(
            near.contains("Story filed by") || near.contains("reports on the Wend Valley"),
            "{near}"
        );
    }
    assert_eq!(
        report["totals"]["blocks_removed"]["near_boilerplate"], 16,
        "counted under their own reason"
    );
}

#[test]
fn without_variant_matching_the_changing_lines_stay() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    clean_into(fixtures().join("scraped"), &out)
        .args(["--variant-cover", "0"])
        .assert()
        .success();
    let written = read_tree(&out.join("valleytimes.example"));
    let with_byline = written
        .values()
        .filter(|b| String::from_utf8_lossy(b).contains("Story filed by"))
        .count();
    assert_eq!(with_byline, 8);
}
