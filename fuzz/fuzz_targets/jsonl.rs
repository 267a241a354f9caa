//! Any bytes as a JSONL stream: the line reader (with a small line limit) and the record
//! parser. Nothing may panic; a parsed record's text span must hold a JSON string that decodes
//! to its text, and splicing the same text back must give the line unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use thresh::input::jsonl::{parse_record, splice_text, Fields, Line, LineReader};

fuzz_target!(|bytes: &[u8]| {
    let mut reader = LineReader::new(bytes, 256);
    let mut buf = Vec::new();
    let fields = Fields::default();
    while let Ok(Some(line)) = reader.next_line(&mut buf) {
        if line != Line::Text {
            continue;
        }
        if let Ok(record) = parse_record(&buf, &fields) {
            let raw = &buf[record.text_span.clone()];
            let decoded: String = serde_json::from_slice(raw).expect("the span is a JSON string");
            assert_eq!(decoded, record.text);
            let spliced = splice_text(&buf, &record.text_span, record.text.as_bytes());
            let again = parse_record(&spliced, &fields).expect("splicing keeps a record");
            assert_eq!(again.text, record.text);
        }
    }
});
