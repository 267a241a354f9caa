//! Reruns into an output folder that holds an earlier run's files: they are kept only when the
//! earlier run had the same input and settings (its record in `OUT/.thresh-runs/` says so);
//! otherwise the run stops (exit 2) naming what differs, and `--overwrite` writes them again.

use std::path::Path;

use predicates::str::contains;

use crate::harness::{clean_into, corpus, fixtures, read_tree, thresh};

/// Six articles of one site sharing a menu and a footer, and a second site.
fn articles() -> tempfile::TempDir {
    const STORIES: [&str; 12] = [
        "The ferry timetable changes in winter, when boats leave the pier an hour earlier.",
        "Judges at the county show praised the rye loaf and the cinnamon buns of the bakery.",
        "Shelves of the old library were rebuilt over the summer and a reading garden added.",
        "Runners in next month's marathon will cross both bridges before noon, organisers said.",
        "Pupils of the secondary school built a small rover that climbs stairs without help.",
        "Engineers poured concrete for the harbour wall through a calm and windless week.",
        "Snow closed the mountain pass for two days and farmers brought their flocks down early.",
        "A travelling circus set up its tent on the common and sold out every evening show.",
        "The choir rehearsed in the cold chapel, wearing coats, for the spring concert.",
        "Beekeepers warned that a wet June had kept the hives from making much honey.",
        "A landslide above the railway cutting stopped the morning trains for six hours.",
        "The new footbridge over the weir opened with a ribbon cut by the oldest resident.",
    ];
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..6 {
        files.push((
            format!("a.example/{i}.txt"),
            format!("Home | News | Sport\n{}\nCopyright A Example\n", STORIES[i]).into_bytes(),
        ));
        files.push((
            format!("b.example/{i}.txt"),
            format!("Menu of B\n{}\n", STORIES[6 + i]).into_bytes(),
        ));
    }
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    corpus(&refs)
}

fn record_files(out: &Path) -> Vec<std::path::PathBuf> {
    let folder = out.join(thresh::output::manifest::RUNS_FOLDER);
    let mut files: Vec<_> = std::fs::read_dir(folder)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files
}

/// The regression this guards: a rerun with other settings used to print "written" over the
/// earlier run's files and leave them as they were.
#[test]
fn a_rerun_with_other_settings_stops_and_names_them() {
    let input = articles();
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    clean_into(input.path(), &out).arg("-q").assert().success();
    let first = read_tree(&out);
    assert_eq!(record_files(&out).len(), 1);
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&record_files(&out)[0]).unwrap()).unwrap();
    assert_eq!(record["format"], "thresh-run");
    assert_eq!(record["settings"]["--min-docs"], "5");
    assert_eq!(record["documents"], 12);

    let run = clean_into(input.path(), &out)
        .args(["--classifier", "off", "--min-docs", "3"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("already holds 12 of the files this run writes, made with other settings: --classifier default → off, --min-docs 5 → 3"),
        "{stderr}"
    );
    assert!(stderr.contains("--overwrite"), "{stderr}");
    assert!(
        !stderr.contains("written"),
        "nothing is reported as written: {stderr}"
    );
    assert_eq!(read_tree(&out), first, "the earlier outputs are untouched");

    // --overwrite writes every output with the new settings and records them...
    clean_into(input.path(), &out)
        .args([
            "--classifier",
            "off",
            "--min-docs",
            "3",
            "--overwrite",
            "-q",
        ])
        .assert()
        .success();
    let fresh = scratch.path().join("fresh");
    clean_into(input.path(), &fresh)
        .args(["--classifier", "off", "--min-docs", "3", "-q"])
        .assert()
        .success();
    assert_eq!(read_tree(&out), read_tree(&fresh));
    // ...so that the same settings resume, and the old ones no longer match.
    clean_into(input.path(), &out)
        .args(["--classifier", "off", "--min-docs", "3"])
        .assert()
        .success()
        .stderr(contains(
            "kept 12 outputs an earlier run of the same input and settings had finished",
        ));
    clean_into(input.path(), &out)
        .assert()
        .code(2)
        .stderr(contains("--classifier off → default"));
}

/// Settings that change how a run works but not what it writes (threads, memory, reports,
/// guardrails) do not count as other settings.
#[test]
fn threads_memory_and_reports_are_not_other_settings() {
    let input = articles();
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    clean_into(input.path(), &out).arg("-q").assert().success();
    clean_into(input.path(), &out)
        .args(["-j", "1", "--memory-limit", "1M", "--max-removed", "0.9"])
        .arg("--report")
        .arg(scratch.path().join("r.json"))
        .assert()
        .success()
        .stderr(contains("kept 12 outputs"));
}

#[test]
fn a_rerun_over_changed_input_stops_after_reading_it() {
    let input = articles();
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    clean_into(input.path(), &out).arg("-q").assert().success();
    std::fs::write(
        input.path().join("b.example/0.txt"),
        b"Menu of B\nA story rewritten since the first run.\n",
    )
    .unwrap();
    clean_into(input.path(), &out)
        .assert()
        .code(2)
        .stderr(contains(
        "made from other input: the same number of documents (12), some with other names or text",
    ));
    std::fs::write(
        input.path().join("b.example/new.txt"),
        b"Menu of B\nNews.\n",
    )
    .unwrap();
    clean_into(input.path(), &out)
        .assert()
        .code(2)
        .stderr(contains("12 documents then, 13 now"));
    clean_into(input.path(), &out)
        .args(["--overwrite", "-q"])
        .assert()
        .success();
    assert!(out.join("b.example/new.txt").exists());
}

/// Files the run would write, with no record of how they were made: another tool's, or an
/// older thresh's. Files of other names are no concern.
#[test]
fn outputs_without_a_record_are_not_taken_for_this_runs() {
    let input = articles();
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    std::fs::create_dir_all(out.join("a.example")).unwrap();
    std::fs::write(out.join("notes.txt"), b"mine\n").unwrap();
    clean_into(input.path(), &out).arg("-q").assert().success();
    assert_eq!(std::fs::read(out.join("notes.txt")).unwrap(), b"mine\n");

    let other = scratch.path().join("other");
    std::fs::create_dir_all(other.join("a.example")).unwrap();
    std::fs::write(other.join("a.example/0.txt"), b"stale\n").unwrap();
    let run = clean_into(input.path(), &other).output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("already holds 1 of the files this run writes, with no record of the run that made them"),
        "{stderr}"
    );
    assert!(stderr.contains("a.example/0.txt"), "{stderr}");
    assert_eq!(
        std::fs::read(other.join("a.example/0.txt")).unwrap(),
        b"stale\n"
    );
}

/// An interrupted run (here: outputs removed after it) resumes: the missing files are written,
/// the finished ones kept, and the folder ends as one undisturbed run leaves it.
#[test]
fn an_unfinished_run_resumes_with_the_same_settings() {
    let input = articles();
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    clean_into(input.path(), &out)
        .args(["--min-docs", "3", "-q"])
        .assert()
        .success();
    let whole = read_tree(&out);
    for i in 0..3 {
        std::fs::remove_file(out.join(format!("b.example/{i}.txt"))).unwrap();
    }
    clean_into(input.path(), &out)
        .args(["--min-docs", "3"])
        .assert()
        .success()
        .stderr(contains("kept 9 outputs"));
    assert_eq!(read_tree(&out), whole);
}

/// Runs over other inputs into one folder keep their own records (one file per set of
/// inputs), so each resumes on its own.
#[test]
fn runs_over_other_inputs_share_a_folder() {
    let first = corpus(&[
        ("p1/s/a.txt", b"Header\nFirst part, one story.\n"),
        ("p1/s/b.txt", b"Header\nFirst part, another story.\n"),
    ]);
    let second = corpus(&[("p2/t/c.txt", b"Header\nSecond part, its story.\n")]);
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    clean_into(first.path().join("p1"), &out)
        .arg("-q")
        .assert()
        .success();
    clean_into(second.path().join("p2"), &out)
        .args(["-q", "--min-docs", "3"])
        .assert()
        .success();
    assert_eq!(record_files(&out).len(), 2);
    assert_eq!(read_tree(&out).len(), 3);
    clean_into(first.path().join("p1"), &out)
        .assert()
        .success()
        .stderr(contains("kept 2 outputs"));
    clean_into(second.path().join("p2"), &out)
        .args(["--min-docs", "3"])
        .assert()
        .success()
        .stderr(contains("kept 1 outputs"));
}

/// JSONL outputs and dolma attribute folders are guarded the same way.
#[test]
fn jsonl_and_annotate_outputs_are_guarded_too() {
    let documents = fixtures().join("dolma").join("documents");
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    clean_into(&documents, &out).arg("-q").assert().success();
    clean_into(&documents, &out)
        .args(["--min-docs", "4"])
        .assert()
        .code(2)
        .stderr(contains("already holds 4 of the files"));
    let dataset = scratch.path().join("dataset");
    let annotate = |extra: &[&str]| {
        let mut cmd = thresh();
        cmd.arg("clean")
            .arg(&documents)
            .arg("-o")
            .arg(&dataset)
            .args(["--mode", "annotate", "-q"])
            .args(extra);
        cmd
    };
    annotate(&[]).assert().success();
    annotate(&["--keep", "longest"])
        .assert()
        .code(2)
        .stderr(contains("--keep first → longest"));
    assert_eq!(record_files(&dataset).len(), 1);
}
