//! Faults during a run: a full disk (a file-size limit), Ctrl-C, `kill -9`, an unwritable
//! output folder. After each: no partial file under a final name, a clear message, and a rerun
//! completes the job with the same bytes as an undisturbed run.

#![cfg(unix)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{clean_into, corpus, read_tree};

fn binary() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("thresh")
}

const WORDS: [&str; 32] = [
    "harbour", "council", "ferry", "market", "school", "bridge", "library", "festival", "river",
    "station", "orchard", "museum", "garden", "theatre", "stadium", "clinic", "bakery", "quay",
    "tram", "meadow", "chapel", "pier", "foundry", "mill", "lantern", "granary", "canal", "forge",
    "dairy", "tannery", "kiln", "wharf",
];

/// Words that make every `i` a different sentence (numbers would fold to one key).
fn sentence(i: usize) -> String {
    let mut x = i;
    let words: Vec<&str> = (0..6)
        .map(|_| {
            let w = WORDS[x % WORDS.len()];
            x = x / WORDS.len() + 7 * (x % 5) + 3;
            w
        })
        .collect();
    format!(
        "The {} reports on the {} near the {}.",
        words[..2].join(" "),
        words[2..4].join(" "),
        words[4..].join(" ")
    )
}

/// `n` small articles of one site sharing a header and a footer, plus one large article.
fn articles(n: usize, large_bytes: usize) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = (0..n)
        .map(|i| {
            (
                format!("site.example/a{i:05}.txt"),
                format!(
                    "Header of the site\n{} {}\nFooter of the site\n",
                    sentence(i),
                    sentence(i + 1_000_003)
                )
                .into_bytes(),
            )
        })
        .collect();
    if large_bytes > 0 {
        let mut body = String::new();
        let mut i = 2_000_000;
        while body.len() < large_bytes {
            body.push_str(&sentence(i));
            body.push(' ');
            body.push_str(&sentence(i * 3 + 1));
            body.push('\n');
            i += 1;
        }
        files.push((
            "site.example/large.txt".into(),
            format!("Header of the site\n{body}Footer of the site\n").into_bytes(),
        ));
    }
    files
}

fn build(files: &[(String, Vec<u8>)]) -> tempfile::TempDir {
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    corpus(&refs)
}

/// The cleaned tree of an undisturbed run.
fn reference(input: &Path, scratch: &Path) -> BTreeMap<String, Vec<u8>> {
    let out = scratch.join("reference");
    clean_into(input, &out).arg("-q").assert().success();
    read_tree(&out)
}

fn temporary_files(tree: &BTreeMap<String, Vec<u8>>) -> Vec<&String> {
    tree.keys().filter(|k| k.ends_with(".thresh-tmp")).collect()
}

/// Every file present is complete: byte-identical to the undisturbed run's.
fn assert_complete_subset(got: &BTreeMap<String, Vec<u8>>, want: &BTreeMap<String, Vec<u8>>) {
    for (name, bytes) in got {
        if name.ends_with(".thresh-tmp") {
            continue;
        }
        assert_eq!(
            Some(bytes),
            want.get(name),
            "{name} is partial or unexpected"
        );
    }
}

#[test]
fn a_full_disk_fails_the_one_file_and_a_rerun_completes() {
    let dir = build(&articles(20, 200_000));
    let scratch = tempfile::tempdir().unwrap();
    let want = reference(dir.path(), scratch.path());
    let out = scratch.path().join("out");
    // bash counts `ulimit -f` in KiB: 64 KiB fits every small article, not the large one.
    let run = Command::new("bash")
        .arg("-c")
        .arg(r#"ulimit -f 64 && exec "$0" clean "$1" -o "$2" -q"#)
        .arg(binary())
        .arg(dir.path())
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("large.txt"), "{stderr}");
    assert!(stderr.contains("cannot write"), "{stderr}");
    let after = read_tree(&out);
    assert!(!after.contains_key("site.example/large.txt"));
    assert!(temporary_files(&after).is_empty(), "{:?}", after.keys());
    assert_eq!(after.len(), 20);
    assert_complete_subset(&after, &want);
    clean_into(dir.path(), &out).arg("-q").assert().success();
    assert_eq!(read_tree(&out), want);
}

/// Start a run over many files, stop it with `signal` once some output exists, wait for it.
fn interrupt(input: &Path, out: &Path, signal: i32) -> std::process::ExitStatus {
    let mut child = Command::new(binary())
        .arg("clean")
        .arg(input)
        .arg("-o")
        .arg(out)
        .args(["-q", "-j", "2"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    // Pass 2 has begun once the first cleaned file exists.
    while !out.join("site.example").exists() && started.elapsed() < Duration::from_secs(60) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    // SAFETY: sending a signal to our own child process.
    unsafe {
        libc::kill(child.id() as i32, signal);
    }
    child.wait().unwrap()
}

/// Interrupt a run over 4,000 files with `signal`, check what it left with `check_stopped`
/// (unless it finished first), then rerun: the result must equal an undisturbed run.
fn interrupt_then_rerun(
    signal: i32,
    check_stopped: impl Fn(std::process::ExitStatus, &BTreeMap<String, Vec<u8>>),
) {
    let dir = build(&articles(4_000, 0));
    let scratch = tempfile::tempdir().unwrap();
    let want = reference(dir.path(), scratch.path());
    let out = scratch.path().join("out");
    let status = interrupt(dir.path(), &out, signal);
    eprintln!("interrupted run: {status:?}");
    let after = read_tree(&out);
    if status.code() == Some(0) {
        // Finished before the signal arrived: nothing to check but completeness.
        assert_eq!(after, want);
        return;
    }
    check_stopped(status, &after);
    assert_complete_subset(&after, &want);
    clean_into(dir.path(), &out).arg("-q").assert().success();
    // The rerun writes every missing file through its temporary name: none is left.
    assert_eq!(read_tree(&out), want);
}

#[test]
fn ctrl_c_exits_130_removes_temporary_files_and_a_rerun_completes() {
    interrupt_then_rerun(libc::SIGINT, |status, after| {
        assert_eq!(status.code(), Some(130), "{status:?}");
        let left = temporary_files(after);
        assert!(left.is_empty(), "{left:?}");
    });
}

#[test]
fn kill_9_leaves_only_complete_files_and_a_rerun_completes() {
    // Killed: temporary files may remain (hidden, never under a final name).
    interrupt_then_rerun(libc::SIGKILL, |status, _| {
        assert_eq!(status.code(), None, "killed by a signal: {status:?}");
    });
}

#[test]
fn an_unwritable_output_folder_is_named_and_nothing_partial_appears() {
    if crate::harness::rerun_unprivileged(
        "faults::an_unwritable_output_folder_is_named_and_nothing_partial_appears",
    ) {
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let dir = build(&articles(5, 0));
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    std::fs::create_dir_all(out.join("site.example")).unwrap();
    std::fs::set_permissions(
        out.join("site.example"),
        std::fs::Permissions::from_mode(0o555),
    )
    .unwrap();
    let run = clean_into(dir.path(), &out).arg("-q").output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot write"), "{stderr}");
    assert!(stderr.contains("site.example"), "{stderr}");
    std::fs::set_permissions(
        out.join("site.example"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    assert!(read_tree(&out).is_empty());
    clean_into(dir.path(), &out).arg("-q").assert().success();
    assert_eq!(read_tree(&out).len(), 5);
}

#[test]
fn ctrl_c_under_a_memory_limit_removes_the_spill_folder() {
    let dir = build(&articles(4_000, 0));
    let scratch = tempfile::tempdir().unwrap();
    let tmp = scratch.path().join("spill");
    let mut child = Command::new(binary())
        .arg("clean")
        .arg(dir.path())
        .arg("-o")
        .arg(scratch.path().join("out"))
        .args(["-q", "-j", "2", "--memory-limit", "64K", "--tmp-dir"])
        .arg(&tmp)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let spill_files = || {
        std::fs::read_dir(&tmp)
            .into_iter()
            .flatten()
            .flatten()
            .flat_map(|d| std::fs::read_dir(d.path()).into_iter().flatten())
            .count()
    };
    let started = Instant::now();
    // The run has spilled once its folder holds a file (the fingerprint store, from the start).
    while spill_files() == 0 && started.elapsed() < Duration::from_secs(60) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    // SAFETY: sending a signal to our own child process.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let status = child.wait().unwrap();
    assert!(matches!(status.code(), Some(0 | 130)), "{status:?}");
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().flatten().collect();
    assert!(left.is_empty(), "{left:?}");
}
