//! The block classifier end to end: `fixtures/classifier/scraped` holds one page per site, so
//! counting finds nothing and every removal is the classifier's. Its chrome never repeats
//! (bylines, datelines, headline lists, share lines, comments); its content is tricky (short
//! dialogue, a list inside the article, a one-paragraph news brief). The cleaned output must
//! match `fixtures/classifier/expected` (`UPDATE_EXPECTED=1` rewrites it; review the diff).

use crate::harness::{assert_trees_equal, fixtures, read_tree, thresh};

fn scraped() -> std::path::PathBuf {
    fixtures().join("classifier").join("scraped")
}

#[test]
fn unique_chrome_goes_and_tricky_content_stays() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    thresh()
        .args(["clean", "-q", "-o"])
        .arg(&out)
        .arg(scraped())
        .assert()
        .success();
    let expected = fixtures().join("classifier").join("expected");
    if std::env::var_os("UPDATE_EXPECTED").is_some() {
        let _ = std::fs::remove_dir_all(&expected);
        std::fs::rename(&out, &expected).unwrap();
        return;
    }
    assert_trees_equal(&expected, &out);
    let text = |name: &str| {
        String::from_utf8(read_tree(&out)[name].clone()).expect("cleaned output is UTF-8")
    };
    let ferry = text("lakesidecourier.example/2025-03-13-ferry-pier.txt");
    assert!(
        ferry.starts_with("Ferry pier reopens after winter repairs\n"),
        "title stays"
    );
    assert!(ferry.contains("“Is it safe now?”"), "dialogue stays");
    for chrome in [
        "By Tomas Riel",
        "Last updated",
        "Share this",
        "Bakery wins",
        "Reply",
    ] {
        assert!(!ferry.contains(chrome), "{chrome} goes");
    }
    let fair = text("hilltopnews.example/2025-04-02-spring-fair.txt");
    assert!(
        fair.contains("local cheese\n"),
        "a list inside the article stays"
    );
    assert!(!fair.contains("www.millbrook.example"), "a promo line goes");
    let brief = text("riversidedaily.example/2025-01-20-road-closed.txt");
    assert!(
        brief.contains("A burst water main"),
        "a one-paragraph brief stays"
    );
    assert!(!brief.contains("Read more"));
    let library = text("northshoreherald.example/2025-05-06-library-extension.txt");
    assert!(
        library.ends_with("until the end of September.\n"),
        "the article ends where its comment thread starts: {library}"
    );
    assert!(!library.contains("Forty seats"), "a comment goes");
}

#[test]
fn keep_comments_keeps_the_thread_under_the_article() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    thresh()
        .args(["clean", "-q", "--keep-comments", "-o"])
        .arg(&out)
        .arg(scraped())
        .assert()
        .success();
    let tree = read_tree(&out);
    let library =
        String::from_utf8_lossy(&tree["northshoreherald.example/2025-05-06-library-extension.txt"])
            .into_owned();
    for comment in ["We visited on the first morning", "Forty seats"] {
        assert!(library.contains(comment), "{comment} stays: {library}");
    }
    // Only the thread is kept: the other pages come out as by default.
    let expected = read_tree(&fixtures().join("classifier").join("expected"));
    for (name, bytes) in &expected {
        if !name.starts_with("northshoreherald") {
            assert_eq!(&tree[name], bytes, "{name}");
        }
    }
}

#[test]
fn off_keeps_every_block() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    thresh()
        .args(["clean", "-q", "--classifier", "off", "-o"])
        .arg(&out)
        .arg(scraped())
        .assert()
        .success();
    assert_trees_equal(&scraped(), &out);
}

/// `thresh explain` of one page of the classifier corpus.
fn explained(page: &str) -> String {
    let out = thresh()
        .args(["explain", page])
        .arg(scraped())
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn explain_and_report_name_the_features() {
    let text = explained("lakesidecourier.example/2025-03-13-ferry-pier.txt");
    assert!(
        text.contains("classified: short, no sentence punctuation, call to action"),
        "{text}"
    );
    assert!(text.contains("after the article"), "{text}");

    let text = explained("northshoreherald.example/2025-05-06-library-extension.txt");
    assert!(
        text.contains(
            "a comment's text in the comments under the article (--keep-comments keeps the thread)"
        ),
        "{text}"
    );

    let out = thresh()
        .args(["clean", "--dry-run", "-q", "--report", "-"])
        .arg(scraped())
        .output()
        .unwrap();
    assert!(out.status.success());
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        r["totals"]["blocks_removed"]["classified"]
            .as_u64()
            .unwrap()
            >= 10
    );
    assert_eq!(r["config"]["decide"]["classifier"]["strength"], "default");
    let removed = r["documents"][1]["removed"].as_array().unwrap();
    let share = removed
        .iter()
        .find(|b| {
            b["features"]
                .as_array()
                .is_some_and(|f| f.contains(&"call_to_action".into()))
        })
        .expect("a call to action is removed");
    assert_eq!(share["reason"], "classified");
    assert_eq!(share["zone"], "after_article");
    let comments = r["documents"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["removed"].as_array().unwrap())
        .filter(|b| b["zone"] == "comments")
        .count();
    // The library page's thread: its heading down to the copyright line.
    assert!(comments >= 10, "{comments} removals in the comments");
}

#[test]
fn a_page_of_chrome_is_left_alone_and_the_run_says_so() {
    let dir = crate::harness::corpus(&[(
        "site.example/page.txt",
        b"Share this\nRead more\nSubscribe\n",
    )]);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let assert = thresh()
        .args(["clean", "-o"])
        .arg(&out)
        .arg(dir.path())
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("classifier backed off on 1 document"),
        "{stderr}"
    );
    assert_trees_equal(dir.path(), &out);
}
