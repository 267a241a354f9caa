//! JSONL corpora end to end: the dolma-style fixture (`fixtures/dolma/documents`, the example
//! articles as records, in plain, multi-member gzip and zstd files), annotations, ids, streams,
//! resume and damaged input.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::harness::{
    assert_trees_equal, clean_into, clean_with_report, fixtures, read_tree, thresh,
};
use thresh::input::jsonl::{jsonl_compression, open, parse_record, Fields};

fn documents() -> PathBuf {
    fixtures().join("dolma").join("documents")
}

/// The decompressed lines of a JSONL file.
fn lines_of(path: &Path) -> Vec<Vec<u8>> {
    let compression = jsonl_compression(path).expect("a JSONL name");
    let mut data = Vec::new();
    open(path, compression)
        .expect("open")
        .read_to_end(&mut data)
        .expect("decompress");
    data.split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

/// Records by id: (line bytes, text).
fn records(path: &Path) -> BTreeMap<String, (Vec<u8>, String)> {
    lines_of(path)
        .into_iter()
        .map(|line| {
            let r = parse_record(&line, &Fields::default()).expect("a record");
            (r.id.clone().expect("id"), (line, r.text))
        })
        .collect()
}

#[test]
fn records_are_cleaned_like_the_text_corpus_and_other_bytes_are_kept() {
    let out = tempfile::tempdir().unwrap();
    clean_into(documents(), out.path()).assert().success();
    let mut rows = 0;
    for name in read_tree(&documents()).keys() {
        let (input, output) = (documents().join(name), out.path().join(name));
        // Same compression as the input.
        let magic = std::fs::read(&output).unwrap()[..2].to_vec();
        match jsonl_compression(&output) {
            Some(thresh::input::jsonl::Compression::Gzip) => assert_eq!(magic, [0x1f, 0x8b]),
            Some(thresh::input::jsonl::Compression::Zstd) => assert_eq!(magic, [0x28, 0xb5]),
            _ => assert_eq!(magic[0], b'{'),
        }
        let before = records(&input);
        let after = records(&output);
        // Rows keep input order.
        let order: Vec<&String> = before.keys().filter(|k| after.contains_key(*k)).collect();
        let out_ids: Vec<String> = lines_of(&output)
            .iter()
            .map(|l| parse_record(l, &Fields::default()).unwrap().id.unwrap())
            .collect();
        assert_eq!(out_ids.iter().collect::<Vec<_>>(), order);
        for (id, (line, text)) in &after {
            rows += 1;
            // The cleaned text is exactly the text corpus's golden output.
            let expected = fixtures().join("expected").join(format!("{id}.txt"));
            let expected = std::fs::read(&expected).unwrap();
            if let Ok(expected) = std::str::from_utf8(&expected) {
                assert_eq!(text, expected, "{id}");
            }
            // Every byte outside the text string is the input's.
            let (in_line, _) = &before[id];
            let span_in = parse_record(in_line, &Fields::default()).unwrap().text_span;
            let span_out = parse_record(line, &Fields::default()).unwrap().text_span;
            assert_eq!(in_line[..span_in.start], line[..span_out.start], "{id}");
            assert_eq!(in_line[span_in.end..], line[span_out.end..], "{id}");
        }
    }
    // 40 records: 1 exact duplicate, 2 near-duplicates and 1 empty text are left out.
    assert_eq!(rows, 36);
}

#[test]
fn output_is_the_same_for_any_thread_count() {
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for (dir, threads) in [(&one, "1"), (&two, "2")] {
        clean_into(documents(), dir.path())
            .args(["-j", threads])
            .assert()
            .success();
        clean_into(documents(), dir.path().join("annotated"))
            .args(["-j", threads, "--mode", "annotate"])
            .assert()
            .success();
    }
    assert_trees_equal(one.path(), two.path());
}

/// Delete `[start, end)` code-point spans from `text`.
fn apply_spans(text: &str, spans: &[(usize, usize)]) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut at = 0;
    for &(start, end) in spans {
        out.extend(&chars[at..start]);
        at = end;
    }
    out.extend(&chars[at..]);
    out
}

#[test]
fn annotate_writes_a_dolma_attribute_tree_that_reproduces_the_rewrite() {
    let dataset = tempfile::tempdir().unwrap();
    let docs = dataset.path().join("documents");
    for (name, bytes) in read_tree(&documents()) {
        std::fs::create_dir_all(&docs).unwrap();
        std::fs::write(docs.join(name), bytes).unwrap();
    }
    clean_into(&docs, dataset.path())
        .args(["--mode", "annotate"])
        .assert()
        .success();
    let rewritten = tempfile::tempdir().unwrap();
    clean_into(&docs, rewritten.path()).assert().success();
    let attributes = dataset.path().join("attributes").join("thresh");
    let mut non_ascii_spans = 0;
    for name in read_tree(&docs).keys() {
        let doc_lines = lines_of(&docs.join(name));
        let attr_lines = lines_of(&attributes.join(name));
        // dolma pairs attribute rows with document rows by position.
        assert_eq!(doc_lines.len(), attr_lines.len(), "{name}");
        let cleaned = records(&rewritten.path().join(name));
        for (doc, attr) in doc_lines.iter().zip(&attr_lines) {
            let record = parse_record(doc, &Fields::default()).unwrap();
            let row: serde_json::Value = serde_json::from_slice(attr).unwrap();
            let id = record.id.unwrap();
            assert_eq!(row["id"], id.as_str());
            let attrs = row["attributes"].as_object().unwrap();
            let mut spans: Vec<(usize, usize)> = Vec::new();
            for (key, value) in attrs {
                assert!(key.starts_with("thresh__thresh__"), "{key}");
                for span in value.as_array().unwrap() {
                    let s = span.as_array().unwrap();
                    assert_eq!(s.len(), 3);
                    spans.push((
                        s[0].as_u64().unwrap() as usize,
                        s[1].as_u64().unwrap() as usize,
                    ));
                }
            }
            spans.sort_unstable();
            let dropped = ["duplicate", "near_duplicate", "emptied"]
                .iter()
                .any(|k| attrs.contains_key(&format!("thresh__thresh__{k}")));
            match cleaned.get(&id) {
                Some((_, text)) => {
                    assert!(!dropped, "{id}");
                    // Deleting the spans, counted in code points, gives the rewritten text.
                    assert_eq!(&apply_spans(&record.text, &spans), text, "{id}");
                    if !record.text.is_ascii() && !spans.is_empty() {
                        non_ascii_spans += 1;
                    }
                }
                None => assert!(dropped || record.text.is_empty(), "{id}"),
            }
        }
    }
    assert!(
        non_ascii_spans > 0,
        "the fixture must exercise non-ASCII offsets"
    );
}

#[test]
fn ids_mode_lists_dropped_documents_with_reasons() {
    let out = tempfile::tempdir().unwrap();
    let ids = out.path().join("drop.jsonl");
    clean_into(documents(), &ids)
        .args(["--mode", "ids"])
        .assert()
        .success();
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(&ids)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let reasons: Vec<&str> = rows.iter().map(|r| r["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons.iter().filter(|r| **r == "duplicate").count(), 1);
    assert_eq!(
        reasons.iter().filter(|r| **r == "near_duplicate").count(),
        2
    );
    for row in &rows {
        assert!(row["of"].is_string() && row["line"].is_u64() && row["path"].is_string());
    }
}

#[test]
fn standard_input_and_output_carry_jsonl() {
    let input = documents().join("valleytimes.example.jsonl");
    let out = tempfile::tempdir().unwrap();
    clean_into(&input, out.path()).assert().success();
    let expected = std::fs::read(out.path().join("valleytimes.example.jsonl")).unwrap();
    let assert = thresh()
        .args(["clean", "-", "-o", "-"])
        .write_stdin(std::fs::read(&input).unwrap())
        .assert()
        .success();
    assert_eq!(assert.get_output().stdout, expected);
    // Messages stay on standard error.
    assert!(String::from_utf8_lossy(&assert.get_output().stderr).contains("documents"));
    // Compressed standard input is recognised by its magic bytes.
    let gz = documents().join("harbourgazette.example.jsonl.gz");
    let assert = thresh()
        .args(["clean", "-", "-o", "-"])
        .write_stdin(std::fs::read(&gz).unwrap())
        .assert()
        .success();
    let clean_gz = tempfile::tempdir().unwrap();
    clean_into(&gz, clean_gz.path()).assert().success();
    let rows = lines_of(&clean_gz.path().join("harbourgazette.example.jsonl.gz")).concat();
    assert_eq!(assert.get_output().stdout, rows);
}

#[test]
fn text_inputs_cannot_go_to_standard_output() {
    thresh()
        .args(["clean", "-o", "-"])
        .arg(fixtures().join("scraped"))
        .assert()
        .code(2);
}

#[test]
fn a_rerun_skips_finished_outputs_unless_overwrite() {
    let out = tempfile::tempdir().unwrap();
    clean_into(documents(), out.path()).assert().success();
    let target = out.path().join("valleytimes.example.jsonl");
    let first = std::fs::read(&target).unwrap();
    std::fs::write(&target, b"kept\n").unwrap();
    clean_into(documents(), out.path()).assert().success();
    assert_eq!(std::fs::read(&target).unwrap(), b"kept\n");
    clean_into(documents(), out.path())
        .arg("--overwrite")
        .assert()
        .success();
    assert_eq!(std::fs::read(&target).unwrap(), first);
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

#[test]
fn damaged_lines_and_streams_are_reported_with_their_line_and_the_rest_goes_on() {
    let good = |id: &str| {
        format!("{{\"id\": \"{id}\", \"text\": \"A line of real text about {id}.\\n\"}}\n")
    };
    let mut plain = String::new();
    plain += &good("a");
    plain += "{\"id\": \"b\", \"text\": \"unterminated\n";
    plain += "{\"id\": \"c\"}\n";
    plain += "{\"id\": \"d\", \"text\": 42}\n";
    plain += &good("a");
    plain += &format!("{{\"id\": \"huge\", \"text\": \"{}\"}}\n", "x".repeat(5000));
    plain += &good("e");
    let many = |prefix: &str| {
        (0..200)
            .map(|i| good(&format!("{prefix}{i}")))
            .collect::<String>()
    };
    let whole = gzip(many("f").as_bytes());
    let truncated_gz = whole[..whole.len() / 2].to_vec();
    let zst = zstd::encode_all(many("g").as_bytes(), 3).unwrap();
    let truncated_zst = zst[..zst.len() - 4].to_vec();
    let corpus = crate::harness::corpus(&[
        ("in/bad.jsonl", plain.as_bytes()),
        ("in/cut.jsonl.gz", &truncated_gz),
        ("in/cut.jsonl.zst", &truncated_zst),
    ]);
    let out = corpus.path().join("out");
    let (assert, report, _tmp) = clean_with_report(&[
        corpus.path().join("in").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--max-line-bytes",
        "1000",
        "--no-dedup",
    ]);
    let assert = assert.code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    let issues = report["issues"].as_array().unwrap();
    let found = |kind: &str, file: &str, line: u64| {
        issues.iter().any(|i| {
            i["kind"] == kind && i["path"].as_str().unwrap().ends_with(file) && i["line"] == line
        })
    };
    assert!(found("malformed", "bad.jsonl", 2), "{stderr}");
    assert!(found("malformed", "bad.jsonl", 3), "{stderr}");
    assert!(found("malformed", "bad.jsonl", 4), "{stderr}");
    assert!(found("duplicate_id", "bad.jsonl", 5), "{stderr}");
    assert!(found("too_large", "bad.jsonl", 6), "{stderr}");
    assert!(
        issues
            .iter()
            .any(|i| i["kind"] == "truncated"
                && i["path"].as_str().unwrap().ends_with("cut.jsonl.gz")),
        "{stderr}"
    );
    assert!(
        issues
            .iter()
            .any(|i| i["kind"] == "truncated"
                && i["path"].as_str().unwrap().ends_with("cut.jsonl.zst")),
        "{stderr}"
    );
    assert!(stderr.contains("bad.jsonl:2:"), "{stderr}");
    // The good lines still come out.
    let kept: Vec<String> = lines_of(&out.join("bad.jsonl"))
        .iter()
        .map(|l| parse_record(l, &Fields::default()).unwrap().id.unwrap())
        .collect();
    assert!(kept.contains(&"e".to_string()), "{kept:?}");
    assert!(out.join("cut.jsonl.gz").exists());
}
