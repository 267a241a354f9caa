//! Template variants: blocks whose exact text is rare but whose shingles are frequent.
//!
//! A byline that reads "By Jane Roe | Published March 3" on one page and "By John Doe |
//! Published June 9" on the next has a new exact key on every page, but most of the shingles
//! sampled from it (see [`crate::shingle`]) recur across the site. Rule: at least
//! `variant_cover` of the block's sampled shingles are *template shingles* of its site:
//! - held by at least `min_site_share` of the site's documents (and two or more; sites of
//!   at least `min_site_docs` documents), counted over documents, never first-seen; and
//! - at least `variant_lift` times as common in the site as in the rest of the corpus
//!   (add-one smoothed, so a corpus of one site has no template variants: nothing to compare
//!   with).
//!
//! The second condition is what separates a template from ordinary language: a phrase such
//! as "one of the" is in many documents of every site, so a sentence made of common phrases
//! passes the first condition but not the second. Variants are matched within a site only;
//! a template shared by many sites with a slot filled in per site repeats exactly inside each
//! site, where the exact rules find it. The position rule (see [`super`]) then asks blocks
//! inside the article body for stronger evidence.

use crate::count::{FrozenCounts, SiteId};

use super::{BoilerplateRule, DecideConfig, Placement, Reason};

/// Rule 4 for one block: `Some((reason, has_body_evidence))` when it is a template variant.
pub fn near_boilerplate(
    shingles: &[u64],
    site: SiteId,
    counts: &FrozenCounts,
    cfg: &DecideConfig,
) -> Option<(Reason, bool)> {
    let site_size = counts.site_size(site);
    if !cfg.matches_variants() || shingles.is_empty() || site_size < cfg.min_site_docs {
        return None;
    }
    let elsewhere = counts
        .sited_documents()
        .saturating_sub(u64::from(site_size)) as f64;
    let template_shingle = |in_site: u32, docs: u32, factor: f64| {
        let site_rate = f64::from(in_site) / f64::from(site_size);
        // Add-one smoothing: with few documents elsewhere the comparison proves little, and
        // with none (a corpus of one site) no shingle can be shown to be a template.
        let other_rate = (f64::from(docs.saturating_sub(in_site)) + 1.0) / (elsewhere + 2.0);
        in_site >= 2
            && site_rate >= cfg.min_site_share * factor
            && site_rate >= cfg.variant_lift * other_rate
    };
    let sampled = shingles.len() as u32;
    // Compared in integers so that 0.75 of 4 is exactly 3.
    let needed = ((cfg.variant_cover * f64::from(sampled)) - 1e-9)
        .ceil()
        .max(1.0) as u32;
    let mut covered = 0u32;
    let mut missed = 0u32;
    let mut covered_with_body_evidence = 0u32;
    let mut anchor = None;
    let (mut documents, mut sites, mut site_documents) = (u32::MAX, u32::MAX, u32::MAX);
    for &shingle in shingles {
        let stats = counts.stats(shingle);
        // Most shingles of article text occur once: one lookup settles them.
        let in_site = if stats.docs >= 2 {
            counts.site_docs(shingle, site)
        } else {
            1
        };
        if !template_shingle(in_site, stats.docs, 1.0) {
            missed += 1;
            if missed > sampled - needed {
                return None;
            }
            continue;
        }
        covered += 1;
        // The sample is sorted, so the first template shingle is the smallest.
        anchor.get_or_insert(shingle);
        documents = documents.min(stats.docs);
        sites = sites.min(stats.sites);
        site_documents = site_documents.min(in_site);
        if template_shingle(in_site, stats.docs, cfg.body_evidence.max(1.0)) {
            covered_with_body_evidence += 1;
        }
    }
    if covered < needed {
        return None;
    }
    let reason = Reason::NearBoilerplate {
        rule: BoilerplateRule::SiteShare,
        covered,
        sampled,
        documents,
        sites,
        site_documents,
        site_size,
        placement: Placement::Edge,
        anchor: anchor.unwrap_or_default(),
        near_match: None,
    };
    Some((reason, covered_with_body_evidence >= needed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::count::CountBuilder;
    use crate::normalize::normalize;
    use crate::shingle::sample;

    const BYLINES: [&str; 4] = [
        "Filed by Lee for the news desk of the Harbour Ledger and its weekly print edition",
        "Filed by Park for the news desk of the Harbour Ledger and its weekly print edition",
        "Filed by Rhee for the news desk of the Harbour Ledger and its weekly print edition",
        "Filed by Chen for the news desk of the Harbour Ledger and its weekly print edition",
    ];
    const VARIANT: &str =
        "Filed by Fox for the news desk of the Harbour Ledger and its weekly print edition";
    /// Another site whose pages share ordinary phrases with each other, not a template.
    const OTHER_SITE: [&str; 4] = [
        "The ferry will run on the new timetable from the spring, the operator said",
        "Fares on the ferry rise in the spring, the operator said on Monday",
        "The harbour master said the ferry will be late on Friday morning",
        "Council members said the timetable was agreed on Sunday morning",
    ];

    /// Site 1: the first `n` bylines, one per document, plus a sentence each. Site 2: others.
    fn counts(n: usize) -> FrozenCounts {
        let mut builder = CountBuilder::default();
        for line in &BYLINES[..n] {
            builder.add_document(1, sample(normalize(line).as_bytes()));
        }
        for line in OTHER_SITE {
            builder.add_document(2, sample(normalize(line).as_bytes()));
        }
        builder
            .finish()
            .freeze(vec![0, n as u32, OTHER_SITE.len() as u32])
    }

    fn sampled(text: &str) -> Vec<u64> {
        sample(normalize(text).as_bytes())
    }

    fn cfg() -> DecideConfig {
        DecideConfig {
            min_site_share: 0.5,
            ..DecideConfig::default()
        }
    }

    #[test]
    fn most_variants_of_a_site_template_match() {
        // Sampling is random per text: a variant whose changed words happen to hold most of
        // the smallest hashes is missed. Most are found.
        let names = [
            "Fox", "Kim", "Ng", "Ortiz", "Sato", "Weber", "Diaz", "Moss", "Hale", "Roy",
        ];
        let found = names
            .iter()
            .filter(|name| {
                let text = VARIANT.replace("Fox", name);
                near_boilerplate(&sampled(&text), 1, &counts(3), &cfg()).is_some()
            })
            .count();
        assert!(found >= 8, "{found} of {}", names.len());
    }

    #[test]
    fn a_variant_of_a_site_template_matches_and_names_its_counts() {
        let variant = sampled(&VARIANT.replace("Fox", "Kim"));
        let (reason, _) = near_boilerplate(&variant, 1, &counts(3), &cfg()).expect("a variant");
        let Reason::NearBoilerplate {
            covered,
            sampled,
            site_documents,
            site_size,
            ..
        } = reason
        else {
            panic!("{reason:?}")
        };
        assert!(
            f64::from(covered) >= 0.6 * f64::from(sampled),
            "{covered}/{sampled}"
        );
        assert_eq!((site_documents, site_size), (3, 3));
        // The same line on the other site has no template behind it there.
        assert!(near_boilerplate(&variant, 2, &counts(3), &cfg()).is_none());
    }

    #[test]
    fn ordinary_phrases_shared_across_sites_are_not_a_template() {
        // Half the documents of either site hold the same sentence: common, but no more
        // common in one site than in the other.
        let mut builder = CountBuilder::default();
        for site in [1, 2] {
            for line in [OTHER_SITE[0], OTHER_SITE[0], OTHER_SITE[1], OTHER_SITE[2]] {
                builder.add_document(site, sample(normalize(line).as_bytes()));
            }
        }
        let counts = builder.finish().freeze(vec![0, 4, 4]);
        let sentence =
            sampled("The ferry will run on the new timetable from the spring, the operator said");
        assert!(near_boilerplate(&sentence, 1, &counts, &cfg()).is_none());
        let no_lift = DecideConfig {
            variant_lift: 1.0,
            ..cfg()
        };
        assert!(near_boilerplate(&sentence, 1, &counts, &no_lift).is_some());
    }

    #[test]
    fn off_without_sites_or_cover() {
        let variant = sampled(VARIANT);
        for off in [
            DecideConfig {
                variant_cover: 0.0,
                ..cfg()
            },
            DecideConfig {
                use_sites: false,
                ..cfg()
            },
        ] {
            assert!(near_boilerplate(&variant, 1, &counts(3), &off).is_none());
        }
        assert!(
            near_boilerplate(&variant, 1, &counts(1), &cfg()).is_none(),
            "one document is no template"
        );
    }
}
