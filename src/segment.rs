//! Segment: a document's bytes → block spans.
//!
//! In: the raw bytes of one document (any encoding that is ASCII-compatible for `\n`).
//! Out: a [`Segmentation`]: the blocks as byte ranges into the untouched original, in order.
//!
//! A block is one non-blank line (`Unit::Line`) or a run of consecutive non-blank lines
//! (`Unit::Paragraph`); its span runs from the first byte of its first line to the end of its
//! last line's terminator (`\n` or `\r\n`), so kept blocks are written back with the document's
//! own line endings. Blank lines (only whitespace) are gaps between blocks and belong to no block.
//!
//! Invariants (tested): blocks are non-empty, ordered and disjoint; the gaps between them contain
//! only whitespace lines; segmentation never panics on any input. Cost: one pass over the bytes.

use std::ops::Range;

/// How a document is cut into blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// Every non-blank line is a block (scraped text with one block element per line).
    Line,
    /// Blank-line-separated paragraphs, possibly hard-wrapped over several lines.
    Paragraph,
}

/// The unit to use: forced, or detected per document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitChoice {
    Auto,
    Line,
    Paragraph,
}

/// The blocks of one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segmentation {
    pub unit: Unit,
    /// Byte spans into the original document, ordered and disjoint.
    pub blocks: Vec<Range<usize>>,
}

/// One line of the document: its full span (terminator included) and whether it is blank.
#[derive(Debug, Clone)]
struct Line {
    span: Range<usize>,
    blank: bool,
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

fn lines(bytes: &[u8]) -> Vec<Line> {
    let mut out = Vec::with_capacity(bytes.len() / 40 + 1);
    // A UTF-8 byte-order mark belongs to the file, not to its first block: outside every span,
    // it stays in the output even when the first line is removed.
    let mut start = if bytes.starts_with(UTF8_BOM) {
        UTF8_BOM.len()
    } else {
        0
    };
    while start < bytes.len() {
        let end = match memchr::memchr(b'\n', &bytes[start..]) {
            Some(i) => start + i + 1,
            None => bytes.len(),
        };
        out.push(Line {
            span: start..end,
            blank: is_blank(&bytes[start..end]),
        });
        start = end;
    }
    out
}

/// A line is blank when it holds only whitespace (ASCII, or Unicode such as NBSP).
fn is_blank(line: &[u8]) -> bool {
    // Most lines show an ASCII character that is not whitespace within their first bytes, which
    // settles it without decoding. A vertical tab is whitespace only by the Unicode rule, which
    // applies when the line is not ASCII, so it takes the full test.
    match line.iter().position(|b| !b.is_ascii_whitespace()) {
        None => true,
        Some(at) if line[at].is_ascii() && line[at] != VERTICAL_TAB => false,
        Some(_) => is_blank_decoded(line),
    }
}

const VERTICAL_TAB: u8 = 0x0B;

fn is_blank_decoded(line: &[u8]) -> bool {
    if line.is_ascii() {
        return line.iter().all(u8::is_ascii_whitespace);
    }
    String::from_utf8_lossy(line)
        .chars()
        .all(char::is_whitespace)
}

/// Groups of consecutive non-blank lines, as index ranges into `lines`.
fn groups(lines: &[Line]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].blank {
            i += 1;
            continue;
        }
        let start = i;
        while i < lines.len() && !lines[i].blank {
            i += 1;
        }
        out.push(start..i);
    }
    out
}

/// Paragraph layout is recognised when blank lines separate several groups, most non-blank lines
/// sit in multi-line groups (hard-wrapped paragraphs), and groups stay paragraph-sized. A
/// line-per-block page with one stray blank line must not become two giant blocks, hence the
/// size bound.
fn detect(lines: &[Line], groups: &[Range<usize>]) -> Unit {
    const MIN_GROUPS: usize = 3;
    const MAX_MEAN_GROUP_LINES: usize = 12;
    let nonblank: usize = groups.iter().map(|g| g.len()).sum();
    let in_multiline: usize = groups.iter().filter(|g| g.len() > 1).map(|g| g.len()).sum();
    let has_blank = lines.iter().any(|l| l.blank);
    if has_blank
        && groups.len() >= MIN_GROUPS
        && in_multiline * 2 >= nonblank
        && nonblank <= groups.len() * MAX_MEAN_GROUP_LINES
    {
        Unit::Paragraph
    } else {
        Unit::Line
    }
}

/// Cut `bytes` into blocks.
pub fn segment(bytes: &[u8], choice: UnitChoice) -> Segmentation {
    let lines = lines(bytes);
    let groups = groups(&lines);
    let unit = match choice {
        UnitChoice::Line => Unit::Line,
        UnitChoice::Paragraph => Unit::Paragraph,
        UnitChoice::Auto => detect(&lines, &groups),
    };
    let blocks = match unit {
        Unit::Line => lines
            .iter()
            .filter(|l| !l.blank)
            .map(|l| l.span.clone())
            .collect(),
        Unit::Paragraph => groups
            .iter()
            .map(|g| lines[g.start].span.start..lines[g.end - 1].span.end)
            .collect(),
    };
    Segmentation { unit, blocks }
}

/// The text of a block without its final line terminator, for pattern matching and display.
pub fn trim_terminator(block: &[u8]) -> &[u8] {
    let block = block.strip_suffix(b"\n").unwrap_or(block);
    block.strip_suffix(b"\r").unwrap_or(block)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::Just;

    fn texts<'a>(doc: &'a str, seg: &Segmentation) -> Vec<&'a str> {
        seg.blocks.iter().map(|r| &doc[r.clone()]).collect()
    }

    #[test]
    fn one_block_per_line_without_blank_lines() {
        let doc = "Home | News\nFirst line.\nSecond line.\n";
        let seg = segment(doc.as_bytes(), UnitChoice::Auto);
        assert_eq!(seg.unit, Unit::Line);
        assert_eq!(
            texts(doc, &seg),
            ["Home | News\n", "First line.\n", "Second line.\n"]
        );
    }

    #[test]
    fn wrapped_paragraphs_are_detected() {
        let doc =
            "Title\n\nA long paragraph\nwrapped here.\n\nAnother one\nalso wrapped\n\nEnd\nof it\n";
        let seg = segment(doc.as_bytes(), UnitChoice::Auto);
        assert_eq!(seg.unit, Unit::Paragraph);
        assert_eq!(
            texts(doc, &seg),
            [
                "Title\n",
                "A long paragraph\nwrapped here.\n",
                "Another one\nalso wrapped\n",
                "End\nof it\n"
            ]
        );
    }

    #[test]
    fn a_stray_blank_line_does_not_make_giant_paragraphs() {
        let mut doc = String::new();
        for i in 0..40 {
            doc.push_str(&format!("menu item {i}\n"));
        }
        doc.push('\n');
        for i in 0..40 {
            doc.push_str(&format!("line {i}\n"));
        }
        let seg = segment(doc.as_bytes(), UnitChoice::Auto);
        assert_eq!(seg.unit, Unit::Line);
        assert_eq!(seg.blocks.len(), 80);
    }

    #[test]
    fn crlf_and_missing_final_newline_are_kept_in_spans() {
        let doc = "a\r\n\r\nb\r\nc";
        let seg = segment(doc.as_bytes(), UnitChoice::Line);
        assert_eq!(texts(doc, &seg), ["a\r\n", "b\r\n", "c"]);
        assert_eq!(trim_terminator(b"a\r\n"), b"a");
    }

    #[test]
    fn unicode_whitespace_lines_are_blank() {
        let doc = "a\n\u{a0}\u{2003}\nb\n";
        let seg = segment(doc.as_bytes(), UnitChoice::Line);
        assert_eq!(texts(doc, &seg), ["a\n", "b\n"]);
    }

    #[test]
    fn forced_paragraph_unit() {
        let doc = "a\nb\n\nc\n";
        let seg = segment(doc.as_bytes(), UnitChoice::Paragraph);
        assert_eq!(texts(doc, &seg), ["a\nb\n", "c\n"]);
    }

    #[test]
    fn empty_and_blank_documents_have_no_blocks() {
        assert!(segment(b"", UnitChoice::Auto).blocks.is_empty());
        assert!(segment(b" \n\t\n", UnitChoice::Auto).blocks.is_empty());
    }
    #[test]
    fn a_utf8_byte_order_mark_is_outside_every_block() {
        let doc = "\u{feff}Header\nBody\n";
        let seg = segment(doc.as_bytes(), UnitChoice::Line);
        assert_eq!(texts(doc, &seg), ["Header\n", "Body\n"]);
    }

    proptest::proptest! {
        /// The quick blank-line test agrees with decoding the whole line.
        #[test]
        fn blank_lines_are_told_as_by_decoding(
            line in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(b" \t\r\n\x0b\x0cab.".to_vec()),
                    proptest::sample::select(vec![0xC2u8, 0xA0, 0xE2, 0x80, 0x83, 0xFF]),
                ],
                0..12,
            ),
        ) {
            proptest::prop_assert_eq!(is_blank(&line), is_blank_decoded(&line));
        }
    }

    proptest::proptest! {
        /// Any bytes: no panic; blocks are in order, do not overlap, start and end on line
        /// boundaries, and together with the blank lines between them tile the document.
        #[test]
        fn spans_tile_the_document(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    Just(b'\n'), Just(b'\r'), Just(b' '), Just(b'a'), Just(0xC3u8), Just(0xA9u8), Just(0xEFu8)
                ],
                0..300,
            ),
            unit in proptest::prop_oneof![Just(UnitChoice::Auto), Just(UnitChoice::Line), Just(UnitChoice::Paragraph)],
        ) {
            let seg = segment(&bytes, unit);
            let bom = if bytes.starts_with(UTF8_BOM) { UTF8_BOM.len() } else { 0 };
            let mut at = bom;
            for span in &seg.blocks {
                proptest::prop_assert!(span.start >= at && span.start < span.end && span.end <= bytes.len());
                // Whatever lies between blocks is blank lines only.
                proptest::prop_assert!(is_blank(&bytes[at..span.start]));
                proptest::prop_assert!(span.start == 0 || bytes[span.start - 1] == b'\n' || span.start == bom);
                proptest::prop_assert!(span.end == bytes.len() || bytes[span.end - 1] == b'\n');
                at = span.end;
            }
            proptest::prop_assert!(is_blank(&bytes[at..]));
        }
    }
}
