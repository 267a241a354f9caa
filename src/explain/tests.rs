//! Tests of the explanations: removed blocks' reasons and examples, kept blocks' notes,
//! duplicates, finding documents, the text rendering.

use super::*;
use crate::pipeline::run;

fn corpus(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// Six articles of one site sharing a menu line; the first prints a caption twice.
fn site_corpus() -> tempfile::TempDir {
    const STORIES: [(&str, &str); 6] = [
        (
            "Ferry timetable changes",
            "Boats leave earlier from the pier during winter.",
        ),
        (
            "Bakery wins award",
            "Judges praised the rye loaf and the cinnamon buns.",
        ),
        (
            "Library reopens",
            "Shelves were rebuilt and a reading garden added.",
        ),
        (
            "Marathon route set",
            "Runners will cross both bridges before noon.",
        ),
        (
            "School robotics team",
            "Pupils built a rover that climbs stairs unaided.",
        ),
        (
            "Harbour wall repaired",
            "Engineers poured concrete through the calm week.",
        ),
    ];
    let mut files: Vec<(String, String)> = STORIES
        .iter()
        .enumerate()
        .map(|(i, (title, body))| {
            (
                format!("news/a{i}.txt"),
                format!("Home | World | Sport\n{title}\n{body}\n"),
            )
        })
        .collect();
    files[0].1.push_str(
        "The mayor opens the new bridge on Monday.\nThe mayor opens the new bridge on Monday.\n",
    );
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    corpus(&refs)
}

fn dry_run(dir: &Path) -> (Outcome, Config) {
    let cfg = Config {
        inputs: vec![dir.to_path_buf()],
        dry_run: true,
        ..Config::default()
    };
    let outcome = run(&cfg).unwrap();
    (outcome, cfg)
}

#[test]
fn removed_blocks_carry_reason_rule_counts_and_example() {
    let dir = site_corpus();
    let (outcome, cfg) = dry_run(dir.path());
    let i = find_document(&outcome, "news/a0.txt").unwrap();
    let e = explain(&outcome, &cfg, i).unwrap();
    assert_eq!(e.status, DocStatus::Written);
    assert_eq!(e.blocks.len(), 5);
    let menu = &e.blocks[0];
    assert!(!menu.kept);
    let r = menu.removal.as_ref().unwrap();
    assert_eq!(r.flag.as_deref(), Some("--min-docs"));
    assert_eq!(r.threshold.as_deref(), Some("5"));
    assert!(matches!(
        r.reason,
        Reason::Boilerplate {
            documents: 6,
            sites: 1,
            site_documents: 6,
            site_size: 6,
            ..
        }
    ));
    assert_eq!(
        r.example,
        Some(Example {
            id: "news/a1.txt".into(),
            line: Some(1)
        })
    );
    assert!(r.why.contains("in 6 documents on 1 site"), "{}", r.why);
    assert!(e.blocks[1].kept && e.blocks[1].removal.is_none());
    let repeat = &e.blocks[4];
    assert_eq!(repeat.line, 5);
    let r = repeat.removal.as_ref().unwrap();
    assert_eq!(r.reason.kind(), ReasonKind::RepeatedInDocument);
    assert_eq!(r.example.as_ref().and_then(|x| x.line), Some(4));
    assert_eq!(e.blocks_removed, 2);
    assert_eq!(
        e.bytes_removed,
        ("Home | World | Sport\n".len() + "The mayor opens the new bridge on Monday.\n".len())
            as u64
    );
}

/// Six articles of one site, each with two long paragraphs; the first two quote one
/// sentence between them, and three share a caption.
fn quoting_corpus() -> tempfile::TempDir {
    const TOPICS: [&str; 6] = ["ferry", "bakery", "library", "marathon", "robot", "harbour"];
    // Each article in words of its own, so that none is a near-duplicate of another.
    const DETAILS: [(&str, &str); 6] = [
        (
            "crossings to the island will run later on summer evenings for walkers.",
            "fares stay frozen while the operator counts passengers until autumn.",
        ),
        (
            "flour from the old watermill won a prize for the corner shop's loaves.",
            "queues formed before dawn as neighbours came for the award-winning bread.",
        ),
        (
            "builders extend the reading room with study desks and a walled garden.",
            "volunteers plan to plant roses, herbs and a pear tree by the back wall.",
        ),
        (
            "runners crossed three bridges and the moor road on a bright windy morning.",
            "the winner set a course record despite a strong headwind near the quarry.",
        ),
        (
            "pupils built a machine that sorts recycling by colour and by weight.",
            "their teacher says the team will now compete against city schools in May.",
        ),
        (
            "engineers inspected the sea wall after storms moved stones at high tide.",
            "repairs will close the promenade to cyclists for about three weeks.",
        ),
    ];
    let files: Vec<(String, String)> = TOPICS
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let quote = if i < 2 {
                "“We will not close the pier,” the harbour master said.\n"
            } else {
                ""
            };
            let caption = if (2..5).contains(&i) { "Photo: town archive\n" } else { "" };
            (
                format!("news/{t}.txt"),
                format!(
                    "Home | World | Sport\nThe {t} story begins here: {}\n{quote}{caption}A second paragraph about the {t}: {}\n",
                    DETAILS[i].0,
                    DETAILS[i].1
                ),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    corpus(&refs)
}

/// A kept block a rule came close to says why it stayed and names another document
/// holding it: under --min-docs, or spared inside the article body.
#[test]
fn kept_blocks_say_why_and_where_else_they_are() {
    let dir = quoting_corpus();
    let cfg = Config {
        inputs: vec![dir.path().to_path_buf()],
        dry_run: true,
        decide: crate::decide::DecideConfig {
            min_site_share: 0.3,
            ..Default::default()
        },
        ..Config::default()
    };
    let outcome = run(&cfg).unwrap();
    let e = explain(
        &outcome,
        &cfg,
        find_document(&outcome, "news/ferry.txt").unwrap(),
    )
    .unwrap();
    let quote = e
        .blocks
        .iter()
        .find(|b| b.text.contains("harbour master"))
        .unwrap();
    assert!(quote.kept);
    let note = quote.note.as_deref().unwrap();
    assert!(
        note.starts_with("kept: in 2 of 6 documents of its site (33%, at least --min-site-share 0.3), but inside the article body, where removal needs --body-evidence 3 times that share"),
        "{note}"
    );
    assert!(note.contains("also in news/bakery.txt:3"), "{note}");

    // Without sites only --min-docs counts: 3 documents, under 5.
    let cfg = Config {
        inputs: vec![dir.path().to_path_buf()],
        dry_run: true,
        decide: crate::decide::DecideConfig {
            use_sites: false,
            ..Default::default()
        },
        ..Config::default()
    };
    let outcome = run(&cfg).unwrap();
    let e = explain(
        &outcome,
        &cfg,
        find_document(&outcome, "news/library.txt").unwrap(),
    )
    .unwrap();
    let caption = e
        .blocks
        .iter()
        .find(|b| b.text == "Photo: town archive")
        .unwrap();
    let note = caption.note.as_deref().unwrap();
    assert!(
        note.starts_with("kept: in 3 documents, under --min-docs 5; sites are off"),
        "{note}"
    );
    assert!(note.contains("also in news/marathon.txt:3"), "{note}");
}

/// The classifier says why it kept a block it came close to removing: the title, and a
/// short line inside the article.
#[test]
fn the_classifier_says_why_it_kept_a_block() {
    let article = "The council voted on Tuesday to rebuild the harbour wall after the winter storms had damaged it so badly that the boats of the town could not be moored there, and the work is to start in the spring when the weather is calmer.\n\
        The stalls will sell:\n\
        Engineers met the mayor on the quay, and the plans were shown to everyone who came along to see them on the day, with drawings of the wall and of the path that would run along the top of it.\n\
        Updated 4 March 2025\n\
        Engineers said that the new wall would be higher than the old one and that it would have a footpath along the top of it, which is what the residents of the harbour had asked for at every one of the meetings.\n";
    let dir = corpus(&[(
        "news/wall.txt",
        &format!("Menu\nHarbour wall to be rebuilt\n{article}"),
    )]);
    let (outcome, cfg) = dry_run(dir.path());
    let e = explain(&outcome, &cfg, 0).unwrap();
    let note = |text: &str| {
        e.blocks
            .iter()
            .find(|b| b.text == text)
            .and_then(|b| b.note.clone())
            .unwrap_or_default()
    };
    assert_eq!(
        note("Harbour wall to be rebuilt"),
        "kept by the classifier: the article's title (a headline-sized block just above its prose)"
    );
    let short = note("The stalls will sell:");
    assert!(
        short.starts_with("kept by the classifier: short ("),
        "{short}"
    );
    assert!(
        short.ends_with("between two prose blocks, so part of the text"),
        "{short}"
    );
    let dateline = note("Updated 4 March 2025");
    assert!(
        dateline.starts_with("kept by the classifier: chrome-like (short, no sentence punctuation"),
        "{dateline}"
    );
    assert!(dateline.contains("date or time"), "{dateline}");
    assert!(dateline.ends_with("but inside the article only clear chrome goes (a call to action, a link line, a row of separators)"), "{dateline}");
    assert!(
        note(article.lines().next().unwrap()).is_empty(),
        "plain prose needs no note"
    );
}

#[test]
fn near_duplicate_names_the_kept_copy_and_similarity() {
    let story = "The council voted on Tuesday to rebuild the harbour wall after the winter storms damaged it badly.\nWork starts in spring and should last eight months according to the engineers in charge.\nResidents asked for a footpath along the top of the new wall, which the plan now includes.\n";
    let dir = corpus(&[
        ("a/story.txt", story),
        ("b/story-copy.txt", &format!("{story}Updated at noon.\n")),
        ("c/other.txt", "Something unrelated entirely here.\n"),
    ]);
    let (outcome, cfg) = dry_run(dir.path());
    let copy = explain(
        &outcome,
        &cfg,
        find_document(&outcome, "b/story-copy.txt").unwrap(),
    )
    .unwrap();
    assert_eq!(copy.status, DocStatus::NearDuplicate);
    assert_eq!(copy.duplicate_of.as_deref(), Some("a/story.txt"));
    assert!(copy.similarity.unwrap() >= 0.7);
    assert!(copy.blocks.iter().all(|b| !b.kept));
    assert!(copy.summary.contains("a/story.txt"));
    let kept = explain(
        &outcome,
        &cfg,
        find_document(&outcome, "a/story.txt").unwrap(),
    )
    .unwrap();
    assert_eq!(kept.copies.len(), 1);
    assert_eq!(kept.copies[0].id, "b/story-copy.txt");
}

#[test]
fn documents_are_found_by_path_or_id_and_unknown_ones_are_an_error() {
    let dir = site_corpus();
    let (outcome, _) = dry_run(dir.path());
    let by_path = dir.path().join("news/a3.txt");
    let i = find_document(&outcome, by_path.to_str().unwrap()).unwrap();
    assert_eq!(outcome.docs[i].source.id(), "news/a3.txt");
    let err = find_document(&outcome, "news/missing.txt").unwrap_err();
    assert!(matches!(err, Error::UnknownDocument { documents: 6, .. }));
}

#[test]
fn text_marks_blocks_and_colour_is_optional() {
    let dir = site_corpus();
    let (outcome, cfg) = dry_run(dir.path());
    let e = explain(&outcome, &cfg, 0).unwrap();
    let plain = render_text(&e, false);
    assert!(!plain.contains('\x1b'));
    assert!(plain.contains("1 - Home | World | Sport\n"), "{plain}");
    assert!(plain.contains("2 + Ferry timetable changes"), "{plain}");
    assert!(plain.contains("also in news/a1.txt:1"), "{plain}");
    assert!(plain.contains("first copy at news/a0.txt:4"), "{plain}");
    let coloured = render_text(&e, true);
    assert!(coloured.contains("\x1b[31;9mHome | World | Sport"));
}
