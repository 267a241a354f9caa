//! Any bytes as a JSONL stream: the line reader (with a small line limit and small batches)
//! and the record parser. Nothing may panic; the lines kept, blank and over-long ones must
//! account for every byte and line number; a parsed record's text span must hold a JSON string
//! that decodes to its text, and splicing the same text back must give the line unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use thresh::input::jsonl::{parse_record, splice_text, Fields};
use thresh::input::lines::{BatchLimits, LineBatch, LineReader};

fuzz_target!(|bytes: &[u8]| {
    let mut reader = LineReader::new(bytes, 256);
    let mut batch = LineBatch::default();
    let limits = BatchLimits {
        lines: 3,
        bytes: 512,
    };
    let fields = Fields::default();
    // Line numbers of the lines kept and skipped: each once, none past the last line.
    let mut numbers = Vec::new();
    loop {
        batch.clear();
        let more = reader
            .fill(&mut batch, limits, |line, len| {
                assert!(len > 256);
                numbers.push(line);
            })
            .expect("reading a slice cannot fail");
        for raw in batch.iter() {
            assert!(!raw.bytes.is_empty() && raw.bytes.len() <= 256);
            numbers.push(raw.line);
            if let Ok(record) = parse_record(raw.bytes, &fields) {
                let span = &raw.bytes[record.text_span.clone()];
                let decoded: String =
                    serde_json::from_slice(span).expect("the span is a JSON string");
                assert_eq!(decoded, record.text);
                let spliced = splice_text(raw.bytes, &record.text_span, record.text.as_bytes());
                let again = parse_record(&spliced, &fields).expect("splicing keeps a record");
                assert_eq!(again.text, record.text);
            }
        }
        if !more {
            break;
        }
    }
    assert_eq!(reader.bytes_read, bytes.len() as u64);
    let count = numbers.len();
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(numbers.len(), count);
    assert!(numbers.first().is_none_or(|&n| n >= 1));
    assert!(numbers.last().is_none_or(|&n| n <= reader.line));
});
