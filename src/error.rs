//! Errors: [`Error`] stops a run (bad configuration, unusable output folder); [`Issue`] is a
//! problem with one input that is counted and reported while the run goes on.

use std::fmt;
use std::io;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// A failure that stops the run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
    #[error("input {0} does not exist")]
    MissingInput(PathBuf),
    /// Discovery found nothing to read; `detail` says what was looked for and passed over.
    #[error("no documents found in {inputs}: {detail}")]
    NoDocuments { inputs: String, detail: String },
    #[error("output folder {output} is inside input {input}: choose an output folder outside every input")]
    OutputInsideInput { output: PathBuf, input: PathBuf },
    #[error("input {input} is inside output folder {output}: choose an output folder that holds no input")]
    InputInsideOutput { output: PathBuf, input: PathBuf },
    #[error("inputs {first} and {second} overlap: each document must be read once")]
    OverlappingInputs { first: PathBuf, second: PathBuf },
    #[error(
        "{first} and {second} would both be written to {id}: clean these inputs in separate runs"
    )]
    OutputCollision {
        id: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error("invalid pattern {pattern:?} ({origin}): {message}")]
    Pattern {
        pattern: String,
        origin: String,
        message: String,
    },
    #[error("{query} is not one of the {documents} documents found under the INPUTs: give its path, or its id (path relative to its INPUT)")]
    UnknownDocument { query: String, documents: usize },
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The output folder holds files this run writes that another run made (other settings,
    /// other input, or no record of how): kept, they would pass for this run's outputs.
    #[error("{output} already holds {existing} of the files this run writes, {why}. Kept as they are, they would pass for this run's outputs: give --overwrite to write them all again, or choose another output folder")]
    OutputsOfAnotherRun {
        output: PathBuf,
        existing: usize,
        why: String,
    },
    #[error("index {path}: {source}")]
    Index {
        path: PathBuf,
        source: crate::index::IndexError,
    },
    #[error("stopped before writing (--strict): {0}")]
    Guardrail(String),
    /// A temporary spill file (`--memory-limit`) could not be created, written or read back.
    #[error("temporary spill file {path}: {source} (give --tmp-dir a folder with free space)")]
    Spill { path: PathBuf, source: io::Error },
}

impl Error {
    /// True when the error comes from writing to a closed pipe (e.g. `thresh ... | head`).
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Write { source, .. } if source.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// What went wrong with one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum IssueKind {
    /// The file or folder could not be read; the document is skipped.
    Unreadable,
    /// The file holds NUL bytes: binary, skipped.
    Binary,
    /// Text in an encoding thresh does not read (UTF-16 or UTF-32, told by its byte-order
    /// mark); skipped with a hint to convert it.
    UnsupportedEncoding,
    /// The file exceeds the document size limit; skipped.
    TooLarge,
    /// The file changed between the two passes; skipped rather than mixing two versions.
    Changed,
    /// The cleaned file could not be written.
    WriteFailed,
    /// Not valid UTF-8: matched on a lossy decoding, written back byte for byte.
    InvalidUtf8,
    /// Empty, or only whitespace and punctuation: nothing to clean, nothing written.
    Empty,
    /// A JSONL line that is not a JSON object, or whose text field is missing or not a
    /// string; the line is skipped.
    Malformed,
    /// A JSONL id seen earlier in the same file: the record is still cleaned, but the id no
    /// longer names one document.
    DuplicateId,
    /// A compressed stream ends early or is corrupt: the records before the damage are used.
    Truncated,
}

impl IssueKind {
    /// Failures make the run exit with code 1; the others are warnings.
    pub fn is_failure(self) -> bool {
        !matches!(
            self,
            IssueKind::InvalidUtf8 | IssueKind::Empty | IssueKind::DuplicateId
        )
    }
}

/// A problem with one input, named by path (and line where there is one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub line: Option<usize>,
    pub kind: IssueKind,
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = if self.kind.is_failure() {
            "error"
        } else {
            "warning"
        };
        match self.line {
            Some(line) => write!(f, "{level}: {}:{line}: {}", self.path, self.message),
            None => write!(f, "{level}: {}: {}", self.path, self.message),
        }
    }
}
