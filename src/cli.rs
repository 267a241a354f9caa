//! Command-line flags (clap derive) and their translation into a validated [`thresh::Config`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use thresh::decide::near_dup::{KeepPolicy, NearDupConfig};
use thresh::decide::{
    patterns::read_pattern_file, ClassifierConfig, DecideConfig, Patterns, Strength,
};
use thresh::index::Shard;
use thresh::input::jsonl::Fields;
use thresh::input::{DiscoverConfig, SiteRule};
use thresh::segment::UnitChoice;
use thresh::{Config, Error, GuardConfig, OutputMode};

#[derive(Debug, Parser)]
#[command(
    name = "thresh",
    version,
    about = "Separate the grain from the chaff in scraped text: remove site boilerplate, repeated captions and duplicate documents, keep the content byte for byte.",
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Count blocks across the corpus, decide what is boilerplate, write cleaned copies to OUT.
    ///
    /// Example: thresh clean scraped/ -o clean/ --report report.json --html-report report.html
    Clean(CleanArgs),
    /// Show one document block by block: kept or removed, and why.
    ///
    /// Runs the same counting and decisions as `clean` over the INPUTs (nothing is written),
    /// then prints DOC with every block marked `+` (kept) or `-` (removed); each removed block
    /// is followed by its reason, its counts (documents, sites, share of its site), the flag and
    /// threshold that fired and another document where it occurs. For a duplicate or
    /// near-duplicate document it names the kept copy and the similarity. Give the same options
    /// as the `clean` run to explain that run.
    ///
    /// Example: thresh explain scraped/site/article.txt scraped/ --min-docs 8
    Explain(ExplainArgs),
    /// Save the pass-1 statistics of INPUTs to an index file, to clean later corpora against.
    ///
    /// The index holds every distinct document (by content) with its site and block keys;
    /// `thresh merge` unites indexes and `thresh clean --index` counts them alongside its own
    /// input. With --shard I/N only a deterministic share of the files is read, so N processes
    /// each write one part and `thresh merge` joins them. An index file that exists is complete
    /// (it is written by rename): a rerun skips it unless --overwrite. The reading options
    /// (--unit, --ext, --site-depth, JSONL fields) must be those of the later `clean`; the
    /// boilerplate rules play no part.
    ///
    /// Example: thresh index crawl-2024/ -o 2024.thx --shard 3/8
    Index(IndexArgs),
    /// Unite index files into one: the same file, byte for byte, as indexing all their corpora
    /// at once, in any order.
    ///
    /// Example: thresh merge part-*.thx -o all.thx
    Merge(MergeArgs),
    /// Print a shell completion script to standard output.
    ///
    /// Example (bash): thresh completions bash > ~/.local/share/bash-completion/completions/thresh
    Completions(CompletionsArgs),
    /// Print a man page (roff) to standard output, or the options reference in Markdown.
    ///
    /// Example: thresh man > thresh.1; thresh man clean > thresh-clean.1; man ./thresh.1
    Man(ManArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum UnitArg {
    Auto,
    Line,
    Paragraph,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ClassifierArg {
    /// Counting only.
    Off,
    /// Outside the article, only blocks with chrome cues go.
    Conservative,
    /// Outside the article, everything but prose and the title goes.
    Default,
    /// Lower bars for chrome, higher ones for prose.
    Aggressive,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ModeArg {
    Rewrite,
    Annotate,
    Ids,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KeepArg {
    First,
    Longest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// Colour when standard output is a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}

/// The options that decide what a run reads and removes, shared by `clean` and `explain`.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Folders (or single files) of scraped documents: text files (--ext), and JSONL files
    /// (.jsonl, .jsonl.gz, .jsonl.zst: one document per line). A text document's id is its path
    /// relative to its INPUT; a record's id is its --id-field. '-' reads JSONL from standard
    /// input. Inputs are never modified.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// File extension of documents (without the dot); repeat for several, e.g. --ext txt --ext
    /// text. Compared case-insensitively.
    #[arg(
        long = "ext",
        value_name = "EXT",
        default_values_t = vec!["txt".to_string()],
        help_heading = "Input"
    )]
    pub extensions: Vec<String>,

    /// Also read hidden files and folders (names starting with a dot); by default they are
    /// skipped as editor or sync leftovers.
    #[arg(help_heading = "Input", long)]
    pub hidden: bool,

    /// Follow symbolic links (loops are reported and skipped). By default links are skipped,
    /// since they can point outside the corpus.
    #[arg(help_heading = "Input", long)]
    pub follow_symlinks: bool,

    /// How many folder levels under each INPUT name a document's site, e.g. 1 for
    /// scraped/<site>/<article>.txt. Documents directly under INPUT have no site. Cannot be
    /// combined with --no-sites.
    #[arg(
        help_heading = "Input",
        long,
        value_name = "N",
        default_value_t = 1,
        conflicts_with = "no_sites"
    )]
    pub site_depth: usize,

    /// Ignore folders: no sites, so --min-site-share never applies and only --min-docs decides
    /// boilerplate.
    #[arg(help_heading = "Input", long)]
    pub no_sites: bool,

    /// Block unit: one block per line, blank-line-separated paragraphs, or detected per
    /// document (auto). Force it when a corpus is uniform.
    #[arg(help_heading = "Input", long, value_enum, default_value = "auto")]
    pub unit: UnitArg,

    /// A block found in at least N distinct documents (any sites) is boilerplate. Exact
    /// duplicates and each near-duplicate cluster count once, so a story syndicated N times
    /// keeps its paragraphs. Lower removes more; the HTML report's frequency chart shows where
    /// the line falls. At least 2.
    #[arg(help_heading = "Boilerplate rules", long, value_name = "N", default_value_t = DecideConfig::default().min_docs)]
    pub min_docs: u32,

    /// A block found in at least this share of its site's documents (and in two or more) is
    /// boilerplate, for sites with at least --min-site-docs documents. Off with --no-sites.
    /// In (0, 1], e.g. 0.1.
    #[arg(help_heading = "Boilerplate rules", long, value_name = "SHARE", default_value_t = DecideConfig::default().min_site_share)]
    pub min_site_share: f64,

    /// Smallest site (in distinct documents) for which --min-site-share applies. Raise it when
    /// small sites hold several versions of one story.
    #[arg(help_heading = "Boilerplate rules", long, value_name = "N", default_value_t = DecideConfig::default().min_site_docs)]
    pub min_site_docs: u32,

    /// A block repeated inside one document is removed (first copy kept) only when it has at
    /// least N words, so short repeated cells such as "Yes" stay.
    #[arg(help_heading = "Boilerplate rules", long, value_name = "N", default_value_t = DecideConfig::default().min_repeat_words)]
    pub min_repeat_words: u32,

    /// Remove runs of kept blocks that are all shorter than N words when removed boilerplate
    /// encloses them on both sides (menus, link lists); 0 turns this off. The run must hold at
    /// least --min-enclosed-run blocks; it never empties a document on its own.
    #[arg(help_heading = "Boilerplate rules", long, value_name = "N", default_value_t = DecideConfig::default().max_enclosed_words)]
    pub max_enclosed_words: u32,

    /// Smallest run of short blocks that --max-enclosed-words removes.
    #[arg(help_heading = "Boilerplate rules", long, value_name = "N", default_value_t = DecideConfig::default().min_enclosed_run)]
    pub min_enclosed_run: u32,

    /// A block whose exact text is rare is still boilerplate, as a variant of a template (a
    /// changed count, name or date), when at least this share of its sampled word 3-grams
    /// passes the same thresholds as --min-docs / --min-site-share. 0 turns this off.
    #[arg(help_heading = "Boilerplate rules", long, value_name = "SHARE", default_value_t = DecideConfig::default().variant_cover)]
    pub variant_cover: f64,

    /// For --variant-cover, a shingle counts only when it is at least this many times as
    /// common in its site as in the rest of the corpus: templates are, ordinary phrases
    /// ("one of the") are not.
    #[arg(help_heading = "Boilerplate rules", long, value_name = "RATIO", default_value_t = DecideConfig::default().variant_lift)]
    pub variant_lift: f64,

    /// Inside the article body (between its first and last kept block of --body-words words or
    /// more) a block is removed only on this many times the evidence (--min-docs and
    /// --min-site-share multiplied), unless it sits in one run with a block that has it. The
    /// leading and trailing runs of a document need only the plain thresholds. 1 turns this off.
    #[arg(help_heading = "Boilerplate rules", long, value_name = "FACTOR", default_value_t = DecideConfig::default().body_evidence)]
    pub body_evidence: f64,

    /// A kept block of at least N words is article prose, for --body-evidence.
    #[arg(help_heading = "Boilerplate rules", long, value_name = "N", default_value_t = DecideConfig::default().body_words)]
    pub body_words: u32,

    /// The block classifier, for boilerplate that does not repeat (bylines, datelines, share
    /// lines, headline lists, comments): judges each kept block by its own text (length,
    /// stopwords, sentence punctuation, dates, separators, links, calls to action) and its
    /// neighbours; strict outside the article's main run of prose, careful inside it. It backs
    /// off rather than nearly empty a page.
    #[arg(
        help_heading = "Boilerplate rules",
        long,
        value_enum,
        value_name = "STRENGTH",
        default_value = "default"
    )]
    pub classifier: ClassifierArg,

    /// Keep the comment thread under an article. By default the classifier finds it (a
    /// comments heading such as "37 comments" with commenters' bylines below it, or a chain of
    /// bylines such as "Ann says:" / "Posted by: Ann | May 3, 2012 at 10:11 AM") and removes it
    /// with everything below; --classifier conservative always keeps it.
    #[arg(help_heading = "Boilerplate rules", long)]
    pub keep_comments: bool,

    /// Documents whose article text (what the run keeps of them: chrome, bylines, comment
    /// threads and other pages' headlines left out) has an estimated Jaccard similarity of word
    /// 4-grams at or above this are near-duplicates: one copy is written (see --keep). Lower
    /// finds more edited copies and risks pairing different pages. In (0, 1].
    #[arg(help_heading = "Near-duplicates", long, value_name = "SIMILARITY", default_value_t = NearDupConfig::default().threshold)]
    pub near_dup_threshold: f64,

    /// A document whose article text is at least this share contained in another's is a
    /// partial copy of it (the lead of an article, an excerpt, an older version): the fuller
    /// copy is written. 1 finds only whole copies contained. In (0, 1].
    #[arg(help_heading = "Near-duplicates", long, value_name = "SHARE", default_value_t = NearDupConfig::default().containment)]
    pub near_dup_containment: f64,

    /// Which copy of a near-duplicate cluster is written when the copies hold each other: the
    /// first in path order or the longest. A copy that holds another and more (the whole
    /// article where the other is its lead) is written either way.
    #[arg(
        help_heading = "Near-duplicates",
        long,
        value_enum,
        default_value = "first"
    )]
    pub keep: KeepArg,

    /// Turn near-duplicate detection off (exact duplicates are still removed); about twice as
    /// fast.
    #[arg(help_heading = "Near-duplicates", long)]
    pub no_dedup: bool,

    /// Never remove a block matching this regular expression (matched against the block's
    /// text; repeatable), e.g. --keep-pattern '^Editor.s note'. Wins over --drop-pattern and
    /// over every counting rule.
    #[arg(help_heading = "Patterns", long, value_name = "REGEX")]
    pub keep_pattern: Vec<String>,

    /// Always remove a block matching this regular expression (repeatable), e.g.
    /// --drop-pattern '(?i)^advertisement$'. --keep-pattern wins over it.
    #[arg(help_heading = "Patterns", long, value_name = "REGEX")]
    pub drop_pattern: Vec<String>,

    /// Read keep patterns from FILE, one regular expression per line (# comments); added to
    /// --keep-pattern.
    #[arg(help_heading = "Patterns", long, value_name = "FILE")]
    pub keep_patterns_file: Vec<PathBuf>,

    /// Read drop patterns from FILE, one regular expression per line (# comments); added to
    /// --drop-pattern.
    #[arg(help_heading = "Patterns", long, value_name = "FILE")]
    pub drop_patterns_file: Vec<PathBuf>,

    /// Skip (and report as an error) documents larger than this many bytes, rather than
    /// exhausting memory.
    #[arg(help_heading = "Input", long, value_name = "BYTES", default_value_t = Config::default().max_doc_bytes)]
    pub max_doc_bytes: u64,

    /// JSONL: the field holding the document's text (a dotted path reaches into objects, e.g.
    /// doc.body). Only this string is rewritten; every other byte of the line is kept.
    #[arg(
        help_heading = "JSONL",
        long,
        value_name = "FIELD",
        default_value = "text"
    )]
    pub text_field: String,

    /// JSONL: the field holding the document's id (used in reports and attribute rows; a
    /// record without one is named <file>:<line>).
    #[arg(
        help_heading = "JSONL",
        long,
        value_name = "FIELD",
        default_value = "id"
    )]
    pub id_field: String,

    /// JSONL: the field naming the document's site. By default the host of the `url` or
    /// `metadata.url` field when there is one, else the `source` field.
    #[arg(help_heading = "JSONL", long, value_name = "FIELD")]
    pub site_field: Option<String>,

    /// JSONL: skip (and report, with its line number) lines longer than this many bytes,
    /// rather than holding them in memory.
    #[arg(help_heading = "JSONL", long, value_name = "BYTES", default_value_t = Config::default().max_line_bytes)]
    pub max_line_bytes: u64,

    /// Worker threads; 0 uses every core. The output is the same for any value.
    #[arg(short = 'j', long, value_name = "N", default_value_t = 0)]
    pub threads: usize,
}

#[derive(Debug, Args)]
pub struct CleanArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Output folder: each cleaned document (or JSONL file) goes to the same relative path
    /// under it, a JSONL file with the input's compression. Must not be inside an INPUT nor
    /// contain one. '-' writes cleaned JSONL rows (uncompressed) to standard output. With
    /// --mode annotate, the dolma dataset folder that gets attributes/<name>/; with --mode ids,
    /// a file. Required unless --dry-run.
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,

    /// What to write: rewrite (cleaned text; dropped documents left out), annotate (text
    /// untouched; dolma attribute files OUT/attributes/<name>/<path> with the removed spans
    /// as [start, end, score] in Unicode code points; JSONL inputs only), ids (one JSON line
    /// per dropped document with its reason, to the file OUT).
    #[arg(long, value_enum, default_value = "rewrite")]
    pub mode: ModeArg,

    /// The attribute name of --mode annotate: files go to OUT/attributes/NAME/ and keys are
    /// NAME__NAME__<reason>.
    #[arg(long, value_name = "NAME", default_value = "thresh")]
    pub attribute_name: String,

    /// Write every output again, also where OUT holds files this run writes. Without it such
    /// files are kept (an interrupted run resumes where it stopped: outputs appear only by
    /// rename of a complete file) when the run that wrote them had the same input and
    /// settings, as its record in OUT/.thresh-runs/ says; otherwise the run stops (exit code
    /// 2) and names what differs.
    #[arg(long)]
    pub overwrite: bool,

    /// Write the JSON report (configuration, totals, catalogue, per-site shares, every removed
    /// block) to FILE; '-' writes it to standard output. Not inside an INPUT.
    #[arg(help_heading = "Reports", long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// Write a self-contained HTML report to FILE (open it in any browser; it loads nothing
    /// from the network): totals, a block-frequency chart with the --min-docs line, removal
    /// per site, the boilerplate catalogue, near-duplicate clusters and sample documents with
    /// removed blocks struck through. Not inside an INPUT.
    #[arg(help_heading = "Reports", long, value_name = "FILE")]
    pub html_report: Option<PathBuf>,

    /// Number of boilerplate blocks listed in the catalogue of the JSON and HTML reports.
    #[arg(
        help_heading = "Reports",
        long,
        value_name = "N",
        default_value_t = 100
    )]
    pub catalogue_size: usize,

    /// Run both passes and write the reports, but write no cleaned file; -o is then optional.
    #[arg(long)]
    pub dry_run: bool,

    /// Warn when one rule family (the counting rules, the block classifier, the drop patterns)
    /// removes more than this share of the bytes of distinct documents, naming the rule that
    /// drove it (typical news chrome is 15-40%); the HTML report marks sites above it. Stops
    /// the run with --strict.
    #[arg(help_heading = "Guardrails", long, value_name = "SHARE", default_value_t = GuardConfig::default().max_removed)]
    pub max_removed: f64,

    /// Warn when more than this share of the documents would be emptied. Stops the run with
    /// --strict.
    #[arg(help_heading = "Guardrails", long, value_name = "SHARE", default_value_t = GuardConfig::default().max_emptied)]
    pub max_emptied: f64,

    /// Stop before writing any cleaned file when --max-removed or --max-emptied is exceeded
    /// (exit code 3; the reports are still written).
    #[arg(help_heading = "Guardrails", long)]
    pub strict: bool,

    /// Count the documents of this index (from `thresh index` or `thresh merge`) too: the
    /// input is cleaned against the statistics of earlier corpora. An index document with the
    /// same content as an input document is not counted again (the input's copy counts), so
    /// an input that is itself part of the index is cleaned as without it.
    #[arg(help_heading = "Index", long, value_name = "FILE")]
    pub index: Option<PathBuf>,

    /// Write the --index file back (atomically) with the input's documents added.
    #[arg(help_heading = "Index", long, requires = "index")]
    pub update_index: bool,

    /// Bound the memory of what can spill to disk, e.g. 512M, 4G (suffixes K, M, G, T: powers
    /// of 1024; plain bytes otherwise). Each document's fingerprint (blocks, shingle samples,
    /// classifier features) then goes to a temporary file in pass 1 and is read back when
    /// needed, and the counting tables spill sorted runs that a k-way merge joins: the output
    /// is the same byte for byte, for no more CPU time. What does not spill must still fit:
    /// about 2 KB per document of a typical news corpus (its name, fate and removals, and its
    /// near-duplicate signature while those are found) and the keys seen in two or more
    /// documents. Default: no limit, nothing spilled.
    #[arg(help_heading = "Resources", long, value_name = "SIZE", value_parser = parse_size)]
    pub memory_limit: Option<u64>,

    /// Folder for the temporary spill files of --memory-limit (a hidden .thresh-spill-*
    /// folder, removed at the end, on error and on Ctrl-C). Default: the folder holding OUT;
    /// with -o - or --dry-run, the system's temporary folder (TMPDIR).
    #[arg(
        help_heading = "Resources",
        long,
        value_name = "DIR",
        requires = "memory_limit"
    )]
    pub tmp_dir: Option<PathBuf>,

    /// Print only errors and warnings about inputs: no progress bars, no summary.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Add per-stage timings and counting-table sizes to the summary.
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The document to explain: its path, or its id (path relative to its INPUT, e.g.
    /// site/article.txt). It must be one of the documents found under the INPUTs.
    #[arg(value_name = "DOC")]
    pub doc: String,

    #[command(flatten)]
    pub input: InputArgs,

    /// Print the explanation as one JSON object (schema thresh-explain, version 1) instead of
    /// text.
    #[arg(long)]
    pub json: bool,

    /// Colour the text: removed blocks red and struck through, reasons yellow. auto colours
    /// only on a terminal and never when the NO_COLOR environment variable is set.
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    pub color: ColorArg,

    /// Count the documents of this index too, as `clean --index` does.
    #[arg(long, value_name = "FILE")]
    pub index: Option<PathBuf>,

    /// No progress bars on standard error.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct IndexArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// The index file to write.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,

    /// Read only share I of N of the files (1 <= I <= N), chosen by a hash of each file's path
    /// relative to its INPUT: the N shards of one corpus never overlap and together hold every
    /// file.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,

    /// Write the index even if the file exists (a finished index is otherwise skipped).
    #[arg(long)]
    pub overwrite: bool,

    /// Print only errors and warnings about inputs.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Index files to unite.
    #[arg(required = true, value_name = "INDEX")]
    pub inputs: Vec<PathBuf>,

    /// The merged index to write (it may be one of the INDEX files).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// A subcommand (clean, explain, index, merge, completions, man) for its own page; without it, the page
    /// of thresh itself.
    #[arg(value_name = "COMMAND", conflicts_with = "markdown")]
    pub command: Option<String>,

    /// Print the options reference of every command in Markdown instead (the repository's
    /// docs/options.md is this output).
    #[arg(long)]
    pub markdown: bool,
}

impl InputArgs {
    /// The settings shared by every command: what to read and how to decide.
    pub fn to_config(&self) -> Result<Config, Error> {
        let keep = patterns_from(
            &self.keep_pattern,
            "--keep-pattern",
            &self.keep_patterns_file,
        )?;
        let drop = patterns_from(
            &self.drop_pattern,
            "--drop-pattern",
            &self.drop_patterns_file,
        )?;
        let extensions = self
            .extensions
            .iter()
            .map(|e| e.trim_start_matches('.').to_string())
            .collect();
        Ok(Config {
            inputs: self.inputs.clone(),
            discover: DiscoverConfig {
                extensions,
                include_hidden: self.hidden,
                follow_symlinks: self.follow_symlinks,
                sites: if self.no_sites {
                    SiteRule::None
                } else {
                    SiteRule::Depth(self.site_depth)
                },
            },
            unit: match self.unit {
                UnitArg::Auto => UnitChoice::Auto,
                UnitArg::Line => UnitChoice::Line,
                UnitArg::Paragraph => UnitChoice::Paragraph,
            },
            decide: DecideConfig {
                min_docs: self.min_docs,
                min_site_share: self.min_site_share,
                min_site_docs: self.min_site_docs,
                min_repeat_words: self.min_repeat_words,
                use_sites: !self.no_sites,
                max_enclosed_words: self.max_enclosed_words,
                min_enclosed_run: self.min_enclosed_run,
                variant_cover: self.variant_cover,
                variant_lift: self.variant_lift,
                body_evidence: self.body_evidence,
                body_words: self.body_words,
                classifier: ClassifierConfig {
                    strength: match self.classifier {
                        ClassifierArg::Off => Strength::Off,
                        ClassifierArg::Conservative => Strength::Conservative,
                        ClassifierArg::Default => Strength::Default,
                        ClassifierArg::Aggressive => Strength::Aggressive,
                    },
                    keep_comments: self.keep_comments,
                },
            },
            patterns: Patterns::new(keep, drop)?,
            near_dup: NearDupConfig {
                enabled: !self.no_dedup,
                threshold: self.near_dup_threshold,
                containment: self.near_dup_containment,
                keep: match self.keep {
                    KeepArg::First => KeepPolicy::First,
                    KeepArg::Longest => KeepPolicy::Longest,
                },
            },
            max_doc_bytes: self.max_doc_bytes,
            threads: self.threads,
            jsonl: Fields {
                text: self.text_field.clone(),
                id: self.id_field.clone(),
                site: self.site_field.clone(),
            },
            max_line_bytes: self.max_line_bytes,
            ..Config::default()
        })
    }
}

impl CleanArgs {
    /// Translate flags into a configuration (validated by the pipeline).
    pub fn to_config(&self) -> Result<Config, Error> {
        Ok(Config {
            output: self.output.clone(),
            guard: GuardConfig {
                max_removed: self.max_removed,
                max_emptied: self.max_emptied,
                strict: self.strict,
            },
            dry_run: self.dry_run,
            report: self.report.clone(),
            html_report: self.html_report.clone(),
            catalogue_size: self.catalogue_size,
            mode: match self.mode {
                ModeArg::Rewrite => OutputMode::Rewrite,
                ModeArg::Annotate => OutputMode::Annotate(self.attribute_name.clone()),
                ModeArg::Ids => OutputMode::Ids,
            },
            overwrite: self.overwrite,
            index: self.index.clone(),
            update_index: self.update_index,
            memory_limit: self.memory_limit,
            tmp_dir: self.tmp_dir.clone(),
            ..self.input.to_config()?
        })
    }
}

/// A size in bytes: a number with an optional K, M, G or T suffix (powers of 1024; a trailing
/// B or iB is accepted, so 512M, 512MB and 512MiB are one size).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let t = t
        .strip_suffix("iB")
        .or_else(|| t.strip_suffix('B'))
        .unwrap_or(t);
    let (digits, shift) = match t.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&t[..t.len() - 1], 10),
        Some('M') => (&t[..t.len() - 1], 20),
        Some('G') => (&t[..t.len() - 1], 30),
        Some('T') => (&t[..t.len() - 1], 40),
        _ => (t, 0),
    };
    let n: u64 = digits
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a size such as 512M or 4G"))?;
    n.checked_mul(1 << shift)
        .filter(|&bytes| bytes > 0)
        .ok_or_else(|| format!("{text:?} is not a size between 1 byte and 16 EiB"))
}

impl ExplainArgs {
    /// A dry run with the same decisions as `clean`; nothing is written.
    pub fn to_config(&self) -> Result<Config, Error> {
        Ok(Config {
            dry_run: true,
            index: self.index.clone(),
            ..self.input.to_config()?
        })
    }
}

impl IndexArgs {
    /// Reading options only; the output is the index file.
    pub fn to_config(&self) -> Result<Config, Error> {
        let cfg = Config {
            dry_run: true,
            ..self.input.to_config()?
        };
        cfg.validate()?;
        Ok(cfg)
    }
}

/// Patterns given on the command line followed by those read from files, each with its origin.
fn patterns_from(
    flags: &[String],
    flag_name: &str,
    files: &[PathBuf],
) -> Result<Vec<(String, String)>, Error> {
    let mut out: Vec<(String, String)> = flags
        .iter()
        .map(|p| (p.clone(), flag_name.to_string()))
        .collect();
    for file in files {
        out.extend(read_pattern_file(file)?);
    }
    Ok(out)
}
