//! Shared helpers: running the binary, building corpora, comparing folders readably.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub fn thresh() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("thresh").expect("binary builds");
    cmd.env_remove("NO_COLOR");
    cmd
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Every file under `root` (hidden ones included), by relative path; the run records of an
/// output folder (`.thresh-runs/`) are left out: `reruns.rs` reads them itself.
pub fn read_tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    if !root.exists() {
        return out;
    }
    let records = thresh::output::manifest::RUNS_FOLDER;
    let walk = walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() != 1 || e.file_name() != records);
    for entry in walk {
        let entry = entry.expect("walk");
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(root).expect("under root");
            let rel = rel.to_string_lossy().replace('\\', "/");
            out.insert(rel, std::fs::read(entry.path()).expect("read"));
        }
    }
    out
}

/// Write a corpus: `(relative path, content)` pairs.
pub fn corpus(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (rel, bytes) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, bytes).expect("write");
    }
    dir
}

/// Assert two trees are identical, showing the first differing line of a differing file.
pub fn assert_trees_equal(expected: &Path, actual: &Path) {
    let (e, a) = (read_tree(expected), read_tree(actual));
    let e_names: Vec<_> = e.keys().collect();
    let a_names: Vec<_> = a.keys().collect();
    assert_eq!(
        e_names,
        a_names,
        "different files in {} and {}",
        expected.display(),
        actual.display()
    );
    for (name, want) in &e {
        let got = &a[name];
        if want != got {
            let (w, g) = (String::from_utf8_lossy(want), String::from_utf8_lossy(got));
            let line = w
                .split_inclusive('\n')
                .zip(g.split_inclusive('\n'))
                .position(|(x, y)| x != y)
                .unwrap_or_else(|| w.lines().count().min(g.lines().count()));
            panic!(
                "{name} differs at line {}:\n  expected: {:?}\n  actual:   {:?}",
                line + 1,
                w.split_inclusive('\n').nth(line),
                g.split_inclusive('\n').nth(line)
            );
        }
    }
}

/// Run `clean` with a JSON report and return it parsed.
pub fn clean_with_report(
    args: &[&str],
) -> (
    assert_cmd::assert::Assert,
    serde_json::Value,
    tempfile::TempDir,
) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let report = tmp.path().join("report.json");
    let assert = thresh()
        .arg("clean")
        .args(args)
        .arg("--report")
        .arg(&report)
        .assert();
    let json = std::fs::read(&report)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(serde_json::Value::Null);
    (assert, json, tmp)
}

/// `thresh clean INPUT -o OUT`, ready for more arguments.
pub fn clean_into(
    input: impl AsRef<std::ffi::OsStr>,
    out: impl AsRef<std::ffi::OsStr>,
) -> assert_cmd::Command {
    let mut cmd = thresh();
    cmd.arg("clean").arg(input).arg("-o").arg(out);
    cmd
}

/// Permissions do not bind the superuser, so a test about them run as root runs itself again
/// as `nobody` (with `runuser`) and reports that run's result. Returns `true` when it did so
/// (the caller then returns); `false` when the caller should run the test itself. Where
/// `nobody` cannot start the test binary (a checkout in a private folder) it says so and skips.
#[cfg(unix)]
pub fn rerun_unprivileged(test: &str) -> bool {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return false;
    }
    let exe = std::env::current_exe().expect("test binary path");
    let run = std::process::Command::new("runuser")
        .args(["-u", "nobody", "--"])
        .arg(&exe)
        .args([test, "--exact", "--nocapture"])
        // Temporary folders must be ones `nobody` may write.
        .env("TMPDIR", "/tmp")
        .output();
    let Ok(run) = run else {
        eprintln!("skipped: running as root and runuser is missing");
        return true;
    };
    let out = String::from_utf8_lossy(&run.stdout);
    let err = String::from_utf8_lossy(&run.stderr);
    if !out.contains("running 1 test") {
        // `nobody` could not start the test binary (a checkout in a private folder).
        eprintln!("skipped: running as root and nobody cannot run the tests here: {err}");
        return true;
    }
    assert!(
        run.status.success() && out.contains("1 passed"),
        "as nobody:\n{out}\n{err}"
    );
    true
}
