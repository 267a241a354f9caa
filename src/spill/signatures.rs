//! Near-duplicate signatures and LSH band entries on disk, for runs under `--memory-limit`.
//!
//! In: each candidate document's [`Signature`], from any thread, in any order. Out: the same
//! signature read back by document index, while near-duplicates are clustered
//! ([`crate::decide::near_dup::resolve`] verifies candidates against it). Memory: nothing per
//! document; the file holds one fixed slot of 516 bytes per document index (the bins, then the
//! shingle count), so a slot's place
//! is its index and writers never wait for one another. Which documents have a signature is the
//! caller's to remember (one byte each). The file is removed when the store drops.
//!
//! Also the fixed encoding of [`BandEntry`] (16 bytes), so that the band entries of every
//! document can be sorted as spilled runs and merged back ([`super::merge_runs`]).

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;

use crate::decide::near_dup::BandEntry;
use crate::error::Error;
use crate::sketch::{Signature, SIGNATURE_BYTES};

use super::prints::{read_at, write_at};
use super::{FixedRecord, SpillDir};

/// Bytes of one signature slot: [`Signature::to_bytes`].
const SLOT: u64 = SIGNATURE_BYTES as u64;

/// Signatures in fixed slots by document index.
#[derive(Debug)]
pub struct SignatureStore {
    path: PathBuf,
    file: File,
    _dir: Arc<SpillDir>,
}

impl SignatureStore {
    pub fn new(dir: Arc<SpillDir>) -> Result<SignatureStore, Error> {
        let (path, file) = dir.create("signatures")?;
        Ok(SignatureStore {
            path,
            file,
            _dir: dir,
        })
    }

    fn failed(&self) -> impl FnOnce(std::io::Error) -> Error + '_ {
        super::io_error(&self.path)
    }

    /// Store document `d`'s signature (from any thread).
    pub fn put(&self, d: usize, sig: &Signature) -> Result<(), Error> {
        let bytes = sig.to_bytes();
        write_at(&self.file, &bytes, d as u64 * SLOT).map_err(self.failed())
    }

    /// Document `d`'s signature, as stored by [`SignatureStore::put`].
    pub fn get(&self, d: usize) -> Result<Signature, Error> {
        let mut bytes = [0u8; SIGNATURE_BYTES];
        read_at(&self.file, &mut bytes, d as u64 * SLOT).map_err(self.failed())?;
        Ok(Signature::from_bytes(&bytes))
    }
}

impl Drop for SignatureStore {
    fn drop(&mut self) {
        // Its disk space goes as soon as clustering is done; the folder's removal would
        // catch it otherwise.
        let _ = std::fs::remove_file(&self.path);
    }
}

impl FixedRecord for BandEntry {
    const SIZE: usize = 16;

    fn encode(&self, out: &mut [u8]) {
        out[..8].copy_from_slice(&self.key.to_le_bytes());
        out[8..12].copy_from_slice(&self.rank.to_le_bytes());
        out[12..16].copy_from_slice(&self.band.to_le_bytes());
    }

    fn decode(b: &[u8]) -> Self {
        let mut key = [0u8; 8];
        key.copy_from_slice(&b[..8]);
        let word = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        BandEntry {
            key: u64::from_le_bytes(key),
            rank: word(8),
            band: word(12),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sketch::SIG_BINS;
    use proptest::prelude::*;

    proptest! {
        /// Signatures written in any order, from several threads, come back equal by index.
        #[test]
        fn signatures_come_back_equal(
            bins in prop::collection::vec(
                (prop::collection::vec(any::<u32>(), SIG_BINS), any::<u32>(), any::<u64>()),
                1..10,
            ),
        ) {
            use rayon::prelude::*;
            let parent = tempfile::tempdir().unwrap();
            let dir = Arc::new(SpillDir::new(parent.path()).unwrap());
            let store = SignatureStore::new(dir).unwrap();
            let sigs: Vec<Signature> = bins
                .iter()
                .map(|(b, shingles, wording)| Signature {
                    bins: Box::new(b.as_slice().try_into().unwrap()),
                    shingles: *shingles,
                    wording: *wording,
                })
                .collect();
            // Every other slot stays empty; later slots are written first.
            (0..sigs.len()).into_par_iter().rev().for_each(|i| store.put(2 * i, &sigs[i]).unwrap());
            for (i, sig) in sigs.iter().enumerate() {
                prop_assert_eq!(&store.get(2 * i).unwrap(), sig);
            }
        }

        #[test]
        fn band_entries_round_trip(
            a in (any::<u64>(), any::<u32>(), any::<u32>()),
            b in (any::<u64>(), any::<u32>(), any::<u32>()),
        ) {
            let entry = |(key, rank, band)| BandEntry { key, rank, band };
            let (a, b) = (entry(a), entry(b));
            let mut bytes = [0u8; 16];
            a.encode(&mut bytes);
            prop_assert_eq!(BandEntry::decode(&bytes), a);
            b.encode(&mut bytes);
            prop_assert_eq!(BandEntry::decode(&bytes), b);
        }
    }

    #[test]
    fn the_file_goes_with_the_store() {
        let parent = tempfile::tempdir().unwrap();
        let dir = Arc::new(SpillDir::new(parent.path()).unwrap());
        let store = SignatureStore::new(dir.clone()).unwrap();
        let sig = Signature {
            bins: Box::new([7; SIG_BINS]),
            shingles: 9,
            wording: 11,
        };
        store.put(3, &sig).unwrap();
        let path = store.path.clone();
        assert!(path.exists());
        drop(store);
        assert!(!path.exists());
        assert!(dir.path().exists());
    }
}
