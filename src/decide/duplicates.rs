//! Whole-document duplicates: a document identical after normalisation to an earlier one.
//!
//! In: each document's content hash, in run order (inputs in the order given, paths sorted).
//! Out: for each document, the index of the earlier document it duplicates, if any. The first
//! copy in path order is kept, so the answer never depends on scheduling.

use std::collections::HashMap;

/// For every document, `Some(i)` when document `i < self` has the same content hash.
pub fn first_copies(contents: &[Option<u64>]) -> Vec<Option<usize>> {
    let mut first: HashMap<u64, usize> = HashMap::with_capacity(contents.len());
    contents
        .iter()
        .enumerate()
        .map(|(i, c)| {
            c.and_then(|hash| {
                let kept = *first.entry(hash).or_insert(i);
                (kept != i).then_some(kept)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_copies_point_to_the_first() {
        let got = first_copies(&[Some(7), None, Some(8), Some(7), None, Some(7)]);
        assert_eq!(got, [None, None, None, Some(0), None, Some(0)]);
    }
}
