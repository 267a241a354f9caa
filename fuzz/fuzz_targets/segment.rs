//! Any bytes through the per-document stages: segment (every unit), fingerprint (normalise,
//! shingle), decide against the document's own counts, reassemble. Nothing may panic, spans
//! must stay inside the document, and keeping every block must give the input back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use thresh::count::{CorpusCounts, CountBuilder};
use thresh::decide::{decide_blocks, DecideConfig};
use thresh::fingerprint::{fingerprint, Scratch};
use thresh::output::text::assemble;
use thresh::segment::{segment, UnitChoice};

fuzz_target!(|bytes: &[u8]| {
    for unit in [UnitChoice::Auto, UnitChoice::Line, UnitChoice::Paragraph] {
        let seg = segment(bytes, unit);
        for span in &seg.blocks {
            assert!(span.start < span.end && span.end <= bytes.len());
        }
        let print = fingerprint(bytes, &seg, &mut Scratch::default());
        let mut keys: Vec<u64> = print.blocks.iter().filter_map(|b| b.key()).collect();
        keys.sort_unstable();
        keys.dedup();
        let mut blocks = CountBuilder::default();
        blocks.add_document(1, keys);
        let mut shingles = CountBuilder::default();
        let mut sample = print.shingles.clone();
        sample.sort_unstable();
        sample.dedup();
        shingles.add_document(1, sample);
        let counts = CorpusCounts {
            blocks: blocks.finish().freeze(vec![0, 1]),
            shingles: shingles.finish().freeze(vec![0, 1]),
        };
        let (_, removals) = decide_blocks(&print, 1, &[], &counts, &DecideConfig::default());
        let mut removed = vec![false; print.blocks.len()];
        for r in &removals {
            removed[r.block as usize] = true;
        }
        let cleaned = assemble(bytes, &print.blocks, &removed);
        assert!(cleaned.len() <= bytes.len());
        if removals.is_empty() && !print.blocks.is_empty() {
            assert_eq!(cleaned, bytes);
        }
    }
});
