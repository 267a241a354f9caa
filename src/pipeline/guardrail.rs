//! Guardrail: is a run too destructive to trust? Measured per rule family, so that a warning
//! names what drove it.
//!
//! In: the bytes each rule removed from the documents that were decided (written or emptied:
//! distinct documents, duplicates left out), tallied at decision time, and the documents'
//! fates. Out: warnings, each naming the rule family, the rule with its flag and value, and
//! the flags to check. A rule family removing more than `--max-removed` of the bytes on its own
//! is out of line (site chrome is typically 15–40% of a news page, and the classifier's share
//! on top of it is as large again on pages with comment threads, so their sum is no measure);
//! so is a run emptying more than `--max-emptied` of its documents, which names the rule that
//! removed most of what those documents held.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::decide::{BoilerplateRule, Reason, ReasonKind};
use crate::fingerprint::DocFingerprint;

/// A group of rules that remove for the same kind of evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// Counting: boilerplate (`--min-docs`, `--min-site-share`), template variants,
    /// in-document repeats, enclosed runs and the separators left between them.
    Counting,
    /// The block classifier (`--classifier`).
    Classifier,
    /// The user's `--drop-pattern`s.
    Patterns,
}

impl Family {
    pub const ALL: [Family; 3] = [Family::Counting, Family::Classifier, Family::Patterns];

    /// For a person: "the counting rules".
    pub fn name(self) -> &'static str {
        match self {
            Family::Counting => "the counting rules",
            Family::Classifier => "the block classifier",
            Family::Patterns => "the drop patterns",
        }
    }

    /// The family of a reason kind (the guardrail's families, without its split of
    /// boilerplate by threshold).
    pub fn of_kind(kind: ReasonKind) -> Family {
        match kind {
            ReasonKind::Classified => Family::Classifier,
            ReasonKind::DropPattern => Family::Patterns,
            _ => Family::Counting,
        }
    }

    /// The verb "remove" agreeing with [`Family::name`].
    fn removes(self) -> &'static str {
        match self {
            Family::Classifier => "removes",
            Family::Counting | Family::Patterns => "remove",
        }
    }

    /// The flags that decide how much the family removes.
    fn flags_to_check(self) -> &'static str {
        match self {
            Family::Counting => "--min-docs / --min-site-share",
            Family::Classifier => "--classifier (conservative, or off)",
            Family::Patterns => "--drop-pattern",
        }
    }
}

/// The rule behind a removal, as far as the guardrail tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    MinDocs,
    SiteShare,
    TemplateVariant,
    RepeatedInDocument,
    Enclosed,
    Separator,
    Classifier,
    DropPattern,
}

impl Rule {
    pub const ALL: [Rule; 8] = [
        Rule::MinDocs,
        Rule::SiteShare,
        Rule::TemplateVariant,
        Rule::RepeatedInDocument,
        Rule::Enclosed,
        Rule::Separator,
        Rule::Classifier,
        Rule::DropPattern,
    ];

    pub fn of(reason: &Reason) -> Rule {
        match reason {
            Reason::Boilerplate { rule, .. } => match rule {
                BoilerplateRule::MinDocs => Rule::MinDocs,
                BoilerplateRule::SiteShare => Rule::SiteShare,
            },
            Reason::NearBoilerplate { .. } => Rule::TemplateVariant,
            Reason::RepeatedInDocument { .. } => Rule::RepeatedInDocument,
            Reason::Enclosed => Rule::Enclosed,
            Reason::Separator => Rule::Separator,
            Reason::Classified { .. } => Rule::Classifier,
            Reason::DropPattern { .. } => Rule::DropPattern,
        }
    }

    pub fn family(self) -> Family {
        match self {
            Rule::Classifier => Family::Classifier,
            Rule::DropPattern => Family::Patterns,
            _ => Family::Counting,
        }
    }

    /// The rule with the flag (and value) that sets it: "boilerplate by --min-docs 5".
    pub fn describe(self, cfg: &Config) -> String {
        let d = &cfg.decide;
        match self {
            Rule::MinDocs => format!("boilerplate by --min-docs {}", d.min_docs),
            Rule::SiteShare => format!("boilerplate by --min-site-share {}", d.min_site_share),
            Rule::TemplateVariant => {
                format!("template variants by --variant-cover {}", d.variant_cover)
            }
            Rule::RepeatedInDocument => format!(
                "in-document repeats by --min-repeat-words {}",
                d.min_repeat_words
            ),
            Rule::Enclosed => format!(
                "enclosed runs by --max-enclosed-words {}",
                d.max_enclosed_words
            ),
            Rule::Separator => "separators left between removed blocks".into(),
            Rule::Classifier => format!("--classifier {}", d.classifier.strength.name()),
            Rule::DropPattern => "--drop-pattern".into(),
        }
    }
}

/// Bytes removed by each rule, summed over documents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleBytes(pub BTreeMap<Rule, u64>);

impl RuleBytes {
    /// Add the removals of one document fingerprinted as `print`.
    pub fn add(&mut self, print: &DocFingerprint, removals: &[crate::decide::Removal]) {
        for r in removals {
            if let Some(block) = print.blocks.get(r.block as usize) {
                *self.0.entry(Rule::of(&r.reason)).or_default() += block.len() as u64;
            }
        }
    }

    pub fn merge(&mut self, other: &RuleBytes) {
        for (rule, bytes) in &other.0 {
            *self.0.entry(*rule).or_default() += bytes;
        }
    }

    pub fn rule(&self, rule: Rule) -> u64 {
        self.0.get(&rule).copied().unwrap_or(0)
    }

    pub fn family(&self, family: Family) -> u64 {
        self.0
            .iter()
            .filter(|(r, _)| r.family() == family)
            .map(|(_, b)| b)
            .sum()
    }

    /// The rule of `family` (any family: `None`) that removed the most bytes.
    pub fn largest(&self, family: Option<Family>) -> Option<(Rule, u64)> {
        self.0
            .iter()
            .filter(|(r, b)| **b > 0 && family.is_none_or(|f| r.family() == f))
            .max_by_key(|(r, b)| (**b, std::cmp::Reverse(**r)))
            .map(|(r, b)| (*r, *b))
    }
}

/// What the guardrail measures, gathered when documents are decided.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Measure {
    /// Bytes of the decided documents (written or emptied; duplicates left out).
    pub bytes: u64,
    /// Bytes each rule removed from them.
    pub removed: RuleBytes,
    /// Documents decided, and how many of them were emptied.
    pub documents: u64,
    pub emptied: u64,
    /// Bytes each rule removed from the emptied documents.
    pub removed_from_emptied: RuleBytes,
}

impl Measure {
    /// Share of the decided bytes that `family` removed.
    pub fn share(&self, family: Family) -> f64 {
        share(self.removed.family(family), self.bytes)
    }
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The warnings of a run: each rule family above `--max-removed` on its own, and more than
/// `--max-emptied` of the documents emptied.
pub fn warnings(m: &Measure, cfg: &Config) -> Vec<String> {
    let limit = cfg.guard.max_removed;
    let mut out = Vec::new();
    for family in Family::ALL {
        let removed = m.removed.family(family);
        if m.bytes == 0 || removed as f64 <= limit * m.bytes as f64 {
            continue;
        }
        let mut message = format!(
            "{} alone {} {:.1}% of the bytes of distinct documents, more than --max-removed {:.0}%",
            family.name(),
            family.removes(),
            100.0 * share(removed, m.bytes),
            100.0 * limit
        );
        if let Some((rule, bytes)) = m.removed.largest(Some(family)) {
            if family != Family::Classifier {
                message.push_str(&format!(
                    "; most of it {} ({:.1}%)",
                    rule.describe(cfg),
                    100.0 * share(bytes, m.bytes)
                ));
            }
        }
        message.push_str(&format!(
            ": check {} before trusting this run",
            family.flags_to_check()
        ));
        out.push(message);
    }
    if m.documents > 0 && m.emptied as f64 > cfg.guard.max_emptied * m.documents as f64 {
        let mut message = format!(
            "this run empties {} of {} documents ({:.1}%), more than --max-emptied {:.0}%",
            m.emptied,
            m.documents,
            100.0 * share(m.emptied, m.documents),
            100.0 * cfg.guard.max_emptied
        );
        if let Some((rule, bytes)) = m.removed_from_emptied.largest(None) {
            let total: u64 = m.removed_from_emptied.0.values().sum();
            message.push_str(&format!(
                "; {} removed most of what they held ({:.0}%): check {}",
                rule.describe(cfg),
                100.0 * share(bytes, total),
                rule.family().flags_to_check()
            ));
        }
        out.push(message);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measure(bytes: u64, removed: &[(Rule, u64)]) -> Measure {
        Measure {
            bytes,
            removed: RuleBytes(removed.iter().copied().collect()),
            documents: 10,
            emptied: 0,
            removed_from_emptied: RuleBytes::default(),
        }
    }

    /// Counting and the classifier at 35% each is a normal default run on pages with comment
    /// threads: no warning, though the sum is 70%.
    #[test]
    fn families_are_measured_apart() {
        let cfg = Config::default();
        let m = measure(
            1000,
            &[
                (Rule::MinDocs, 200),
                (Rule::SiteShare, 150),
                (Rule::Classifier, 350),
            ],
        );
        assert!(warnings(&m, &cfg).is_empty());
        assert!((m.share(Family::Counting) - 0.35).abs() < 1e-9);
    }

    #[test]
    fn a_family_over_the_limit_is_named_with_its_largest_rule() {
        let cfg = Config::default();
        let m = measure(
            1000,
            &[
                (Rule::MinDocs, 500),
                (Rule::SiteShare, 150),
                (Rule::Classifier, 100),
            ],
        );
        let w = warnings(&m, &cfg);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].starts_with("the counting rules alone remove 65.0% of the bytes"),
            "{}",
            w[0]
        );
        assert!(
            w[0].contains("most of it boilerplate by --min-docs 5 (50.0%)"),
            "{}",
            w[0]
        );
        assert!(w[0].contains("check --min-docs / --min-site-share"));
        let m = measure(1000, &[(Rule::Classifier, 700)]);
        let w = warnings(&m, &cfg);
        assert_eq!(w.len(), 1);
        assert!(
            w[0].starts_with("the block classifier alone removes"),
            "{}",
            w[0]
        );
        assert!(w[0].contains("--classifier (conservative, or off)"));
    }

    #[test]
    fn emptied_documents_name_the_rule_that_emptied_them() {
        let cfg = Config::default();
        let mut m = measure(1000, &[(Rule::DropPattern, 300)]);
        m.emptied = 3;
        m.removed_from_emptied = RuleBytes([(Rule::DropPattern, 300), (Rule::MinDocs, 100)].into());
        let w = warnings(&m, &cfg);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("empties 3 of 10 documents (30.0%)"),
            "{}",
            w[0]
        );
        assert!(
            w[0].contains(
                "--drop-pattern removed most of what they held (75%): check --drop-pattern"
            ),
            "{}",
            w[0]
        );
    }
}
