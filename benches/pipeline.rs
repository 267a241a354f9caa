//! Throughput of the hot stages and of a whole run, on a corpus generated here (deterministic).
//!
//! `cargo bench` reports MB/s for each hot stage on one document (segment, normalize,
//! fingerprint with and without shingle samples, classifier features, MinHash), keys/s for
//! counting (build, merge, freeze) and MB/s for a full
//! `clean` (dry run, then writing) over a synthetic multi-site corpus. Each iteration checks its
//! answer, so a broken stage cannot look fast. For corpus-scale figures (1 GB and more) run the
//! binary under `/usr/bin/time -v` on a generated corpus, as docs/performance.md describes.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use thresh::count::CountBuilder;
use thresh::fingerprint::{fingerprint, Scratch};
use thresh::normalize::normalize_into;
use thresh::segment::{segment, UnitChoice};
use thresh::sketch::{signature, SketchScratch};

/// A small deterministic word generator (xorshift) so the bench needs no data files.
struct Words(u64);

impl Words {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn sentence(&mut self, words: usize) -> String {
        const VOCAB: [&str; 16] = [
            "harbour",
            "council",
            "ferry",
            "residents",
            "said",
            "the",
            "new",
            "plan",
            "would",
            "open",
            "in",
            "spring",
            "after",
            "months",
            "of",
            "delay",
        ];
        let mut s = String::new();
        for i in 0..words {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(VOCAB[(self.next() % 16) as usize]);
            if self.next() % 7 == 0 {
                s.push_str(&(self.next() % 1000).to_string());
            }
        }
        s.push('.');
        s
    }
}

fn article(words: &mut Words, site: usize, n: usize) -> String {
    let mut doc =
        format!("Site {site} Home | News | Sport | Weather\n\nWe use cookies on site {site}.\n\n");
    for _ in 0..8 {
        let len = 40 + (words.next() % 40) as usize;
        doc.push_str(&words.sentence(len));
        doc.push_str("\n\n");
    }
    doc.push_str(&format!("Related posts\n\nSubscribe to the site {site} newsletter, join {n} readers.\n\n© 2024 Site {site}. All rights reserved\n"));
    doc
}

fn write_corpus(root: &Path, sites: usize, per_site: usize) -> u64 {
    let mut words = Words(0x9E37_79B9_7F4A_7C15);
    let mut bytes = 0;
    for s in 0..sites {
        let dir = root.join(format!("site{s}"));
        std::fs::create_dir_all(&dir).expect("bench corpus folder");
        for n in 0..per_site {
            let text = article(&mut words, s, n);
            bytes += text.len() as u64;
            std::fs::write(dir.join(format!("a{n}.txt")), text).expect("bench corpus file");
        }
    }
    bytes
}

/// One stage at a time on one article; each iteration checks the stage's answer.
fn bench_stages(c: &mut Criterion) {
    let mut words = Words(42);
    let doc = article(&mut words, 1, 1);
    let bytes = doc.as_bytes();
    let seg = segment(bytes, UnitChoice::Auto);
    let blocks = seg.blocks.len();
    assert_eq!(blocks, 13);
    let mut group = c.benchmark_group("stages");
    group.throughput(Throughput::Bytes(doc.len() as u64));
    group.bench_function("segment", |b| {
        b.iter(|| {
            let seg = segment(bytes, UnitChoice::Auto);
            assert_eq!(seg.blocks.len(), blocks);
            seg
        })
    });
    group.bench_function("normalize", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            let mut total = 0;
            for span in &seg.blocks {
                normalize_into(&doc[span.clone()], &mut out);
                total += out.len();
            }
            // Folding only ever shortens this ASCII text (capitals, numbers, punctuation).
            assert!(total > 0 && total < doc.len());
            total
        })
    });
    group.bench_function("fingerprint", |b| {
        let mut scratch = Scratch::new(false);
        b.iter(|| {
            let print = fingerprint(bytes, &seg, &mut scratch);
            assert_eq!(print.blocks.len(), blocks);
            print
        })
    });
    group.bench_function("fingerprint+shingles", |b| {
        let mut scratch = Scratch::new(true);
        b.iter(|| {
            let print = fingerprint(bytes, &seg, &mut scratch);
            // Blocks of 3 to 30 words carry a sample of up to 8 shingles.
            assert!(!print.shingles.is_empty());
            print
        })
    });
    group.bench_function("classifier features", |b| {
        b.iter(|| {
            let features = thresh::features::extract(bytes, &seg);
            assert_eq!(features.blocks.len(), blocks);
            features
        })
    });
    group.bench_function("minhash", |b| {
        let print = fingerprint(bytes, &seg, &mut Scratch::new(false));
        let mut scratch = SketchScratch::default();
        b.iter(|| {
            let sig = signature(bytes, &print.blocks, |_| true, &mut scratch);
            assert!(sig.is_some());
            sig
        })
    });
    group.finish();
}

/// Counting: 2,000 documents of 8 sites, counted in two halves, merged and frozen.
fn bench_count(c: &mut Criterion) {
    let (sites, per_site) = (8u32, 250u32);
    let mut words = Words(7);
    let mut scratch = Scratch::new(false);
    let mut header = 0;
    let docs: Vec<(u32, Vec<u64>)> = (0..sites * per_site)
        .map(|n| {
            let site = n % sites;
            let text = article(&mut words, site as usize, n as usize);
            let seg = segment(text.as_bytes(), UnitChoice::Auto);
            let mut keys: Vec<u64> = fingerprint(text.as_bytes(), &seg, &mut scratch)
                .blocks
                .iter()
                .filter_map(|b| b.key())
                .collect();
            if n == 0 {
                header = keys[0];
            }
            keys.sort_unstable();
            keys.dedup();
            (site + 1, keys)
        })
        .collect();
    let keys: u64 = docs.iter().map(|(_, k)| k.len() as u64).sum();
    let mut group = c.benchmark_group("count");
    group.throughput(Throughput::Elements(keys));
    group.bench_function("build+merge+freeze", |b| {
        b.iter(|| {
            let (left, right) = docs.split_at(docs.len() / 2);
            let table = |part: &[(u32, Vec<u64>)]| {
                let mut builder = CountBuilder::default();
                for (site, keys) in part {
                    builder.add_document(*site, keys.iter().copied());
                }
                builder.finish()
            };
            let frozen = table(left)
                .merge(table(right))
                .freeze(vec![0; sites as usize + 1]);
            // Numbers fold to 0, so the "Site N Home | News" header is one key on every page.
            assert_eq!(frozen.stats(header).docs, sites * per_site);
            assert_eq!(frozen.stats(header).sites, sites);
            frozen
        })
    });
    group.finish();
}

fn bench_run(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("in");
    let (sites, per_site) = (8, 250);
    let bytes = write_corpus(&input, sites, per_site);
    let mut group = c.benchmark_group("clean");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes));
    for dry_run in [true, false] {
        let name = if dry_run { "dry-run" } else { "write" };
        group.bench_function(name, |b| {
            let cfg = thresh::Config {
                inputs: vec![input.clone()],
                output: Some(tmp.path().join("out")),
                dry_run,
                ..thresh::Config::default()
            };
            b.iter(|| {
                let outcome = thresh::pipeline::run(&cfg).expect("run");
                let totals = thresh::output::report::totals(&outcome);
                assert_eq!(totals.documents_written, (sites * per_site) as u64);
                assert!(totals.bytes_removed[&thresh::decide::ReasonKind::Boilerplate] > 0);
                totals
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_stages, bench_count, bench_run);
criterion_main!(benches);
