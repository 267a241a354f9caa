//! HTML report: a run's outcome → one self-contained HTML file for a person to read and share.
//!
//! In: the [`Report`] overview of a run and [`Explanation`]s of a few sample documents. Out: one
//! HTML page with inline CSS and inline SVG charts drawn here: no script, no font, no image or
//! style sheet from anywhere else, and a Content-Security-Policy that forbids loading any, so
//! opening the file sends no request. Every piece of text from the corpus (block text, paths,
//! patterns) goes through [`escape`]. Sections, each with a stable `id`: `totals`, `frequency`,
//! `sites`, `catalogue`, `clusters`, `samples`, `issues`, `config`.

use std::fmt::Write as _;
use std::path::Path;

use crate::config::Config;
use crate::decide::near_dup::KeptBecause;
use crate::decide::{Fate, ReasonKind};
use crate::error::{Error, IssueKind};
use crate::explain::{explain, Explanation};
use crate::output::report::{self, human_bytes, FrequencyBin, MatchKind, Report, SiteRow};
use crate::pipeline::guardrail::Family;
use crate::pipeline::Outcome;

mod samples;
use samples::sample_documents;

/// Documents shown in full, removed blocks struck through.
pub const SAMPLE_DOCUMENTS: usize = 6;
/// Blocks of one sample document shown at most (the rest is summarised).
pub const MAX_SAMPLE_BLOCKS: usize = 400;
/// Near-duplicate clusters listed at most.
pub const MAX_CLUSTERS: usize = 100;
/// Input problems listed at most.
pub const MAX_ISSUES: usize = 100;

/// The section ids, in page order; the browser test checks each is shown.
pub const SECTIONS: [&str; 8] = [
    "totals",
    "frequency",
    "sites",
    "catalogue",
    "clusters",
    "samples",
    "issues",
    "config",
];

/// Build and write the HTML report of a finished run, atomically (`-`: standard output).
pub fn write_html_report(path: &Path, outcome: &Outcome, cfg: &Config) -> Result<(), Error> {
    let overview = report::overview(outcome, cfg);
    let samples: Vec<Explanation> = select_samples(outcome, SAMPLE_DOCUMENTS)
        .into_iter()
        // A sample whose file vanished or changed since it was read is left out, not fatal.
        .filter_map(|i| explain(outcome, cfg, i).ok())
        .collect();
    let html = render(&overview, &samples);
    let write_err = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    if path == Path::new("-") {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        out.write_all(html.as_bytes())
            .and_then(|_| out.flush())
            .map_err(write_err)
    } else {
        super::text::write_atomic(path, html.as_bytes()).map_err(write_err)
    }
}

/// Documents worth showing: written or emptied ones with removed blocks, one per site first
/// (most kinds of reason, then most bytes removed), then the next best of each site in turn.
/// Depends only on the outcome, never on scheduling.
pub fn select_samples(outcome: &Outcome, n: usize) -> Vec<usize> {
    let mut by_site: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
    for (i, doc) in outcome.docs.iter().enumerate() {
        if matches!(doc.fate, Some(Fate::Written | Fate::Emptied)) && outcome.has_removals(i) {
            by_site.entry(doc.site).or_default().push(i);
        }
    }
    let interest = |i: &usize| {
        let doc = &outcome.docs[*i];
        let mut kinds: Vec<ReasonKind> = outcome
            .removals(*i)
            .iter()
            .map(|r| r.reason.kind())
            .collect();
        kinds.sort_unstable();
        kinds.dedup();
        (
            std::cmp::Reverse(kinds.len()),
            std::cmp::Reverse(doc.removed_bytes()),
            *i,
        )
    };
    let mut queues: Vec<Vec<usize>> = by_site
        .into_values()
        .map(|mut v| {
            // Once per document: under a memory limit its removals are read back from disk.
            v.sort_by_cached_key(interest);
            v.reverse(); // pop() takes the best
            v
        })
        .collect();
    let mut picked = Vec::new();
    while picked.len() < n && queues.iter().any(|q| !q.is_empty()) {
        let mut round: Vec<usize> = queues.iter_mut().filter_map(Vec::pop).collect();
        round.sort_by_key(interest);
        picked.extend(round.into_iter().take(n - picked.len()));
    }
    picked
}

/// Escape text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escape a path or document id and let it wrap after each `/` rather than mid-name.
fn escape_path(path: &str) -> String {
    escape(path).replace('/', "/<wbr>")
}

/// What a byte of the corpus became, for colours and legends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Removed(ReasonKind),
    Duplicates,
    Kept,
}

impl Part {
    /// Stacked-bar order: removals first, kept last.
    const ORDER: [Part; 9] = [
        Part::Removed(ReasonKind::Boilerplate),
        Part::Removed(ReasonKind::NearBoilerplate),
        Part::Removed(ReasonKind::Enclosed),
        Part::Removed(ReasonKind::Classified),
        Part::Removed(ReasonKind::Separator),
        Part::Removed(ReasonKind::DropPattern),
        Part::Removed(ReasonKind::RepeatedInDocument),
        Part::Duplicates,
        Part::Kept,
    ];

    fn colour(self) -> &'static str {
        // Okabe–Ito colours, distinguishable with the common colour-vision deficiencies.
        match self {
            Part::Removed(kind) => match kind {
                ReasonKind::Boilerplate => "#d55e00",
                ReasonKind::NearBoilerplate => "#a6432a",
                ReasonKind::Enclosed => "#e69f00",
                ReasonKind::Separator => "#8c8c8c",
                ReasonKind::DropPattern => "#cc79a7",
                ReasonKind::RepeatedInDocument => "#0072b2",
                ReasonKind::Classified => "#009e73",
            },
            Part::Duplicates => "#56b4e9",
            Part::Kept => "#c9d3cc",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Part::Removed(kind) => kind.name(),
            Part::Duplicates => "duplicate documents",
            Part::Kept => "kept",
        }
    }
}

fn reason_class(kind: ReasonKind) -> &'static str {
    match kind {
        ReasonKind::Boilerplate => "r-boilerplate",
        ReasonKind::NearBoilerplate => "r-variant",
        ReasonKind::RepeatedInDocument => "r-repeated",
        ReasonKind::DropPattern => "r-drop",
        ReasonKind::Separator => "r-separator",
        ReasonKind::Enclosed => "r-enclosed",
        ReasonKind::Classified => "r-classified",
    }
}

const STYLE: &str = r#"
:root { --fg:#1f2328; --muted:#57606a; --line:#d0d7de; --panel:#f6f8fa; --warn-bg:#fff4e5; --warn:#b35900; --accent:#0a58ca; }
* { box-sizing: border-box; }
body { margin:0; color:var(--fg); background:#fff; font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",Arial,sans-serif; }
main { max-width:1180px; margin:0 auto; padding:28px 32px 72px; }
header h1 { margin:0 0 4px; font-size:1.75rem; }
header p { margin:2px 0; color:var(--muted); }
nav { margin:16px 0 0; display:flex; flex-wrap:wrap; gap:6px 18px; font-size:.95rem; }
nav a { color:var(--accent); text-decoration:none; }
nav a:hover { text-decoration:underline; }
section { margin-top:44px; }
h2 { font-size:1.35rem; margin:0 0 12px; padding-bottom:6px; border-bottom:1px solid var(--line); }
p.lead { margin:0 0 14px; color:var(--muted); max-width:80ch; }
code { white-space:nowrap; font-family:ui-monospace,SFMono-Regular,"DejaVu Sans Mono",Menlo,Consolas,monospace; font-size:.9em; background:var(--panel); padding:1px 4px; border-radius:4px; }
.cards { display:grid; grid-template-columns:repeat(4,minmax(0,1fr)); gap:12px; margin-bottom:18px; }
@media (max-width:720px) { .cards { grid-template-columns:repeat(2,minmax(0,1fr)); } }
.card { background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:10px 14px; }
.card .n { font-size:1.55rem; font-weight:600; font-variant-numeric:tabular-nums; }
.card .l { color:var(--muted); font-size:.88rem; }
.warnings { background:var(--warn-bg); border:1px solid #f0b27a; border-left:4px solid var(--warn); border-radius:6px; padding:10px 14px; margin:0 0 18px; }
.warnings p { margin:4px 0; }
.legend { display:flex; flex-wrap:wrap; gap:4px 18px; margin:8px 0 0; font-size:.9rem; color:var(--muted); }
.legend span { display:inline-flex; align-items:center; gap:6px; }
.sw { display:inline-block; width:12px; height:12px; border-radius:3px; }
table { border-collapse:collapse; width:100%; font-size:.92rem; }
th, td { padding:6px 10px; border-bottom:1px solid var(--line); text-align:left; vertical-align:top; }
th { background:var(--panel); font-weight:600; white-space:nowrap; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
td.id { overflow-wrap:anywhere; }
td.text { font-family:ui-monospace,SFMono-Regular,"DejaVu Sans Mono",Menlo,Consolas,monospace; font-size:.85rem; white-space:pre-wrap; word-break:break-word; }
.variants { color:var(--muted); margin-top:4px; }
.variants .vh { font-family:system-ui,sans-serif; font-size:.78rem; }
.variants div:not(.vh) { padding-left:1em; text-indent:-1em; }
tr.warn td { background:var(--warn-bg); }
.badge { display:inline-block; font-size:.78rem; font-weight:600; padding:0 6px; border-radius:10px; margin-left:6px; background:var(--warn); color:#fff; }
.muted { color:var(--muted); }
.chart { max-width:100%; height:auto; }
.corpus-bar { display:block; width:100%; height:26px; }
.histogram { display:block; width:100%; max-width:960px; }
svg text { font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",Arial,sans-serif; }
.doc { border:1px solid var(--line); border-radius:8px; margin:18px 0; overflow:hidden; }
.doc h3 { margin:0; padding:8px 14px; font-size:1rem; background:var(--panel); border-bottom:1px solid var(--line); overflow-wrap:anywhere; }
.doc .sum { padding:6px 14px; color:var(--muted); font-size:.9rem; border-bottom:1px solid var(--line); }
.doc .body { max-height:30em; overflow:auto; padding:6px 0; font-family:ui-monospace,SFMono-Regular,"DejaVu Sans Mono",Menlo,Consolas,monospace; font-size:.82rem; line-height:1.45; }
.blk { display:grid; grid-template-columns:3.6em minmax(0,1fr) auto; gap:0 10px; padding:1px 14px 1px 0; }
.blk .ln { text-align:right; color:#8c959f; user-select:none; }
.blk .t { white-space:pre-wrap; word-break:break-word; }
.blk .tag { font-family:system-ui,sans-serif; font-size:.72rem; align-self:start; padding:0 6px; border-radius:8px; color:#fff; white-space:nowrap; }
.blk del { text-decoration:line-through; text-decoration-thickness:1px; }
.blk.removed { cursor:help; }
.r-boilerplate { background:#fbe3d6; } .r-boilerplate del { color:#7a2e00; } .r-boilerplate .tag { background:#d55e00; }
.r-variant { background:#f6dcd5; } .r-variant del { color:#6e2416; } .r-variant .tag { background:#a6432a; }
.r-enclosed { background:#fdf0d2; } .r-enclosed del { color:#6b4a00; } .r-enclosed .tag { background:#b37a00; }
.r-classified { background:#dcf3ea; } .r-classified del { color:#00573f; } .r-classified .tag { background:#007a5a; }
.r-separator { background:#ececec; } .r-separator del { color:#555; } .r-separator .tag { background:#777; }
.r-drop { background:#f7e1ee; } .r-drop del { color:#7a2659; } .r-drop .tag { background:#b0588d; }
.r-repeated { background:#dcebf7; } .r-repeated del { color:#00406b; } .r-repeated .tag { background:#0072b2; }
.more { padding:4px 14px; color:var(--muted); font-style:italic; }
details.fold > summary { cursor:pointer; padding:1px 14px 1px 4.6em; color:var(--muted); font-family:system-ui,sans-serif; font-size:.8rem; font-style:italic; list-style-position:inside; }
details.fold > summary:hover { color:var(--fg); }
footer { margin-top:56px; color:var(--muted); font-size:.85rem; }
"#;

/// Render the whole page.
pub fn render(report: &Report, samples: &[Explanation]) -> String {
    let mut h = String::with_capacity(64 * 1024);
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    // Nothing may be loaded from anywhere: inline styles and data: images only.
    h.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(
        h,
        "<title>thresh report: {}</title>",
        escape(&report.config.inputs.join(", "))
    );
    let _ = writeln!(h, "<style>{STYLE}</style>\n</head>\n<body>\n<main>");
    header(&mut h, report);
    totals(&mut h, report);
    frequency(&mut h, report);
    sites(&mut h, report);
    catalogue(&mut h, report);
    clusters(&mut h, report);
    sample_documents(&mut h, samples);
    issues(&mut h, report);
    config(&mut h, report);
    let _ = writeln!(
        h,
        "<footer>thresh {} · report format {} version {}. Every number here is also in the JSON report (<code>--report</code>).</footer>",
        escape(&report.thresh_version),
        escape(&report.format),
        report.version
    );
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

fn header(h: &mut String, r: &Report) {
    let _ = writeln!(h, "<header>\n<h1>thresh report</h1>");
    let _ = writeln!(
        h,
        "<p>Input: {}{}</p>",
        escape(&r.config.inputs.join(", ")),
        match (&r.config.output, r.config.dry_run) {
            (_, true) => " · dry run: nothing written".to_string(),
            (Some(out), false) => format!(" · cleaned copies in {}", escape(out)),
            (None, false) => String::new(),
        }
    );
    if r.stopped {
        h.push_str(
            "<p><strong>Stopped by --strict before writing any cleaned file.</strong></p>\n",
        );
    }
    h.push_str("<nav>");
    for (id, title) in [
        ("totals", "Totals"),
        ("frequency", "Block frequency"),
        ("sites", "Sites"),
        ("catalogue", "Boilerplate catalogue"),
        ("clusters", "Near-duplicates"),
        ("samples", "Sample documents"),
        ("issues", "Input problems"),
        ("config", "Configuration"),
    ] {
        let _ = write!(h, "<a href=\"#{id}\">{title}</a>");
    }
    h.push_str("</nav>\n</header>\n");
}

fn totals(h: &mut String, r: &Report) {
    let t = &r.totals;
    let removed: u64 = t.bytes_removed.values().sum();
    let _ = writeln!(h, "<section id=\"totals\">\n<h2>Totals</h2>");
    if !r.warnings.is_empty() {
        h.push_str("<div class=\"warnings\">");
        for w in &r.warnings {
            let _ = write!(h, "<p><strong>Warning:</strong> {}</p>", escape(w));
        }
        h.push_str("</div>\n");
    }
    let written = if r.config.dry_run {
        "would be written"
    } else {
        "written"
    };
    let cards: [(String, &str); 8] = [
        (thousands(t.documents_found), "documents found"),
        (thousands(t.documents_written), written),
        (thousands(t.documents_duplicate), "exact duplicates"),
        (thousands(t.documents_near_duplicate), "near-duplicates"),
        (thousands(t.documents_emptied), "emptied"),
        (
            thousands(t.documents_empty + t.documents_failed),
            "empty or failed inputs",
        ),
        (human_bytes(t.bytes_read), "read"),
        (
            format!(
                "{:.1}%",
                percent(removed + t.bytes_duplicate_documents, t.bytes_read)
            ),
            "of the bytes removed (blocks and duplicate documents)",
        ),
    ];
    h.push_str("<div class=\"cards\">");
    for (n, label) in cards {
        let _ = write!(
            h,
            "<div class=\"card\"><div class=\"n\">{}</div><div class=\"l\">{label}</div></div>",
            escape(&n)
        );
    }
    h.push_str("</div>\n");
    let mut parts: Vec<(Part, u64)> = Part::ORDER
        .iter()
        .map(|&p| {
            let bytes = match p {
                Part::Removed(kind) => t.bytes_removed.get(&kind).copied().unwrap_or(0),
                Part::Duplicates => t.bytes_duplicate_documents,
                Part::Kept => t
                    .bytes_read
                    .saturating_sub(removed + t.bytes_duplicate_documents),
            };
            (p, bytes)
        })
        .collect();
    let _ = writeln!(
        h,
        "<p class=\"lead\">Where the {} read went:</p>",
        human_bytes(t.bytes_read)
    );
    h.push_str(&stacked_bar(&parts, 1000.0, 26.0, "chart corpus-bar"));
    parts.retain(|(_, b)| *b > 0);
    legend(h, &parts, t.bytes_read);
    // What the guardrail measures: each rule family's share of the distinct documents.
    let families: Vec<String> = t
        .share_removed_by_family
        .iter()
        .filter(|(_, share)| **share > 0.0)
        .map(|(family, share)| {
            format!(
                "{} <strong>{:.1}%</strong>",
                family.name().trim_start_matches("the "),
                100.0 * share
            )
        })
        .collect();
    if !families.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"muted\">Removed by rule family, of the {} of distinct documents: {}. The guardrail warns when one family is above <code>--max-removed</code> ({:.0}%).</p>",
            human_bytes(t.bytes_decided),
            families.join(", "),
            100.0 * r.config.max_removed
        );
    }
    h.push_str("</section>\n");
}

/// A horizontal bar of `parts`, widths in proportion to bytes, each part named on hover.
fn stacked_bar(parts: &[(Part, u64)], width: f64, height: f64, class: &str) -> String {
    let total: u64 = parts.iter().map(|(_, b)| b).sum();
    let mut s = format!(
        "<svg class=\"{class}\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"share of bytes by fate\">"
    );
    let _ = write!(
        s,
        "<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" rx=\"3\" fill=\"#eef1f4\"/>"
    );
    let mut x = 0.0;
    for &(part, bytes) in parts {
        if bytes == 0 || total == 0 {
            continue;
        }
        let w = width * bytes as f64 / total as f64;
        let _ = write!(
            s,
            "<rect x=\"{x:.2}\" y=\"0\" width=\"{w:.2}\" height=\"{height}\" fill=\"{}\"><title>{}: {} ({:.1}%)</title></rect>",
            part.colour(),
            part.label(),
            human_bytes(bytes),
            percent(bytes, total)
        );
        x += w;
    }
    s.push_str("</svg>");
    s
}

fn legend(h: &mut String, parts: &[(Part, u64)], total: u64) {
    h.push_str("<div class=\"legend\">");
    for &(part, bytes) in parts {
        let _ = write!(
            h,
            "<span><i class=\"sw\" style=\"background:{}\"></i>{} {} ({:.1}%)</span>",
            part.colour(),
            part.label(),
            human_bytes(bytes),
            percent(bytes, total)
        );
    }
    h.push_str("</div>\n");
}

fn frequency(h: &mut String, r: &Report) {
    let min_docs = r.config.decide.min_docs;
    // The axis reaches the --min-docs line even where no block is that frequent.
    let bins = &report::bins_through(&r.doc_frequency, min_docs);
    let total: u64 = bins.iter().map(|b| b.blocks).sum();
    let at_or_above: u64 = bins
        .iter()
        .filter(|b| b.min_docs >= min_docs)
        .map(|b| b.blocks)
        .sum();
    let _ = writeln!(
        h,
        "<section id=\"frequency\">\n<h2>How often blocks recur</h2>\n<p class=\"lead\">Each bar counts distinct blocks by the number of documents holding them (exact copies, and each near-duplicate cluster, counted once). Both axes are logarithmic. Blocks right of the line, in at least <code>--min-docs {min_docs}</code> documents, are boilerplate everywhere; blocks left of it are kept unless they fill <code>--min-site-share</code> of their own site. Content sits at the left, chrome at the right: put the line in the valley between them.</p>"
    );
    if bins.is_empty() {
        h.push_str("<p class=\"muted\">No blocks were read.</p>\n</section>\n");
        return;
    }
    h.push_str(&histogram_svg(bins, min_docs));
    let removed = Part::Removed(ReasonKind::Boilerplate);
    let _ = writeln!(
        h,
        "<div class=\"legend\"><span><i class=\"sw\" style=\"background:{}\"></i>at or above --min-docs {min_docs}: {} blocks</span><span><i class=\"sw\" style=\"background:{KEPT_BAR}\"></i>below: {} blocks</span></div>\n</section>",
        removed.colour(),
        thousands(at_or_above),
        thousands(total - at_or_above)
    );
}

/// Bars below the threshold: a calm blue-grey that does not read as "removed".
const KEPT_BAR: &str = "#7f93a8";

/// Where the `--min-docs` line falls, in bins from the left: inside the bin holding the
/// threshold, placed logarithmically between the bin's edges.
fn threshold_position(bins: &[FrequencyBin], min_docs: u32) -> f64 {
    for (i, b) in bins.iter().enumerate() {
        if (b.min_docs..=b.max_docs).contains(&min_docs) {
            if b.max_docs == b.min_docs || min_docs == b.min_docs {
                return i as f64;
            }
            let lo = f64::from(b.min_docs).ln();
            let hi = (f64::from(b.max_docs) + 1.0).ln();
            return i as f64 + (f64::from(min_docs).ln() - lo) / (hi - lo);
        }
    }
    bins.len() as f64
}

fn histogram_svg(bins: &[FrequencyBin], min_docs: u32) -> String {
    let (w, h) = (900.0, 330.0);
    let (left, right, top, bottom) = (64.0, 20.0, 28.0, 58.0);
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let max = bins.iter().map(|b| b.blocks).max().unwrap_or(1).max(1);
    let decades = (max as f64).log10().ceil().max(1.0);
    // log10(0.5) as the floor, so a bin of one block still shows a short bar.
    let floor = -std::f64::consts::LOG10_2;
    let y_of = |v: f64| top + plot_h - plot_h * (v.log10() - floor) / (decades - floor);
    let bw = plot_w / bins.len() as f64;
    let mut s = format!(
        "<svg class=\"chart histogram\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"histogram of block document frequency\">"
    );
    // Horizontal grid lines and labels at each power of ten.
    for d in 0..=(decades as u32) {
        let v = 10f64.powi(d as i32);
        let y = y_of(v);
        let _ = write!(
            s,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e3e7eb\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\" fill=\"#57606a\">{}</text>",
            w - right,
            left - 8.0,
            y + 4.0,
            thousands(v as u64)
        );
    }
    let label_every = (bins.len() as f64 / 24.0).ceil().max(1.0) as usize;
    for (i, b) in bins.iter().enumerate() {
        let x = left + i as f64 * bw;
        let colour = if b.min_docs >= min_docs {
            Part::Removed(ReasonKind::Boilerplate).colour()
        } else {
            KEPT_BAR
        };
        let range = if b.min_docs == b.max_docs {
            format!("{} documents", b.min_docs)
        } else {
            format!("{}–{} documents", b.min_docs, b.max_docs)
        };
        if b.blocks > 0 {
            let y = y_of(b.blocks as f64);
            let _ = write!(
                s,
                "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{colour}\" rx=\"2\"><title>{range}: {} distinct blocks</title></rect>",
                x + 1.5,
                (bw - 3.0).max(1.0),
                top + plot_h - y,
                thousands(b.blocks)
            );
            if bw >= 26.0 {
                let _ = write!(
                    s,
                    "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#1f2328\">{}</text>",
                    x + bw / 2.0,
                    y - 4.0,
                    compact(b.blocks)
                );
            }
        }
        if i % label_every == 0 {
            // A range reads as one where it fits; otherwise its lower edge stands for it.
            let label = if b.min_docs == b.max_docs || bw < 44.0 {
                compact(u64::from(b.min_docs))
            } else if i + 1 == bins.len() && b.blocks > 0 {
                format!("{}+", compact(u64::from(b.min_docs)))
            } else {
                format!(
                    "{}–{}",
                    compact(u64::from(b.min_docs)),
                    compact(u64::from(b.max_docs))
                )
            };
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\" fill=\"#57606a\">{label}</text>",
                x + bw / 2.0,
                top + plot_h + 18.0,
            );
        }
    }
    let _ = write!(
        s,
        "<line x1=\"{left}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#57606a\"/>",
        w - right,
        y = top + plot_h
    );
    let tx = left + threshold_position(bins, min_docs) * bw;
    let anchor = if tx > w - 160.0 { "end" } else { "start" };
    let label_x = if anchor == "end" { tx - 6.0 } else { tx + 6.0 };
    let _ = write!(
        s,
        "<line x1=\"{tx:.1}\" x2=\"{tx:.1}\" y1=\"{}\" y2=\"{}\" stroke=\"#1f2328\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/><text x=\"{label_x:.1}\" y=\"{}\" font-size=\"13\" font-weight=\"600\" text-anchor=\"{anchor}\" fill=\"#1f2328\">--min-docs {min_docs}</text>",
        top - 8.0,
        top + plot_h,
        top + 4.0
    );
    let _ = write!(
        s,
        "<text x=\"{:.1}\" y=\"{}\" font-size=\"13\" text-anchor=\"middle\" fill=\"#1f2328\">documents holding the block (log scale)</text>",
        left + plot_w / 2.0,
        h - 12.0
    );
    let _ = write!(
        s,
        "<text transform=\"translate(16 {:.1}) rotate(-90)\" font-size=\"13\" text-anchor=\"middle\" fill=\"#1f2328\">distinct blocks (log scale)</text>",
        top + plot_h / 2.0
    );
    s.push_str("</svg>\n");
    s
}

/// Mark a site where one rule family removed more than `--max-removed` of its distinct
/// documents' bytes: the guardrail's test, per site.
fn site_is_suspicious(row: &SiteRow, max_removed: f64) -> bool {
    let distinct = row.bytes.saturating_sub(row.bytes_duplicate_documents);
    Family::ALL.iter().any(|&family| {
        let removed: u64 = row
            .bytes_removed
            .iter()
            .filter(|(k, _)| Family::of_kind(**k) == family)
            .map(|(_, b)| b)
            .sum();
        distinct > 0 && removed as f64 > max_removed * distinct as f64
    })
}

fn site_parts(row: &SiteRow) -> Vec<(Part, u64)> {
    let removed: u64 = row.bytes_removed.values().sum();
    Part::ORDER
        .iter()
        .map(|&p| {
            let bytes = match p {
                Part::Removed(kind) => row.bytes_removed.get(&kind).copied().unwrap_or(0),
                Part::Duplicates => row.bytes_duplicate_documents,
                Part::Kept => row
                    .bytes
                    .saturating_sub(removed + row.bytes_duplicate_documents),
            };
            (p, bytes)
        })
        .collect()
}

fn sites(h: &mut String, r: &Report) {
    let max_removed = r.config.max_removed;
    let _ = writeln!(
        h,
        "<section id=\"sites\">\n<h2>Removal per site</h2>\n<p class=\"lead\">Sites by the share of their bytes removed, largest first. A row is marked when one rule family (counting, the classifier, drop patterns) removed more than <code>--max-removed</code> ({:.0}%) of its distinct documents' bytes: typical chrome is 15–40% of a page, so check such a site's documents below or with <code>thresh explain</code>.</p>",
        max_removed * 100.0
    );
    let used: Vec<Part> = Part::ORDER
        .iter()
        .copied()
        .filter(|&p| {
            p == Part::Kept
                || r.sites
                    .iter()
                    .any(|s| site_parts(s).iter().any(|&(q, b)| q == p && b > 0))
        })
        .collect();
    h.push_str("<table>\n<thead><tr><th>site</th><th class=\"num\">documents</th><th class=\"num\">written</th><th class=\"num\">duplicates</th><th class=\"num\">emptied</th><th class=\"num\">bytes</th><th class=\"num\">removed</th><th>kept and removed</th></tr></thead>\n<tbody>\n");
    for row in &r.sites {
        let warn = site_is_suspicious(row, max_removed);
        let name = if row.site.is_empty() {
            "(no site)".to_string()
        } else {
            escape(&row.site)
        };
        let badge = if warn {
            "<span class=\"badge\">high</span>"
        } else {
            ""
        };
        let parts = site_parts(row);
        let _ = writeln!(
            h,
            "<tr{}><td class=\"id\">{name}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:.1}%{badge}</td><td>{}</td></tr>",
            if warn { " class=\"warn\"" } else { "" },
            thousands(row.documents),
            thousands(row.documents_written),
            thousands(row.documents_duplicate + row.documents_near_duplicate),
            thousands(row.documents_emptied),
            human_bytes(row.bytes),
            row.share_removed * 100.0,
            stacked_bar(&parts, 260.0, 14.0, "site-bar"),
        );
    }
    h.push_str("</tbody>\n</table>\n");
    h.push_str("<div class=\"legend\">");
    for part in used {
        let _ = write!(
            h,
            "<span><i class=\"sw\" style=\"background:{}\"></i>{}</span>",
            part.colour(),
            part.label()
        );
    }
    h.push_str("</div>\n</section>\n");
}

fn catalogue(h: &mut String, r: &Report) {
    let _ = writeln!(
        h,
        "<section id=\"catalogue\">\n<h2>Boilerplate catalogue</h2>\n<p class=\"lead\">The recurring blocks that removed the most bytes ({} listed; <code>--catalogue-size</code> sets how many). Other spellings that matched the same block (a changed year, a count) are listed under it; template variants (blocks whose text changes from page to page around a fixed wording) name the frequent spelling they were matched to.</p>",
        r.boilerplate.len()
    );
    if r.boilerplate.is_empty() {
        h.push_str("<p class=\"muted\">No boilerplate was removed.</p>\n</section>\n");
        return;
    }
    let max = r
        .boilerplate
        .iter()
        .map(|e| e.bytes_removed)
        .max()
        .unwrap_or(1)
        .max(1);
    h.push_str("<table>\n<thead><tr><th class=\"num\">#</th><th>text</th><th class=\"num\">documents</th><th class=\"num\">sites</th><th class=\"num\">bytes removed</th><th></th></tr></thead>\n<tbody>\n");
    for (i, e) in r.boilerplate.iter().enumerate() {
        let mut variants = String::new();
        if !e.variants.is_empty() {
            // One per line: variants differ in a number or two and blur together inline.
            let list: Vec<String> = e
                .variants
                .iter()
                .map(|v| format!("<div>{}</div>", escape(v)))
                .collect();
            let _ = write!(
                variants,
                "<div class=\"variants\"><div class=\"vh\">also spelled:</div>{}</div>",
                list.concat()
            );
        }
        if e.matched == MatchKind::TemplateVariant {
            // Variants are matched by shared word 3-grams, not by their text: say what to.
            let listed = |t: &str| e.text == t || e.variants.iter().any(|v| v == t);
            match &e.near_match {
                Some(m) if m.documents > 1 && !listed(&m.text) => {
                    let _ = write!(
                        variants,
                        "<div class=\"variants\"><div class=\"vh\">template variant of the spelling in {} documents:</div><div>{}</div></div>",
                        thousands(u64::from(m.documents)),
                        escape(&m.text)
                    );
                }
                _ => variants.push_str(
                    "<div class=\"variants\"><div class=\"vh\">template variant: the wording around a changing part recurs, not the whole text</div></div>",
                ),
            }
        }
        let bar_w = 120.0 * e.bytes_removed as f64 / max as f64;
        let _ = writeln!(
            h,
            "<tr><td class=\"num\">{}</td><td class=\"text\" title=\"example: {}\">{}{variants}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td><svg width=\"120\" height=\"10\" role=\"img\" aria-label=\"bytes removed\"><rect width=\"{bar_w:.1}\" height=\"10\" rx=\"2\" fill=\"{}\"/></svg></td></tr>",
            i + 1,
            escape(&e.example),
            escape(&e.text),
            thousands(u64::from(e.documents)),
            thousands(u64::from(e.sites)),
            human_bytes(e.bytes_removed),
            Part::Removed(ReasonKind::Boilerplate).colour()
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
}

fn clusters(h: &mut String, r: &Report) {
    let n = r.near_duplicate_clusters.len();
    let _ = writeln!(
        h,
        "<section id=\"clusters\">\n<h2>Near-duplicate documents</h2>\n<p class=\"lead\">Groups of documents whose article text (what the run keeps of each) is at least <code>--near-dup-threshold {}</code> similar, or at least <code>--near-dup-containment {}</code> contained in the kept copy's; only the kept copy is written: the fuller one when it holds the other and more. {n} {}.</p>",
        r.config.near_dup.threshold,
        r.config.near_dup.containment,
        if n == 1 { "cluster" } else { "clusters" }
    );
    if !r.config.near_dup.enabled {
        h.push_str("<p class=\"muted\">Near-duplicate detection was off (<code>--no-dedup</code>).</p>\n</section>\n");
        return;
    }
    if n == 0 {
        h.push_str("<p class=\"muted\">No near-duplicate documents were found.</p>\n</section>\n");
        return;
    }
    h.push_str("<table>\n<thead><tr><th>kept document</th><th class=\"num\">size</th><th>copies not written (similarity, share contained; why the kept copy)</th></tr></thead>\n<tbody>\n");
    for c in r.near_duplicate_clusters.iter().take(MAX_CLUSTERS) {
        let members: Vec<String> = c
            .members
            .iter()
            .map(|m| {
                let containment = m
                    .containment
                    .map_or(String::new(), |c| format!(", {:.0}%", 100.0 * c));
                let why = m.kept_because.map_or("", |k| match k {
                    KeptBecause::First => "; first",
                    KeptBecause::Longest => "; longest",
                    KeptBecause::Fuller => "; fuller",
                });
                format!(
                    "{} <span class=\"muted\">({:.2}{containment}{why})</span>",
                    escape_path(&m.id),
                    m.similarity
                )
            })
            .collect();
        let _ = writeln!(
            h,
            "<tr><td class=\"id\">{}</td><td class=\"num\">{}</td><td class=\"id\">{}</td></tr>",
            escape_path(&c.kept),
            c.size,
            members.join("<br>")
        );
    }
    h.push_str("</tbody>\n</table>\n");
    if n > MAX_CLUSTERS {
        let _ = writeln!(
            h,
            "<p class=\"muted\">{} more clusters are in the JSON report.</p>",
            n - MAX_CLUSTERS
        );
    }
    h.push_str("</section>\n");
}

fn issues(h: &mut String, r: &Report) {
    let _ = writeln!(
        h,
        "<section id=\"issues\">\n<h2>Input problems</h2>\n<p class=\"lead\">Files that could not be cleaned (errors) or were cleaned with a caveat (warnings). The run goes on past each.</p>"
    );
    if r.issues.is_empty() {
        h.push_str("<p class=\"muted\">None.</p>\n</section>\n");
        return;
    }
    h.push_str(
        "<table>\n<thead><tr><th>level</th><th>file</th><th>problem</th></tr></thead>\n<tbody>\n",
    );
    for issue in r.issues.iter().take(MAX_ISSUES) {
        let level = if issue.kind.is_failure() {
            "error"
        } else {
            "warning"
        };
        let line = issue.line.map(|l| format!(":{l}")).unwrap_or_default();
        let _ = writeln!(
            h,
            "<tr><td>{level}</td><td class=\"id\">{}{line}</td><td>{}</td></tr>",
            escape_path(&issue.path),
            escape(&issue.message)
        );
    }
    h.push_str("</tbody>\n</table>\n");
    if r.issues.len() > MAX_ISSUES {
        let _ = writeln!(
            h,
            "<p class=\"muted\">{} more in the JSON report.</p>",
            r.issues.len() - MAX_ISSUES
        );
    }
    let utf8 = r
        .issues
        .iter()
        .filter(|i| i.kind == IssueKind::InvalidUtf8)
        .count();
    if utf8 > 0 {
        let _ = writeln!(
            h,
            "<p class=\"muted\">Invalid UTF-8 ({utf8} {}): matched on a lossy decoding, written back byte for byte.</p>",
            if utf8 == 1 { "file" } else { "files" }
        );
    }
    h.push_str("</section>\n");
}

fn config(h: &mut String, r: &Report) {
    let _ = writeln!(
        h,
        "<section id=\"config\">\n<h2>Configuration</h2>\n<p class=\"lead\">The effective settings of this run, defaults included, each with the flag that sets it.</p>"
    );
    h.push_str(
        "<table>\n<thead><tr><th>setting</th><th>flag</th><th>value</th></tr></thead>\n<tbody>\n",
    );
    for s in crate::output::settings::settings(&r.config) {
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"id\">{}</td></tr>",
            escape(&s.path),
            escape(s.flag),
            escape(&s.value)
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// 173392 → "173,392".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Short counts for chart labels: 950, 1.2k, 35k, 1.2M.
fn compact(n: u64) -> String {
    match n {
        0..=999 => n.to_string(),
        1_000..=9_999 => format!("{:.1}k", n as f64 / 1e3),
        10_000..=999_999 => format!("{}k", n / 1_000),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::report::{CatalogueEntry, Totals};
    use std::collections::BTreeMap;

    fn bins(counts: &[(u32, u32, u64)]) -> Vec<FrequencyBin> {
        counts
            .iter()
            .map(|&(min_docs, max_docs, blocks)| FrequencyBin {
                min_docs,
                max_docs,
                blocks,
            })
            .collect()
    }

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(escape_path("a/b.txt"), "a/<wbr>b.txt");
    }

    #[test]
    fn threshold_sits_at_the_left_edge_of_its_own_bin_or_inside_a_range() {
        let b = bins(&[(1, 1, 5), (2, 2, 1), (3, 3, 0), (10, 14, 2), (15, 19, 1)]);
        assert_eq!(threshold_position(&b, 2), 1.0);
        assert_eq!(threshold_position(&b, 10), 3.0);
        let inside = threshold_position(&b, 12);
        // ln 12 between ln 10 and ln 15: a little under half way.
        assert!(
            (inside - 3.0 - (12f64.ln() - 10f64.ln()) / (15f64.ln() - 10f64.ln())).abs() < 1e-9
        );
        assert_eq!(
            threshold_position(&b, 50),
            5.0,
            "beyond the last bin: right end"
        );
    }

    /// On a small corpus where no block is in --min-docs documents the line still falls
    /// inside the plot, at the left edge of its own (empty) bin.
    #[test]
    fn the_min_docs_line_is_always_on_the_axis() {
        let mut r = report();
        r.doc_frequency = bins(&[(1, 1, 300), (2, 2, 10), (3, 3, 2)]);
        r.config.decide.min_docs = 12;
        let html = render(&r, &[]);
        let line = html
            .split("stroke-dasharray=\"6 4\"")
            .next()
            .and_then(|before| before.rsplit("<line x1=\"").next())
            .and_then(|x| x.split('"').next())
            .and_then(|x| x.parse::<f64>().ok())
            .expect("the threshold line");
        // Plot from x = 64 to 880 (900 wide, 20 right margin).
        assert!(line > 64.0 && line < 880.0, "line at {line}");
        assert!(html.contains("--min-docs 12"));
    }

    #[test]
    fn numbers_are_grouped_and_compacted() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(173_392), "173,392");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(compact(950), "950");
        assert_eq!(compact(1_234), "1.2k");
        assert_eq!(compact(35_000), "35k");
        assert_eq!(compact(1_200_000), "1.2M");
    }

    fn site(name: &str, bytes: u64, boilerplate: u64, dup: u64) -> SiteRow {
        let mut removed: BTreeMap<ReasonKind, u64> =
            ReasonKind::ALL.iter().map(|k| (*k, 0)).collect();
        removed.insert(ReasonKind::Boilerplate, boilerplate);
        SiteRow {
            site: name.into(),
            documents: 3,
            documents_written: 3,
            documents_duplicate: 0,
            documents_near_duplicate: 0,
            documents_emptied: 0,
            bytes,
            bytes_removed: removed,
            bytes_duplicate_documents: dup,
            share_removed: (boilerplate + dup) as f64 / bytes as f64,
        }
    }

    #[test]
    fn site_parts_add_up_to_the_site_and_warn_above_max_removed() {
        let row = site("a.example", 1000, 300, 100);
        let parts = site_parts(&row);
        let total: u64 = parts.iter().map(|(_, b)| b).sum();
        assert_eq!(total, 1000);
        assert!(parts.contains(&(Part::Kept, 600)));
        assert!(parts.contains(&(Part::Duplicates, 100)));
        assert!(!site_is_suspicious(&row, 0.6));
        assert!(site_is_suspicious(&site("b.example", 1000, 650, 0), 0.6));
    }

    fn report() -> Report {
        let cfg = Config {
            inputs: vec!["in<put>".into()],
            ..Config::default()
        };
        let outcome = Outcome {
            docs: Vec::new(),
            sites: vec![String::new()],
            issues: Vec::new(),
            counts: Default::default(),
            warnings: vec!["removes <b>too</b> much".into()],
            stopped: false,
            kept_existing: 0,
            skipped: Default::default(),
            measure: Default::default(),
            timings: Default::default(),
            prints: None,
            removal_store: None,
        };
        let mut r = report::overview(&outcome, &cfg);
        r.totals = Totals {
            documents_found: 12_345,
            bytes_read: 10_000,
            ..Totals::default()
        };
        r.sites = vec![
            site("calm.example", 1000, 200, 0),
            site("<loud>.example", 1000, 900, 0),
        ];
        r.boilerplate = vec![CatalogueEntry {
            text: "<img src=x onerror=alert(1)>".into(),
            variants: vec!["Subscribe & save".into()],
            key: "00".into(),
            documents: 40,
            sites: 2,
            blocks_removed: 40,
            bytes_removed: 1_200,
            example: "a/b.txt".into(),
            matched: MatchKind::Exact,
            near_match: None,
        }];
        r.doc_frequency = bins(&[(1, 1, 300), (2, 2, 10), (3, 3, 2), (4, 4, 0), (5, 5, 7)]);
        r
    }

    #[test]
    fn template_variants_name_their_near_match_escaped() {
        let mut r = report();
        r.boilerplate[0].matched = MatchKind::TemplateVariant;
        r.boilerplate[0].near_match = Some(report::NearMatchRow {
            text: "Filed by <b>Kim</b>".into(),
            document: "a/c.txt".into(),
            documents: 12,
        });
        let html = render(&r, &[]);
        assert!(html.contains("template variant of the spelling in 12 documents"));
        assert!(html.contains("Filed by &lt;b&gt;Kim&lt;/b&gt;"));
        assert!(!html.contains("<b>Kim"));
        // A near-match seen once, or already listed, is not repeated.
        r.boilerplate[0].near_match = Some(report::NearMatchRow {
            text: "Filed by Lee".into(),
            document: "a/d.txt".into(),
            documents: 1,
        });
        let html = render(&r, &[]);
        assert!(html.contains("the wording around a changing part recurs"));
        assert!(!html.contains("Filed by Lee"));
    }

    #[test]
    fn near_duplicates_show_similarity_containment_and_why_the_kept_copy() {
        let mut r = report();
        r.near_duplicate_clusters = vec![report::ClusterRow {
            kept: "a/whole.txt".into(),
            size: 2,
            members: vec![report::ClusterMember {
                id: "a/lead.txt".into(),
                similarity: 0.58,
                containment: Some(0.99),
                kept_because: Some(KeptBecause::Fuller),
            }],
        }];
        let html = render(&r, &[]);
        assert!(html.contains("a/<wbr>lead.txt <span class=\"muted\">(0.58, 99%; fuller)</span>"));
        assert!(html.contains("--near-dup-containment 0.8"));
    }

    #[test]
    fn page_has_every_section_and_escapes_all_text() {
        let html = render(&report(), &[]);
        for id in SECTIONS {
            assert!(
                html.contains(&format!("<section id=\"{id}\">")),
                "{id} missing"
            );
        }
        assert!(!html.contains("<img"), "corpus text must not become markup");
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(html.contains("Subscribe &amp; save"));
        assert!(html.contains("removes &lt;b&gt;too&lt;/b&gt; much"));
        assert!(html.contains("in&lt;put&gt;"));
        assert!(!html.contains("<script"));
        assert!(html.contains("default-src 'none'"));
        assert!(html.contains("12,345"), "documents found");
    }

    /// Every setting in the configuration table names its flag, whatever the mode and the
    /// options given: a new setting without a flag fails here.
    #[test]
    fn every_setting_shows_its_flag() {
        let mut cfg = Config {
            inputs: vec!["in".into()],
            output: Some("out".into()),
            index: Some("all.thx".into()),
            mode: crate::config::OutputMode::Annotate("thresh".into()),
            ..Config::default()
        };
        cfg.discover.sites = crate::input::SiteRule::None;
        for c in [Config::default(), cfg] {
            let config = report::ReportConfig::of(&c);
            let rows = crate::output::settings::settings(&config);
            assert!(rows.len() >= 35, "{rows:?}");
            for row in &rows {
                assert!(!row.flag.is_empty(), "no flag for {}", row.path);
            }
            let html = render(&Report { config, ..report() }, &[]);
            assert!(html.contains("<td>--classifier</td>"));
            assert!(html.contains("<td>--keep-comments</td>"));
            assert!(html.contains("<td>--variant-cover</td>"));
        }
    }

    #[test]
    fn totals_show_each_rule_familys_share() {
        let mut r = report();
        r.totals.bytes_decided = 9_000;
        r.totals.share_removed_by_family = [(Family::Counting, 0.65), (Family::Classifier, 0.0)]
            .into_iter()
            .collect();
        let html = render(&r, &[]);
        assert!(
            html.contains(
                "of the 9.0 KB of distinct documents: counting rules <strong>65.0%</strong>."
            ),
            "{html}"
        );
        assert!(
            !html.contains("block classifier <strong>"),
            "a family that removed nothing"
        );
    }

    #[test]
    fn only_the_site_above_max_removed_is_marked() {
        let html = render(&report(), &[]);
        let warn_rows: Vec<&str> = html
            .lines()
            .filter(|l| l.contains("<tr class=\"warn\">"))
            .collect();
        assert_eq!(warn_rows.len(), 1);
        assert!(warn_rows[0].contains("&lt;loud&gt;.example"));
        assert!(warn_rows[0].contains("90.0%"));
    }

    #[test]
    fn histogram_colours_bins_by_the_threshold_and_labels_counts() {
        let svg = histogram_svg(&report().doc_frequency, 3);
        let removed = Part::Removed(ReasonKind::Boilerplate).colour();
        let bars: Vec<&str> = svg.split("<rect").skip(1).collect();
        // Bins 1 and 2 below the line, 3 and 5 at or above; the empty bin 4 draws no bar.
        assert_eq!(bars.len(), 4);
        assert!(bars[0].contains(KEPT_BAR) && bars[0].contains("300 distinct blocks"));
        assert!(bars[1].contains(KEPT_BAR));
        assert!(bars[2].contains(removed) && bars[2].contains("3 documents: 2 distinct"));
        assert!(bars[3].contains(removed) && bars[3].contains("5 documents: 7 distinct"));
        assert!(svg.contains("--min-docs 3"));
        // Taller bars for larger counts (the y axis grows upwards).
        let y = |bar: &str| -> f64 {
            let at = bar.find(" y=\"").map_or(0, |i| i + 4);
            bar[at..]
                .split('"')
                .next()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0)
        };
        // 300 > 10 > 7 > 2 blocks.
        assert!(y(bars[0]) < y(bars[1]) && y(bars[1]) < y(bars[3]) && y(bars[3]) < y(bars[2]));
    }
}
