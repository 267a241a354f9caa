//! Throughput of the hot stages and of a whole run, on a corpus generated here (deterministic).
//!
//! `cargo bench` reports MB/s for segment + fingerprint of one document and for a full
//! `clean` (dry run, then writing) over a synthetic multi-site corpus. Each iteration checks its
//! answer, so a broken stage cannot look fast. For corpus-scale figures (1 GB and more) run the
//! binary under `/usr/bin/time -v` on a generated corpus, as README.md describes.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use thresh::fingerprint::{fingerprint, Scratch};
use thresh::segment::{segment, UnitChoice};

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

fn bench_stages(c: &mut Criterion) {
    let mut words = Words(42);
    let doc = article(&mut words, 1, 1);
    let mut group = c.benchmark_group("stages");
    group.throughput(Throughput::Bytes(doc.len() as u64));
    group.bench_function("segment+fingerprint", |b| {
        let mut scratch = Scratch::default();
        b.iter(|| {
            let seg = segment(doc.as_bytes(), UnitChoice::Auto);
            let print = fingerprint(doc.as_bytes(), &seg, &mut scratch);
            assert_eq!(print.blocks.len(), 13);
            print
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

criterion_group!(benches, bench_stages, bench_run);
criterion_main!(benches);
