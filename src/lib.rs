//! thresh separates the grain from the chaff in scraped text.
//!
//! Given folders of scraped articles, it removes site boilerplate (blocks that recur across the
//! documents of a site or the corpus), captions repeated inside one article and whole duplicate
//! documents, and writes the rest back byte for byte, with a reason for every removal.
//!
//! The stages, in data-flow order: [`input`] (discover and read) → [`segment`] (text → block
//! spans) → [`normalize`] (block → matching form) → [`fingerprint`] (xxh3 keys, with
//! [`shingle`] samples) → [`features`] (per-block text features) → [`count`]
//! (per-worker tables, associative merge) → [`sketch`] (MinHash for near-duplicate
//! documents) → [`decide`] (pure rules → [`decide::Reason`]s) →
//! [`output`] (cleaned files, JSON and HTML reports). [`pipeline::run`] wires them for a whole
//! run ([`pipeline::run_with_progress`] also reports each pass to a [`progress::Progress`]);
//! [`explain`] tells, block by block, why one document came out as it did; [`index`] saves
//! the pass-1 statistics of a corpus to a file that later runs merge and clean against;
//! [`stages`] offers the same steps over documents held in memory, for callers that spread
//! them over processes or machines themselves (the Python package and its Ray recipe):
//!
//! ```no_run
//! let cfg = thresh::Config {
//!     inputs: vec!["scraped".into()],
//!     output: Some("clean".into()),
//!     ..thresh::Config::default()
//! };
//! let outcome = thresh::pipeline::run(&cfg)?;
//! eprint!("{}", thresh::output::report::summary(&outcome, &cfg.guard, cfg.dry_run));
//! # Ok::<(), thresh::Error>(())
//! ```

pub mod config;
pub mod count;
pub mod decide;
pub mod error;
pub mod explain;
pub mod features;
pub mod fingerprint;
pub mod index;
pub mod input;
pub mod ngram;
pub mod normalize;
pub mod output;
pub mod pipeline;
pub mod progress;
pub mod segment;
pub mod shingle;
pub mod sketch;
pub mod spill;
pub mod stages;
pub mod sweep;

pub use config::{Config, GuardConfig, OutputMode};
pub use error::{Error, Issue, IssueKind};
