//! Progress: how a run tells its caller how far it is, without printing anything itself.
//!
//! The library never draws a progress bar or writes to stderr: [`pipeline::run_with_progress`]
//! calls a [`Progress`] implementation at the start and end of every pass over the documents and
//! once per document. The `thresh` binary draws bars from these calls; a library caller can log
//! them, or pass [`Silent`]. Calls for one pass come from the worker threads in any order, so an
//! implementation must be cheap and thread-safe; nothing it does can change the run's output.
//!
//! [`pipeline::run_with_progress`]: crate::pipeline::run_with_progress

/// A pass that reads (or writes) every document, in run order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pass {
    /// Pass 1: read, segment, fingerprint.
    Read,
    /// Near-duplicate detection: read again and sketch the content.
    NearDuplicates,
    /// Pass 2: read again, write the cleaned copy.
    Write,
}

impl Pass {
    /// Short label for a progress line.
    pub fn label(self) -> &'static str {
        match self {
            Pass::Read => "reading",
            Pass::NearDuplicates => "near-duplicates",
            Pass::Write => "writing",
        }
    }
}

/// Receives progress reports; every method has an empty default.
pub trait Progress: Sync {
    /// A pass over `documents` documents begins.
    fn start(&self, _pass: Pass, _documents: u64) {}
    /// One document of the pass is done; `bytes` is its size (0 when it was not read).
    fn advance(&self, _pass: Pass, _bytes: u64) {}
    /// The pass is over.
    fn finish(&self, _pass: Pass) {}
}

/// Reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::Mutex;

    /// Records every call.
    #[derive(Default)]
    struct Recorder {
        started: Mutex<Vec<(Pass, u64)>>,
        advanced: Mutex<HashMap<Pass, (u64, u64)>>,
        finished: Mutex<Vec<Pass>>,
    }

    impl Progress for Recorder {
        fn start(&self, pass: Pass, documents: u64) {
            if let Ok(mut s) = self.started.lock() {
                s.push((pass, documents));
            }
        }
        fn advance(&self, pass: Pass, bytes: u64) {
            if let Ok(mut a) = self.advanced.lock() {
                let e = a.entry(pass).or_default();
                e.0 += 1;
                e.1 += bytes;
            }
        }
        fn finish(&self, pass: Pass) {
            if let Ok(mut f) = self.finished.lock() {
                f.push(pass);
            }
        }
    }

    #[test]
    fn every_pass_reports_each_document_once_with_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let texts = ["one story here\n", "another, longer story here\n", ""];
        for (i, text) in texts.iter().enumerate() {
            std::fs::create_dir_all(dir.path().join("in/site")).unwrap();
            std::fs::write(dir.path().join(format!("in/site/{i}.txt")), text).unwrap();
        }
        let cfg = crate::Config {
            inputs: vec![dir.path().join("in")],
            output: Some(dir.path().join("out")),
            ..crate::Config::default()
        };
        let recorder = Recorder::default();
        crate::pipeline::run_with_progress(&cfg, &recorder).unwrap();
        let started = recorder.started.lock().unwrap().clone();
        assert_eq!(
            started,
            [(Pass::Read, 3), (Pass::NearDuplicates, 3), (Pass::Write, 3)]
        );
        assert_eq!(
            *recorder.finished.lock().unwrap(),
            [Pass::Read, Pass::NearDuplicates, Pass::Write]
        );
        let advanced = recorder.advanced.lock().unwrap().clone();
        let all_bytes = (texts[0].len() + texts[1].len()) as u64;
        assert_eq!(advanced[&Pass::Read], (3, all_bytes));
        // The empty file is neither sketched nor written.
        assert_eq!(advanced[&Pass::NearDuplicates], (3, all_bytes));
        assert_eq!(advanced[&Pass::Write], (3, all_bytes));
    }

    #[test]
    fn labels_differ() {
        let labels = [Pass::Read, Pass::NearDuplicates, Pass::Write].map(Pass::label);
        assert_ne!(labels[0], labels[1]);
        assert_ne!(labels[1], labels[2]);
    }
}
