//! Tests of the classifier on small pages: what goes around and inside the article, comment
//! threads, back-off, strengths.

use super::*;
use crate::features::extract;
use crate::fingerprint::{fingerprint, Scratch};
use crate::segment::{segment, UnitChoice};

fn run(doc: &str, strength: Strength) -> (Vec<Option<Reason>>, Outcome) {
    run_with(
        doc,
        &ClassifierConfig {
            strength,
            keep_comments: false,
        },
    )
}

fn run_with(doc: &str, cfg: &ClassifierConfig) -> (Vec<Option<Reason>>, Outcome) {
    let seg = segment(doc.as_bytes(), UnitChoice::Line);
    let mut print = fingerprint(doc.as_bytes(), &seg, &mut Scratch::default());
    print.features = Some(extract(doc.as_bytes(), &seg));
    let mut reasons = vec![None; print.blocks.len()];
    let locked = vec![false; print.blocks.len()];
    let seen = vec![false; print.blocks.len()];
    let feats = print.features.clone().unwrap_or_default();
    let out = classify(&print, &feats, &mut reasons, &locked, &seen, cfg);
    (reasons, out)
}

fn kept(doc: &str, strength: Strength) -> Vec<String> {
    let (reasons, _) = run(doc, strength);
    doc.lines()
        .zip(&reasons)
        .filter(|(_, r)| r.is_none())
        .map(|(l, _)| l.to_string())
        .collect()
}

const P1: &str = "The harbour board met on Tuesday evening to discuss the state of the old pier, which has been closed to the public since the storms of last winter broke two of its supports and washed away part of the deck.";
const P2: &str = "Engineers told the board that the repairs would take at least two years, that the cost would be shared between the town and the county, and that the pier would stay closed until the work was done.";

#[test]
fn removes_chrome_around_the_article_and_keeps_the_title() {
    let doc = format!(
        "Home | News | Sport | Weather\nHarbour pier to stay closed for two years\nBy Ann Lee, 12/28/2005 3:13 PM\n{P1}\n{P2}\nShare this story\nLatest Headlines\nCouncil tax to rise\nNew school opens\n"
    );
    let k = kept(&doc, Strength::Default);
    // The byline goes (a date in a short line without a sentence), the headline stays.
    assert_eq!(
        k,
        vec!["Harbour pier to stay closed for two years", P1, P2],
        "{k:?}"
    );
}

#[test]
fn reasons_name_the_features() {
    let doc = format!("{P1}\n{P2}\nRead more »\nLatest Headlines\n");
    let (reasons, _) = run(&doc, Strength::Default);
    match &reasons[2] {
        Some(Reason::Classified { features, zone, .. }) => {
            assert!(features.contains(&Cue::CallToAction));
            assert_eq!(*zone, Zone::AfterArticle);
        }
        other => panic!("{other:?}"),
    }
    let text = match &reasons[3] {
        Some(Reason::Classified {
            features,
            zone,
            run,
        }) => describe(features, *zone, *run),
        other => panic!("{other:?}"),
    };
    assert!(
        text.contains("short") && text.contains("after the article"),
        "{text}"
    );
}

#[test]
fn without_chrome_cues_nothing_goes_where_there_is_no_article() {
    let doc = "Share this\nRead more\nThe shop opens at nine on weekdays\n";
    let (reasons, out) = run(doc, Strength::Default);
    assert!(!out.backed_off);
    assert!(reasons[0].is_some() && reasons[1].is_some() && reasons[2].is_none());
}

#[test]
fn dialogue_between_paragraphs_stays() {
    let doc = format!("{P1}\n“Really?”\n“Yes.”\n{P2}\n");
    assert_eq!(kept(&doc, Strength::Default).len(), 4);
}

#[test]
fn list_inside_the_article_stays() {
    let doc = format!("{P1}\nThe board listed three options:\nrepair the pier\nbuild a new one\ndo nothing\n{P2}\n");
    assert_eq!(kept(&doc, Strength::Default).len(), 6);
}

#[test]
fn a_one_line_brief_is_kept() {
    let doc = format!("Menu\nSearch\n{P1}\nContact us\n");
    // Before the article only chrome cues count by default; after it, all but prose goes.
    assert_eq!(kept(&doc, Strength::Default), vec!["Menu", "Search", P1]);
}

#[test]
fn backs_off_rather_than_emptying_a_page() {
    let doc = "Share this\nRead more\nLog in\n";
    let (reasons, out) = run(doc, Strength::Default);
    assert!(out.backed_off);
    assert!(reasons.iter().all(Option::is_none));
}

#[test]
fn off_removes_nothing() {
    let doc = format!("Home | News | Sport\n{P1}\n{P2}\nShare this story\n");
    assert!(run(&doc, Strength::Off).0.iter().all(Option::is_none));
}

#[test]
fn conservative_keeps_near_good_blocks_outside_the_article() {
    let tail =
        "He added that the plan was not final and that the town would be asked for its views.";
    let doc = format!("{P1}\n{P2}\nRelated stories\nother\nthings\nhere\nthen\n{tail}\n");
    assert!(!kept(&doc, Strength::Default).contains(&tail.to_string()));
    assert!(kept(&doc, Strength::Conservative).contains(&tail.to_string()));
}

/// Three comments of ordinary prose, each under a commenter's byline: nothing in their
/// text tells them from the article.
fn thread(heading: &str, byline: impl Fn(&str) -> String) -> String {
    let c1 = "I walked past the pier last weekend with my children and it was sad to see it fenced off again, so I am glad that the board is finally doing something about it.";
    let c2 = "Two years seems like a very long time for a repair of this size, and I would like to know why the county cannot pay for more of it when the town has paid for so much already.";
    let c3 = "My grandfather fished from that pier every morning for forty years, and I hope that they keep the old benches and the lamps when they finally rebuild the deck next spring.";
    format!(
        "{heading}\n{}\n{c1}\n{}\n{c2}\n{}\n{c3}\n",
        byline("Ann"),
        byline("Tom"),
        byline("Ruth")
    )
}

fn article() -> String {
    format!("Harbour pier to stay closed for two years\n{P1}\n{P2}\n")
}

#[test]
fn a_comment_thread_under_a_heading_goes() {
    let doc = format!(
        "{}{}",
        article(),
        thread("3 Comments", |name| format!(
            "{name} on March 13, 2025 at 9:14 am"
        ))
    );
    let k = kept(&doc, Strength::Default);
    assert_eq!(
        k,
        vec!["Harbour pier to stay closed for two years", P1, P2],
        "{k:?}"
    );
    let (reasons, _) = run(&doc, Strength::Default);
    match &reasons[5] {
        Some(Reason::Classified { zone, .. }) => assert_eq!(*zone, Zone::Comments),
        other => panic!("{other:?}"),
    }
    assert!(Zone::Comments.describe().contains("comments"));
}

#[test]
fn a_chain_of_bylines_is_a_thread_without_a_heading() {
    let doc = format!(
        "{}{}",
        article(),
        thread("Tell us what you think", |name| format!("{name} says:"))
    );
    let k = kept(&doc, Strength::Default);
    assert_eq!(k.len(), 3, "{k:?}");
}

#[test]
fn keep_comments_and_conservative_keep_the_thread() {
    let doc = format!(
        "{}{}",
        article(),
        thread("3 Comments", |name| format!(
            "Posted by: {name} | May 3, 2012 at 10:11 AM"
        ))
    );
    let cfg = ClassifierConfig {
        strength: Strength::Default,
        keep_comments: true,
    };
    let (reasons, _) = run_with(&doc, &cfg);
    // The comments stay, bylines with them, as the article's run goes on to the last.
    let survivors: Vec<String> = doc
        .lines()
        .zip(&reasons)
        .filter(|(_, r)| r.is_none())
        .map(|(l, _)| l.to_string())
        .collect();
    assert_eq!(survivors.len(), 9, "{survivors:?}");
    assert!(survivors[8].starts_with("My grandfather"), "{survivors:?}");
    assert_eq!(kept(&doc, Strength::Conservative), survivors);
    assert_eq!(kept(&doc, Strength::Default).len(), 3);
}

#[test]
fn a_dated_list_under_a_heading_that_mentions_comments_stays() {
    // A consultation timeline: dates without times or commenters' verbs, only two of them.
    let doc = format!(
        "{}Public comments\nMarch 3, 2025\n{P1}\nApril 7, 2025\n{P2}\n",
        article()
    );
    let k = kept(&doc, Strength::Default);
    assert!(
        k.iter().filter(|l| **l == P1 || **l == P2).count() == 4,
        "{k:?}"
    );
}

#[test]
fn a_thread_needs_an_article_above_it() {
    // Comments heading and bylines before any prose: a teaser, not a thread.
    let doc = format!(
        "{}{}",
        thread("3 Comments", |name| format!("{name} says:")),
        article()
    );
    let k = kept(&doc, Strength::Default);
    assert!(
        k.contains(&P1.to_string()) && k.contains(&P2.to_string()),
        "{k:?}"
    );
}

#[test]
fn short_paragraphs_in_a_row_are_prose() {
    // A long caption is the only good block; the article under it, after a dateline, is
    // short paragraphs, none long enough to be good alone or next to a good block.
    let paragraphs = [
        "Some homes stay on the market for months, and a famous owner does not always help them sell.",
        "A well-known name brings more visitors to the listing, an agent in the city said this week.",
        "It rarely adds to the price.",
        "Good photographs, a clear description and easy viewings matter far more to a buyer than who lived there before.",
    ];
    let doc = format!(
        "Homes | Market | Advice\nFamous homes that will not sell\n{P1}\nPosted March 3, 2025 | By Ann Lee\n{}\nShare this\nLatest Headlines\n",
        paragraphs.join("\n")
    );
    let k = kept(&doc, Strength::Default);
    for p in paragraphs {
        assert!(k.iter().any(|l| l == p), "{p} stays: {k:?}");
    }
    assert!(!k.iter().any(|l| l == "Latest Headlines"), "{k:?}");
}

#[test]
fn cue_sets_keep_the_order_cues_are_found_in() {
    for (i, cue) in Cues::ALL.iter().enumerate() {
        assert_eq!(*cue as usize, i);
    }
    let mut cues = Cues::default();
    cues.push(Cue::SeenElsewhere);
    cues.push(Cue::Short);
    cues.push(Cue::ChromeNeighbours);
    assert_eq!(
        cues.to_vec(),
        [Cue::Short, Cue::SeenElsewhere, Cue::ChromeNeighbours]
    );
}
