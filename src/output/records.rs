//! JSONL output rows: a cleaned record (the text string spliced into the original line), a
//! dolma attribute row (removed spans in Unicode code points), an ids row (a dropped document).
//!
//! Attribute spans are exactly what rewriting removes, gaps included (see [`removed_spans`]),
//! so replacing every span with nothing (`dolma mix` with `span_replacement`, replacement "")
//! gives the same text as `--mode rewrite`.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Serialize;

use crate::decide::{Fate, ReasonKind, Removal};
use crate::fingerprint::BlockPrint;
use crate::input::jsonl::splice_text;
use crate::output::text::assemble;

/// The removed byte ranges of a document, one per removed block (with the gap it takes),
/// such that deleting them all gives [`assemble`]'s output. Ranges are sorted and disjoint.
pub fn removed_spans(
    len: usize,
    blocks: &[BlockPrint],
    removed: &[bool],
) -> Vec<(usize, Range<usize>)> {
    let is_removed = |i: usize| removed.get(i).copied().unwrap_or(false);
    let Some(first_kept) = (0..blocks.len()).find(|&i| !is_removed(i)) else {
        // Nothing kept: the whole document goes, attributed to its first block.
        return if blocks.is_empty() || len == 0 {
            Vec::new()
        } else {
            vec![(0, 0..len)]
        };
    };
    let mut spans = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        if !is_removed(i) {
            continue;
        }
        // A removed block takes the gap before it; block 0's gap is the document's leading
        // gap, which the first kept block keeps.
        let start = if i == 0 {
            block.start as usize
        } else {
            blocks[i - 1].end as usize
        };
        // The blocks before the first kept one also take the first kept block's own gap.
        let end = if i + 1 == first_kept {
            blocks[first_kept].start as usize
        } else {
            block.end as usize
        };
        spans.push((i, start..end));
    }
    spans
}

/// The line with its text replaced by the cleaned text; the line itself when nothing is
/// removed, so untouched records stay byte-identical (escapes included).
pub fn rewrite_row(
    line: &[u8],
    text_span: &Range<usize>,
    text: &str,
    blocks: &[BlockPrint],
    removals: &[Removal],
) -> Vec<u8> {
    if removals.is_empty() {
        return line.to_vec();
    }
    let mut removed = vec![false; blocks.len()];
    for r in removals {
        if let Some(slot) = removed.get_mut(r.block as usize) {
            *slot = true;
        }
    }
    // Blocks end at line ends, so the kept bytes of a valid text are valid UTF-8.
    let cleaned = assemble(text.as_bytes(), blocks, &removed);
    splice_text(line, text_span, &cleaned)
}

/// Name of an attribute for a reason, in dolma's `<experiment>__<tagger>__<attribute>` form.
pub fn attribute_key(name: &str, what: &str) -> String {
    format!("{name}__{name}__{what}")
}

/// The attribute name of a removal reason.
pub fn reason_attribute(kind: ReasonKind) -> &'static str {
    match kind {
        ReasonKind::Boilerplate => "boilerplate",
        ReasonKind::NearBoilerplate => "near_boilerplate",
        ReasonKind::RepeatedInDocument => "repeated_in_document",
        ReasonKind::DropPattern => "drop_pattern",
        ReasonKind::Separator => "separator",
        ReasonKind::Enclosed => "enclosed",
        ReasonKind::Classified => "classified",
    }
}

#[derive(Serialize)]
struct AttributeRow<'a> {
    id: &'a str,
    attributes: BTreeMap<String, Vec<(usize, usize, f64)>>,
}

/// One dolma attribute row: spans `[start, end, score]` in Unicode code points. Removed blocks
/// are listed under their reason; a document not kept as a whole is one span over all of it
/// under `duplicate`, `near_duplicate` (score: the similarity) or `emptied`.
pub fn attribute_row(
    name: &str,
    id: &str,
    text: &str,
    blocks: &[BlockPrint],
    fate: Option<Fate>,
    removals: &[Removal],
) -> Vec<u8> {
    let mut attributes: BTreeMap<String, Vec<(usize, usize, f64)>> = BTreeMap::new();
    let whole = text.chars().count();
    match fate {
        Some(Fate::Duplicate { .. }) => {
            attributes.insert(attribute_key(name, "duplicate"), vec![(0, whole, 1.0)]);
        }
        Some(Fate::NearDuplicate { similarity_bp, .. }) => {
            let score = f64::from(similarity_bp) / 10_000.0;
            attributes.insert(
                attribute_key(name, "near_duplicate"),
                vec![(0, whole, score)],
            );
        }
        Some(Fate::Emptied) => {
            attributes.insert(attribute_key(name, "emptied"), vec![(0, whole, 1.0)]);
        }
        _ => {}
    }
    if matches!(fate, Some(Fate::Written)) && !removals.is_empty() {
        let mut removed = vec![false; blocks.len()];
        let mut reason_of = vec![None; blocks.len()];
        for r in removals {
            if let Some(slot) = removed.get_mut(r.block as usize) {
                *slot = true;
                reason_of[r.block as usize] = Some(r.reason.kind());
            }
        }
        let offsets = CodePoints::new(text);
        for (block, span) in removed_spans(text.len(), blocks, &removed) {
            let Some(kind) = reason_of[block] else {
                continue;
            };
            attributes
                .entry(attribute_key(name, reason_attribute(kind)))
                .or_default()
                .push((offsets.at(span.start), offsets.at(span.end), 1.0));
        }
    }
    let mut row = serde_json::to_vec(&AttributeRow { id, attributes }).unwrap_or_default();
    row.push(b'\n');
    row
}

/// Byte offset → code point offset, for offsets on character boundaries.
struct CodePoints<'a> {
    text: &'a str,
}

impl<'a> CodePoints<'a> {
    fn new(text: &'a str) -> Self {
        CodePoints { text }
    }

    fn at(&self, byte: usize) -> usize {
        let byte = byte.min(self.text.len());
        // Counting UTF-8 lead bytes counts characters, even mid-character.
        self.text.as_bytes()[..byte]
            .iter()
            .filter(|&&b| (b as i8) >= -0x40)
            .count()
    }
}

/// One row of `--mode ids`.
#[derive(Serialize)]
pub struct IdsRow<'a> {
    pub id: &'a str,
    pub path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    pub reason: &'static str,
    /// The id of the kept copy, for duplicates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub of: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f64>,
    /// For near-duplicates: the share of this document found in the kept copy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub containment: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::{fingerprint, Scratch};
    use crate::segment::{segment, UnitChoice};
    use proptest::prelude::*;

    fn prints(doc: &str) -> Vec<BlockPrint> {
        let seg = segment(doc.as_bytes(), UnitChoice::Auto);
        fingerprint(doc.as_bytes(), &seg, &mut Scratch::default()).blocks
    }

    fn delete(doc: &str, spans: &[(usize, Range<usize>)]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut at = 0;
        for (_, span) in spans {
            out.extend_from_slice(&doc.as_bytes()[at..span.start]);
            at = span.end;
        }
        out.extend_from_slice(&doc.as_bytes()[at..]);
        out
    }

    #[test]
    fn code_points_count_characters_not_bytes() {
        let text = "é\nbé\n";
        let cp = CodePoints::new(text);
        assert_eq!(cp.at(0), 0);
        assert_eq!(cp.at(3), 2);
        assert_eq!(cp.at(text.len()), 5);
    }

    proptest! {
        /// Deleting the spans gives what rewriting writes, for any removal mask.
        #[test]
        fn spans_reproduce_rewrite(
            doc in "([a-zé ]{0,6}(\r?\n){0,3}){0,10}",
            mask in prop::collection::vec(any::<bool>(), 10),
        ) {
            let blocks = prints(&doc);
            prop_assume!(!blocks.is_empty());
            let removed: Vec<bool> = (0..blocks.len()).map(|i| mask[i % mask.len()]).collect();
            let spans = removed_spans(doc.len(), &blocks, &removed);
            let expected = assemble(doc.as_bytes(), &blocks, &removed);
            prop_assert_eq!(delete(&doc, &spans), expected);
            prop_assert!(spans.windows(2).all(|w| w[0].1.end <= w[1].1.start));
        }
    }
}
