//! The report's sample documents: each explained document with its removed blocks struck
//! through and coloured by reason, kept stretches away from any removal folded.
//!
//! Removed blocks are what a reader opens the section for, and they sit anywhere (often at
//! the bottom: related links, comment forms, footers), so a document is not shown top down in
//! a scrolled box: every removed block is shown with [`CONTEXT`] kept blocks on each side, and
//! each longer stretch of kept blocks between them is one folded line (`<details>`, no script)
//! that opens to the text. The first removed block is then within the first few lines of its
//! document.

use std::fmt::Write as _;

use super::{escape, escape_path, reason_class, Part, MAX_SAMPLE_BLOCKS};
use crate::decide::ReasonKind;
use crate::explain::{BlockExplanation, Explanation};

/// Kept blocks shown above and below each removed block.
pub const CONTEXT: usize = 2;
/// A stretch of kept blocks shorter than this is shown rather than folded.
const MIN_FOLD: usize = 3;

/// Which blocks are shown unfolded: the removed ones and their context. A document without a
/// removed block is shown whole.
pub fn shown_blocks(removed: &[bool]) -> Vec<bool> {
    let n = removed.len();
    if !removed.contains(&true) {
        return vec![true; n];
    }
    let mut shown = vec![false; n];
    for (i, _) in removed.iter().enumerate().filter(|(_, r)| **r) {
        for s in &mut shown[i.saturating_sub(CONTEXT)..(i + CONTEXT + 1).min(n)] {
            *s = true;
        }
    }
    // Short stretches are cheaper to show than to fold.
    let mut i = 0;
    while i < n {
        if shown[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < n && !shown[i] {
            i += 1;
        }
        if i - start < MIN_FOLD {
            for s in &mut shown[start..i] {
                *s = true;
            }
        }
    }
    shown
}

pub fn sample_documents(h: &mut String, samples: &[Explanation]) {
    let _ = writeln!(
        h,
        "<section id=\"samples\">\n<h2>Sample documents</h2>\n<p class=\"lead\">A few documents as the run saw them, one per site first. Removed blocks are struck through and coloured by reason, with {CONTEXT} kept blocks around each; longer kept stretches are folded (click to open). Hover a block for the rule that fired and another document holding it. <code>thresh explain DOC</code> shows any document this way.</p>"
    );
    let mut legend_parts: Vec<Part> = Vec::new();
    for kind in ReasonKind::ALL {
        let used = samples.iter().any(|e| {
            e.blocks
                .iter()
                .any(|b| b.removal.as_ref().is_some_and(|r| r.reason.kind() == kind))
        });
        if used {
            legend_parts.push(Part::Removed(kind));
        }
    }
    h.push_str("<div class=\"legend\">");
    for part in &legend_parts {
        let _ = write!(
            h,
            "<span><i class=\"sw\" style=\"background:{}\"></i>{}</span>",
            part.colour(),
            part.label()
        );
    }
    h.push_str("</div>\n");
    if samples.is_empty() {
        h.push_str("<p class=\"muted\">No document had a block removed.</p>\n");
    }
    for e in samples {
        document(h, e);
    }
    h.push_str("</section>\n");
}

fn document(h: &mut String, e: &Explanation) {
    let _ = writeln!(
        h,
        "<div class=\"doc\"><h3>{}</h3><div class=\"sum\">{}{}</div><div class=\"body\">",
        escape_path(&e.id),
        if e.site.is_empty() {
            String::new()
        } else {
            format!("site {} · ", escape(&e.site))
        },
        escape(&e.summary)
    );
    let blocks = &e.blocks[..e.blocks.len().min(MAX_SAMPLE_BLOCKS)];
    let removed: Vec<bool> = blocks.iter().map(|b| b.removal.is_some()).collect();
    let shown = shown_blocks(&removed);
    let mut previous: Option<ReasonKind> = None;
    let mut i = 0;
    while i < blocks.len() {
        if shown[i] {
            block(h, &blocks[i], &mut previous);
            i += 1;
            continue;
        }
        let start = i;
        while i < blocks.len() && !shown[i] {
            i += 1;
        }
        let folded = &blocks[start..i];
        let _ = write!(
            h,
            "<details class=\"fold\"><summary>{} kept blocks, lines {}–{}</summary>",
            folded.len(),
            folded[0].line,
            folded[folded.len() - 1].line
        );
        for b in folded {
            block(h, b, &mut previous);
        }
        h.push_str("</details>\n");
        previous = None;
    }
    if e.blocks.len() > MAX_SAMPLE_BLOCKS {
        let _ = writeln!(
            h,
            "<div class=\"more\">{} more blocks not shown.</div>",
            e.blocks.len() - MAX_SAMPLE_BLOCKS
        );
    }
    h.push_str("</div></div>\n");
}

/// One block: struck through with its reason's tag when removed (one tag per run of blocks
/// removed for the same reason: colour says the rest), plain when kept.
fn block(h: &mut String, b: &BlockExplanation, previous: &mut Option<ReasonKind>) {
    let kind_here = b.removal.as_ref().map(|r| r.reason.kind());
    let tag_shown = kind_here != *previous;
    *previous = kind_here;
    match &b.removal {
        Some(r) => {
            let kind = r.reason.kind();
            let tag = if tag_shown { kind.name() } else { "" };
            let mut why = r.why.clone();
            if let Some(ex) = &r.example {
                let at = ex.line.map(|l| format!(":{l}")).unwrap_or_default();
                let _ = write!(why, "; also in {}{at}", ex.id);
            }
            let _ = writeln!(
                h,
                "<div class=\"blk removed {}\" title=\"{}\"><span class=\"ln\">{}</span><del class=\"t\">{}</del><span class=\"{}\">{tag}</span></div>",
                reason_class(kind),
                escape(&why),
                b.line,
                escape(&b.text),
                if tag_shown { "tag" } else { "" },
            );
        }
        None => {
            let title = b
                .note
                .as_ref()
                .map(|n| format!(" title=\"{}\"", escape(n)))
                .unwrap_or_default();
            let _ = writeln!(
                h,
                "<div class=\"blk\"{title}><span class=\"ln\">{}</span><span class=\"t\">{}</span><span></span></div>",
                b.line,
                escape(&b.text)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removed_blocks_show_with_their_context_and_long_kept_stretches_fold() {
        let marks = |s: &str| s.chars().map(|c| c == 'x').collect::<Vec<bool>>();
        let shown = |s: &str| -> String {
            shown_blocks(&marks(s))
                .iter()
                .map(|&v| if v { 'S' } else { '.' })
                .collect()
        };
        // Twelve kept blocks, then one removed near the bottom: only its context shows.
        assert_eq!(shown("------------x-"), "..........SSSS");
        // A stretch shorter than MIN_FOLD between two removals is shown.
        assert_eq!(shown("x------x"), "SSSSSSSS");
        assert_eq!(shown("x-------x"), "SSS...SSS");
        assert_eq!(shown("x--------x"), "SSS....SSS");
        // Nothing removed: shown whole.
        assert_eq!(shown("----"), "SSSS");
    }
}
