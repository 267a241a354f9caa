//! User overrides: `--keep-pattern` ("never remove") and `--drop-pattern` ("always remove").
//!
//! In: regular expressions from the command line or from pattern files (one per line, `#`
//! comments and blank lines ignored). Out: per block, which list matched first. Patterns are
//! matched against a block's text without its final line terminator; a paragraph block is
//! matched as a whole (use `(?m)` for per-line anchors). Keep wins over drop.

use std::path::Path;

use regex::RegexSet;

use crate::error::Error;

/// What the user patterns say about one block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternHit {
    /// A keep pattern matched: the block is never removed by the statistics.
    Keep,
    /// A drop pattern matched (index into the drop list): the block is always removed.
    Drop(u32),
}

/// Compiled keep and drop lists.
#[derive(Debug, Clone)]
pub struct Patterns {
    keep: RegexSet,
    keep_src: Vec<String>,
    drop: RegexSet,
    drop_src: Vec<String>,
}

impl Default for Patterns {
    fn default() -> Self {
        Patterns {
            keep: RegexSet::empty(),
            keep_src: Vec::new(),
            drop: RegexSet::empty(),
            drop_src: Vec::new(),
        }
    }
}

impl Patterns {
    /// Compile both lists; `origin` names where each pattern came from, for error messages.
    pub fn new(keep: Vec<(String, String)>, drop: Vec<(String, String)>) -> Result<Self, Error> {
        let compile = |list: &[(String, String)]| -> Result<RegexSet, Error> {
            for (pattern, origin) in list {
                regex::Regex::new(pattern).map_err(|e| Error::Pattern {
                    pattern: pattern.clone(),
                    origin: origin.clone(),
                    message: e.to_string(),
                })?;
            }
            RegexSet::new(list.iter().map(|(p, _)| p)).map_err(|e| Error::Pattern {
                pattern: String::new(),
                origin: "pattern set".into(),
                message: e.to_string(),
            })
        };
        Ok(Patterns {
            keep: compile(&keep)?,
            drop: compile(&drop)?,
            keep_src: keep.into_iter().map(|(p, _)| p).collect(),
            drop_src: drop.into_iter().map(|(p, _)| p).collect(),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.keep_src.is_empty() && self.drop_src.is_empty()
    }

    pub fn keep_patterns(&self) -> &[String] {
        &self.keep_src
    }

    pub fn drop_patterns(&self) -> &[String] {
        &self.drop_src
    }

    /// Which list, if any, matches `text`.
    pub fn classify(&self, text: &str) -> Option<PatternHit> {
        if !self.keep_src.is_empty() && self.keep.is_match(text) {
            return Some(PatternHit::Keep);
        }
        if self.drop_src.is_empty() {
            return None;
        }
        self.drop
            .matches(text)
            .iter()
            .next()
            .map(|i| PatternHit::Drop(i as u32))
    }
}

/// Read a pattern file: one regular expression per line; blank lines and `#` comments skipped.
/// Returns `(pattern, origin)` pairs where origin is `FILE:LINE`.
pub fn read_pattern_file(path: &Path) -> Result<Vec<(String, String)>, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(i, l)| (l.to_string(), format!("{}:{}", path.display(), i + 1)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pats(keep: &[&str], drop: &[&str]) -> Patterns {
        let f = |l: &[&str]| l.iter().map(|p| (p.to_string(), "test".into())).collect();
        Patterns::new(f(keep), f(drop)).unwrap()
    }

    #[test]
    fn keep_wins_over_drop() {
        let p = pats(&["(?i)^by "], &["(?i)subscribe", "^By"]);
        assert_eq!(p.classify("By Jane Roe"), Some(PatternHit::Keep));
        assert_eq!(p.classify("Subscribe now"), Some(PatternHit::Drop(0)));
        assert_eq!(p.classify("Body text"), None);
    }

    #[test]
    fn bad_pattern_names_its_origin() {
        let err = Patterns::new(vec![("(".into(), "rules.txt:3".into())], vec![]).unwrap_err();
        assert!(err.to_string().contains("rules.txt:3"), "{err}");
    }

    #[test]
    fn empty_lists_match_nothing() {
        assert_eq!(Patterns::default().classify("anything"), None);
    }
}
