//! Invariants of whole runs over arbitrary small corpora, through the library.

use proptest::prelude::*;
use thresh::decide::{Fate, Removal};

/// Lines drawn from a small pool so that repeats within and across documents happen often.
fn arb_corpus() -> impl Strategy<Value = Vec<(usize, Vec<usize>)>> {
    prop::collection::vec((0usize..3, prop::collection::vec(0usize..30, 1..12)), 1..10)
}

const POOL: [&str; 10] = [
    "Home | News | Sport",
    "Subscribe to our newsletter today",
    "© 2024 Example Media. All rights reserved",
    "* * *",
    "Advertisement",
    "The council met on Tuesday to discuss the new harbour wall and its cost",
    "Residents said the ferry timetable had changed twice this year",
    "A caption under the photo of the harbour at dawn",
    "",
    "Share this article",
];

fn line(n: usize) -> String {
    if n < POOL.len() {
        POOL[n].to_string()
    } else {
        // Letters, not digits: numbers fold to one key.
        let word: String = n
            .to_string()
            .bytes()
            .map(|d| char::from(b'a' + (d - b'0')))
            .collect();
        format!("Unique sentence {word} with some words of its own")
    }
}

fn write_corpus(docs: &[(usize, Vec<usize>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (i, (site, lines)) in docs.iter().enumerate() {
        let folder = dir.path().join(format!("site{site}"));
        std::fs::create_dir_all(&folder).expect("mkdir");
        let text: String = lines.iter().map(|&n| line(n) + "\n").collect();
        std::fs::write(folder.join(format!("d{i}.txt")), text).expect("write");
    }
    dir
}

fn decisions(input: &std::path::Path, threads: usize) -> Vec<(Option<Fate>, Vec<Removal>)> {
    let cfg = thresh::Config {
        inputs: vec![input.to_path_buf()],
        dry_run: true,
        threads,
        decide: thresh::decide::DecideConfig {
            min_docs: 2,
            ..Default::default()
        },
        ..thresh::Config::default()
    };
    let outcome = thresh::pipeline::run(&cfg).expect("run");
    outcome
        .docs
        .into_iter()
        .map(|d| (d.fate, d.removals))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn same_decisions_for_one_and_three_threads(docs in arb_corpus()) {
        let dir = write_corpus(&docs);
        prop_assert_eq!(decisions(dir.path(), 1), decisions(dir.path(), 3));
    }

    #[test]
    fn nothing_is_removed_when_nothing_repeats(n in 1usize..8, offset in 100usize..1000) {
        let docs: Vec<(usize, Vec<usize>)> =
            (0..n).map(|i| (i % 3, vec![offset + 3 * i, offset + 3 * i + 1, offset + 3 * i + 2])).collect();
        let dir = write_corpus(&docs);
        for (fate, removals) in decisions(dir.path(), 2) {
            prop_assert_eq!(fate, Some(Fate::Written));
            prop_assert!(removals.is_empty());
        }
    }
}
