//! Discovery: INPUT paths → the run's documents, in a fixed order, each with its id and site.
//!
//! Files under each INPUT are listed depth-first with names sorted, so the order (which decides
//! which of two duplicate documents is kept) never depends on the file system. A document's id
//! is its path relative to its INPUT root, with `/` separators; an INPUT that is a file has its
//! file name as id. Hidden entries (name starting with `.`) and symbolic links are skipped unless
//! asked for; JSONL files (`.jsonl`, `.jsonl.gz`, `.jsonl.zst`) are always listed, and pass 1
//! turns each into its records. Unreadable folders and symlink loops become [`Issue`]s and the walk goes on.
//! What the walk passes over (hidden entries, links, FIFOs and sockets, files with other
//! extensions) is counted in [`Skipped`], so a run that finds nothing can say why.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use walkdir::WalkDir;

use crate::error::{Error, Issue, IssueKind};

/// How a document's site is derived from its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "mode", content = "depth")]
pub enum SiteRule {
    /// The first `n` folders under the INPUT root name the site; documents with fewer folders
    /// above them have no site.
    Depth(usize),
    /// No sites: every document stands alone.
    None,
}

/// Which files are documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscoverConfig {
    /// File name extensions, without the dot, compared case-insensitively.
    pub extensions: Vec<String>,
    pub include_hidden: bool,
    pub follow_symlinks: bool,
    pub sites: SiteRule,
}

impl Default for DiscoverConfig {
    fn default() -> Self {
        DiscoverConfig {
            extensions: vec!["txt".into()],
            include_hidden: false,
            follow_symlinks: false,
            sites: SiteRule::Depth(1),
        }
    }
}

/// One input document: where to read it, its path under the output folder, its id and site.
///
/// Compact, because a run keeps one per document until its end: the path is stored once and
/// shared by the records of a JSONL file, the relative path is its tail, the id is stored only
/// when it is not the relative path's text, and the site name is shared by the documents of a
/// site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceDoc {
    path: Arc<Path>,
    /// Components of `path` before the relative path.
    rel_from: u32,
    /// The relative path, when it is not `path`'s tail.
    rel: Option<Box<Path>>,
    /// The id, when it is not the relative path's text.
    id: Option<Box<str>>,
    site: Arc<str>,
    /// For a record of a JSONL file: its 1-based line number. `None` for a whole-file document.
    pub line: Option<u64>,
}

impl Default for SourceDoc {
    fn default() -> Self {
        SourceDoc::new(
            PathBuf::new(),
            Path::new(""),
            String::new(),
            Arc::from(""),
            None,
        )
    }
}

impl SourceDoc {
    /// A document read from `path`, written to `rel` under the output folder.
    pub fn new(
        path: impl Into<Arc<Path>>,
        rel: &Path,
        id: String,
        site: Arc<str>,
        line: Option<u64>,
    ) -> SourceDoc {
        let path: Arc<Path> = path.into();
        let skip = path.iter().count().saturating_sub(rel.iter().count());
        let mut tail = path.iter();
        for _ in 0..skip {
            tail.next();
        }
        let is_tail = tail.as_path() == rel && tail.as_path().as_os_str() == rel.as_os_str();
        let rel_text = rel.to_str().filter(|_| is_tail);
        SourceDoc {
            rel_from: skip as u32,
            rel: (!is_tail).then(|| rel.into()),
            id: (rel_text != Some(id.as_str()) || !is_tail).then(|| id.into_boxed_str()),
            site,
            line,
            path,
        }
    }

    /// The same file, another record of it (shares the path).
    pub fn record(&self, id: String, site: Arc<str>, line: u64) -> SourceDoc {
        let mut doc = SourceDoc::new(self.path.clone(), self.rel(), id, site, Some(line));
        doc.rel_from = self.rel_from;
        doc
    }

    /// Where to read it.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Path relative to its INPUT root; also its path under the output folder.
    pub fn rel(&self) -> &Path {
        if let Some(rel) = &self.rel {
            return rel;
        }
        let mut tail = self.path.iter();
        for _ in 0..self.rel_from {
            tail.next();
        }
        tail.as_path()
    }

    /// `rel` as text with `/` separators (lossy for names that are not UTF-8); for a JSONL
    /// record, its id field or `<file id>:<line>`.
    pub fn id(&self) -> &str {
        match &self.id {
            Some(id) => id,
            // Stored only when the relative path is UTF-8 text equal to the id.
            None => self.rel().to_str().unwrap_or_default(),
        }
    }

    /// Site name; empty when the document has none.
    pub fn site(&self) -> &str {
        &self.site
    }

    /// The site name, shared.
    pub fn site_shared(&self) -> &Arc<str> {
        &self.site
    }

    /// True for a record of a JSONL file (several documents share the file).
    pub fn is_record(&self) -> bool {
        self.line.is_some()
    }
}

/// The documents found and the entries that could not be listed.
#[derive(Debug, Default)]
pub struct Discovery {
    pub docs: Vec<SourceDoc>,
    pub issues: Vec<Issue>,
    /// What the walk passed over.
    pub skipped: Skipped,
}

/// Entries the walk passed over on purpose, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// Hidden files and folders (a folder counts once), without `--hidden`.
    pub hidden: u64,
    /// Symbolic links, without `--follow-symlinks`.
    pub symlinks: u64,
    /// FIFOs, sockets and device files: not documents, and reading one can block.
    pub special: u64,
    /// Regular files whose extension is not an `--ext` (nor JSONL), by lower-cased extension
    /// (`""` for none).
    pub other_extensions: BTreeMap<String, u64>,
}

impl Skipped {
    /// Files with other extensions, all told.
    pub fn other_files(&self) -> u64 {
        self.other_extensions.values().sum()
    }

    /// True when nothing was passed over.
    pub fn is_empty(&self) -> bool {
        self.hidden == 0 && self.symlinks == 0 && self.special == 0 && self.other_files() == 0
    }

    /// The kinds passed over, for a person: `2 symbolic links (--follow-symlinks reads them),
    /// 1 FIFO or socket`. `with_extensions` adds the other files with their most common
    /// extensions (and the `--ext` that would read them).
    pub fn describe(&self, with_extensions: bool) -> String {
        let mut parts: Vec<String> = Vec::new();
        let plural =
            |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        if with_extensions && self.other_files() > 0 {
            let mut by_count: Vec<(&String, &u64)> = self.other_extensions.iter().collect();
            by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let mut listed = String::new();
            for (i, (ext, n)) in by_count.iter().take(4).enumerate() {
                if i > 0 {
                    listed.push_str(", ");
                }
                match ext.as_str() {
                    "" => {
                        let _ = write!(listed, "{n} without an extension");
                    }
                    e => {
                        let _ = write!(listed, "{n} .{e}");
                    }
                }
            }
            if by_count.len() > 4 {
                listed.push_str(", …");
            }
            let hint = by_count
                .iter()
                .find(|(e, _)| !e.is_empty())
                .map(|(e, _)| format!("; --ext {e} reads them"))
                .unwrap_or_default();
            parts.push(format!(
                "{} with other extensions ({listed}{hint})",
                plural(self.other_files(), "file", "files")
            ));
        }
        if self.hidden > 0 {
            parts.push(format!(
                "{} (--hidden reads them)",
                plural(
                    self.hidden,
                    "hidden file or folder",
                    "hidden files or folders"
                )
            ));
        }
        if self.symlinks > 0 {
            parts.push(format!(
                "{} (--follow-symlinks reads them)",
                plural(self.symlinks, "symbolic link", "symbolic links")
            ));
        }
        if self.special > 0 {
            parts.push(format!(
                "{} (never read)",
                plural(
                    self.special,
                    "FIFO, socket or device file",
                    "FIFOs, sockets or device files"
                )
            ));
        }
        parts.join(", ")
    }
}

/// What a run looks for, in words: `files ending in .txt, and JSONL files (.jsonl, .jsonl.gz,
/// .jsonl.zst)`.
pub fn looked_for(cfg: &DiscoverConfig) -> String {
    let exts: Vec<String> = cfg.extensions.iter().map(|e| format!(".{e}")).collect();
    format!(
        "files ending in {}, and JSONL files (.jsonl, .jsonl.gz, .jsonl.zst)",
        exts.join(" or ")
    )
}

/// The error of a discovery that found no document: what was looked for, and what was passed
/// over.
pub fn nothing_found(inputs: &[PathBuf], cfg: &DiscoverConfig, skipped: &Skipped) -> Error {
    let names: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
    let mut detail = format!("looked for {}", looked_for(cfg));
    if !cfg.include_hidden {
        detail.push_str(", hidden files and folders left out");
    }
    if !cfg.follow_symlinks {
        detail.push_str(", symbolic links left out");
    }
    if skipped.is_empty() {
        detail.push_str("; the inputs hold no files");
    } else {
        let _ = write!(detail, "; skipped {}", skipped.describe(true));
    }
    Error::NoDocuments {
        inputs: names.join(", "),
        detail,
    }
}

/// List the documents under every input.
pub fn discover(inputs: &[PathBuf], cfg: &DiscoverConfig) -> Result<Discovery, Error> {
    let mut out = Discovery::default();
    for input in inputs {
        let meta = std::fs::metadata(input).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                Error::MissingInput(input.clone())
            } else {
                Error::Read {
                    path: input.clone(),
                    source,
                }
            }
        })?;
        if meta.is_file() {
            let name = input.file_name().map(PathBuf::from).unwrap_or_default();
            out.docs.push(SourceDoc::new(
                input.clone(),
                &name,
                id_of(&name),
                Arc::from(""),
                None,
            ));
            continue;
        }
        walk(input, cfg, &mut out);
    }
    // The list lives through pass 1: without the slack of its last doubling.
    out.docs.shrink_to_fit();
    Ok(out)
}

fn walk(root: &Path, cfg: &DiscoverConfig, out: &mut Discovery) {
    let mut hidden = 0u64;
    let walker = WalkDir::new(root)
        .follow_links(cfg.follow_symlinks)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let shown = e.depth() == 0 || cfg.include_hidden || !is_hidden(e.file_name());
            hidden += u64::from(!shown);
            shown
        });
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                let path = err
                    .path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| root.display().to_string());
                let message = if err.loop_ancestor().is_some() {
                    "symbolic link loop; skipped".to_string()
                } else {
                    match err.io_error() {
                        Some(io) => format!("cannot list: {io}"),
                        None => format!("cannot list: {err}"),
                    }
                };
                out.issues.push(Issue {
                    path,
                    line: None,
                    kind: IssueKind::Unreadable,
                    message,
                });
                continue;
            }
        };
        if entry.path_is_symlink() && !cfg.follow_symlinks {
            out.skipped.symlinks += 1;
            continue;
        }
        let kind = entry.file_type();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            // A FIFO, socket or device: opening one can block, and none holds a document.
            out.skipped.special += 1;
            continue;
        }
        let wanted = has_extension(entry.path(), &cfg.extensions)
            || super::jsonl::jsonl_compression(entry.path()).is_some();
        if !wanted {
            *out.skipped
                .other_extensions
                .entry(extension_of(entry.file_name()))
                .or_default() += 1;
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(root)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| PathBuf::from(entry.file_name()));
        let site = site_of(&rel, cfg.sites);
        // Names are sorted, so the documents of a site follow one another: one name each.
        let site = match out.docs.last() {
            Some(last) if last.site() == site => last.site_shared().clone(),
            _ => Arc::from(site),
        };
        out.docs
            .push(SourceDoc::new(entry.path(), &rel, id_of(&rel), site, None));
    }
    out.skipped.hidden += hidden;
}

/// A file name's extension, lower-cased, for the count of skipped files (`""` for none).
fn extension_of(name: &std::ffi::OsStr) -> String {
    let name = name.to_string_lossy();
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !ext.is_empty() && ext.len() <= 16 => {
            ext.to_ascii_lowercase()
        }
        _ => String::new(),
    }
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

fn has_extension(path: &Path, extensions: &[String]) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    extensions.iter().any(|ext| {
        name.len() > ext.len() + 1
            && name.is_char_boundary(name.len() - ext.len() - 1)
            && name[name.len() - ext.len() - 1..].eq_ignore_ascii_case(&format!(".{ext}"))
    })
}

fn id_of(rel: &Path) -> String {
    rel.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn site_of(rel: &Path, rule: SiteRule) -> String {
    let SiteRule::Depth(depth) = rule else {
        return String::new();
    };
    let folders: Vec<_> = rel
        .parent()
        .map(|p| p.components().collect())
        .unwrap_or_default();
    if depth == 0 || folders.len() < depth {
        return String::new();
    }
    id_of(&folders[..depth].iter().collect::<PathBuf>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_match_case_insensitively_and_multi_part() {
        let exts = vec!["txt".to_string(), "jsonl.gz".to_string()];
        assert!(has_extension(Path::new("a/b.TXT"), &exts));
        assert!(has_extension(Path::new("a/b.jsonl.gz"), &exts));
        assert!(!has_extension(Path::new("a/b.gz"), &exts));
        assert!(!has_extension(Path::new("a/.txt"), &exts));
        assert!(!has_extension(Path::new("a/btxt"), &exts));
    }

    #[test]
    fn a_source_keeps_its_names_compactly() {
        let site: Arc<str> = Arc::from("example.com");
        let doc = SourceDoc::new(
            PathBuf::from("/data/in/example.com/2024/a.txt"),
            Path::new("example.com/2024/a.txt"),
            "example.com/2024/a.txt".into(),
            site.clone(),
            None,
        );
        assert_eq!(doc.path(), Path::new("/data/in/example.com/2024/a.txt"));
        assert_eq!(doc.rel(), Path::new("example.com/2024/a.txt"));
        assert_eq!(doc.id(), "example.com/2024/a.txt");
        assert_eq!(doc.site(), "example.com");
        assert!(
            doc.rel.is_none() && doc.id.is_none(),
            "derived from the path"
        );
        assert!(Arc::ptr_eq(doc.site_shared(), &site));
        // A record: its own id, the file's path and relative path, shared.
        let record = doc.record("row-7".into(), Arc::from("other.org"), 7);
        assert_eq!(record.id(), "row-7");
        assert_eq!(record.rel(), doc.rel());
        assert_eq!(record.site(), "other.org");
        assert_eq!(record.line, Some(7));
        assert!(Arc::ptr_eq(&record.path, &doc.path));
        // A relative path that is not the path's tail is kept as given.
        let odd = SourceDoc::new(
            PathBuf::from("in/a.txt"),
            Path::new("b.txt"),
            "b.txt".into(),
            Arc::from(""),
            None,
        );
        assert_eq!(
            (odd.path(), odd.rel(), odd.id()),
            (Path::new("in/a.txt"), Path::new("b.txt"), "b.txt")
        );
    }

    #[cfg(unix)]
    #[test]
    fn links_fifos_sockets_hidden_and_other_files_are_counted_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("a.txt"), b"text").unwrap();
        std::fs::write(root.join("notes.md"), b"md").unwrap();
        std::fs::write(root.join("more.MD"), b"md").unwrap();
        std::fs::write(root.join("README"), b"none").unwrap();
        std::fs::write(root.join(".hidden.txt"), b"h").unwrap();
        std::fs::create_dir(root.join(".git")).unwrap();
        std::fs::write(root.join(".git/x.txt"), b"h").unwrap();
        std::os::unix::fs::symlink(root.join("a.txt"), root.join("link.txt")).unwrap();
        let fifo = std::ffi::CString::new(root.join("pipe.txt").to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        let _socket = std::os::unix::net::UnixListener::bind(root.join("sock.txt")).unwrap();
        let found = discover(&[root.to_path_buf()], &DiscoverConfig::default()).unwrap();
        let ids: Vec<&str> = found.docs.iter().map(SourceDoc::id).collect();
        assert_eq!(ids, ["a.txt"]);
        assert_eq!(found.skipped.hidden, 2, "a hidden file and a hidden folder");
        assert_eq!(found.skipped.symlinks, 1);
        assert_eq!(found.skipped.special, 2, "the FIFO and the socket");
        assert_eq!(found.skipped.other_extensions.get("md"), Some(&2));
        assert_eq!(found.skipped.other_extensions.get(""), Some(&1));
        let said = found.skipped.describe(true);
        assert!(said.contains("3 files with other extensions (2 .md, 1 without an extension; --ext md reads them)"), "{said}");
        assert!(
            said.contains("1 symbolic link (--follow-symlinks reads them)"),
            "{said}"
        );
        assert!(said.contains("2 FIFOs, sockets or device files"), "{said}");
    }

    #[test]
    fn finding_nothing_says_what_was_looked_for_and_what_was_skipped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.md"), b"md").unwrap();
        let cfg = DiscoverConfig::default();
        let found = discover(&[dir.path().to_path_buf()], &cfg).unwrap();
        assert!(found.docs.is_empty());
        let message = nothing_found(&[dir.path().to_path_buf()], &cfg, &found.skipped).to_string();
        assert!(message.starts_with("no documents found in "), "{message}");
        assert!(
            message.contains("files ending in .txt, and JSONL files"),
            "{message}"
        );
        assert!(
            message.contains("hidden files and folders left out, symbolic links left out"),
            "{message}"
        );
        assert!(
            message.contains("1 file with other extensions (1 .md; --ext md reads them)"),
            "{message}"
        );
        let empty = tempfile::tempdir().unwrap();
        let message =
            nothing_found(&[empty.path().to_path_buf()], &cfg, &Skipped::default()).to_string();
        assert!(message.ends_with("the inputs hold no files"), "{message}");
    }

    #[test]
    fn site_is_first_folders_under_root() {
        assert_eq!(
            site_of(Path::new("example.com/2024/a.txt"), SiteRule::Depth(1)),
            "example.com"
        );
        assert_eq!(
            site_of(Path::new("example.com/2024/a.txt"), SiteRule::Depth(2)),
            "example.com/2024"
        );
        assert_eq!(
            site_of(Path::new("example.com/a.txt"), SiteRule::Depth(2)),
            ""
        );
        assert_eq!(site_of(Path::new("a.txt"), SiteRule::Depth(1)), "");
        assert_eq!(site_of(Path::new("x/a.txt"), SiteRule::None), "");
    }
}
