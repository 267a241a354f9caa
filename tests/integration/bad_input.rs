//! Bad input is named (file and line), counted, and the run goes on with the rest.

use predicates::str::contains;

use crate::harness::{clean_into, clean_with_report, corpus, read_tree, thresh};

const GOOD: &[u8] = b"A good article with a few words.\nAnother sentence of the good one.\n";

#[test]
fn binary_file_fails_the_run_with_exit_1_and_the_rest_is_written() {
    let dir = corpus(&[("a.txt", GOOD), ("bin.txt", b"line one\nline\0two\n")]);
    let out = tempfile::tempdir().unwrap();
    let o = out.path().join("o");
    let (assert, report, _t) =
        clean_with_report(&[dir.path().to_str().unwrap(), "-o", o.to_str().unwrap()]);
    assert.code(1).stderr(contains("bin.txt:2: NUL byte"));
    assert_eq!(report["totals"]["documents_failed"], 1);
    assert_eq!(report["issues"][0]["kind"], "binary");
    assert_eq!(read_tree(&o).keys().collect::<Vec<_>>(), ["a.txt"]);
}

#[test]
fn invalid_utf8_empty_and_blank_files_are_warnings() {
    let dir = corpus(&[
        ("a.txt", GOOD),
        ("latin1.txt", b"caf\xe9 au lait\nsecond line\n"),
        ("empty.txt", b""),
        ("blank.txt", b"  \n\n\t\n"),
        ("stars.txt", b"* * *\n"),
    ]);
    let out = tempfile::tempdir().unwrap();
    let o = out.path().join("o");
    clean_into(dir.path(), &o)
        .assert()
        .success()
        .stderr(contains("latin1.txt:1: invalid UTF-8 at byte 3"))
        .stderr(contains("empty.txt: empty file"))
        .stderr(contains("blank.txt: no text"))
        .stderr(contains("stars.txt: no text"));
    let tree = read_tree(&o);
    assert_eq!(tree.keys().collect::<Vec<_>>(), ["a.txt", "latin1.txt"]);
    assert_eq!(tree["latin1.txt"], b"caf\xe9 au lait\nsecond line\n");
}

#[cfg(unix)]
#[test]
fn dangling_links_and_link_loops_are_named() {
    let dir = corpus(&[("a.txt", GOOD)]);
    std::os::unix::fs::symlink(
        dir.path().join("missing.txt"),
        dir.path().join("dangling.txt"),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("sub/loop")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = out.path().join("o");
    clean_into(dir.path(), &o)
        .arg("--follow-symlinks")
        .assert()
        .code(1)
        .stderr(contains("dangling.txt"))
        .stderr(contains("symbolic link loop"));
    assert!(o.join("a.txt").exists());
}

#[test]
fn oversized_documents_are_skipped() {
    let dir = corpus(&[("a.txt", GOOD), ("big.txt", &[b'x'; 5000])]);
    let out = tempfile::tempdir().unwrap();
    let o = out.path().join("o");
    clean_into(dir.path(), &o)
        .args(["--max-doc-bytes", "1000"])
        .assert()
        .code(1)
        .stderr(contains(
            "big.txt: 5000 bytes is over the document size limit",
        ));
    assert!(o.join("a.txt").exists());
}

#[test]
fn two_inputs_writing_the_same_path_are_refused() {
    let a = corpus(&[("x.txt", GOOD)]);
    let b = corpus(&[("x.txt", GOOD)]);
    let out = tempfile::tempdir().unwrap();
    thresh()
        .arg("clean")
        .arg(a.path())
        .arg(b.path())
        .arg("-o")
        .arg(out.path().join("o"))
        .assert()
        .code(2)
        .stderr(contains("would both be written to x.txt"));
}

#[test]
fn inputs_are_never_modified() {
    let dir = corpus(&[
        ("s/a.txt", b"Menu\nbody a\n"),
        ("s/b.txt", b"Menu\nbody b\n"),
    ]);
    let before = read_tree(dir.path());
    let out = tempfile::tempdir().unwrap();
    clean_into(dir.path(), out.path().join("o"))
        .args(["--min-docs", "2"])
        .assert()
        .success();
    assert_eq!(read_tree(dir.path()), before);
    assert_eq!(
        std::fs::read(out.path().join("o/s/a.txt")).unwrap(),
        b"body a\n"
    );
}
