//! Discovery: INPUT paths → the run's documents, in a fixed order, each with its id and site.
//!
//! Files under each INPUT are listed depth-first with names sorted, so the order (which decides
//! which of two duplicate documents is kept) never depends on the file system. A document's id
//! is its path relative to its INPUT root, with `/` separators; an INPUT that is a file has its
//! file name as id. Hidden entries (name starting with `.`) and symbolic links are skipped unless
//! asked for; JSONL files (`.jsonl`, `.jsonl.gz`, `.jsonl.zst`) are always listed, and pass 1
//! turns each into its records. Unreadable folders and symlink loops become [`Issue`]s and the walk goes on.

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
    let walker = WalkDir::new(root)
        .follow_links(cfg.follow_symlinks)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || cfg.include_hidden || !is_hidden(e.file_name()));
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
            continue;
        }
        let wanted = has_extension(entry.path(), &cfg.extensions)
            || super::jsonl::jsonl_compression(entry.path()).is_some();
        if !entry.file_type().is_file() || !wanted {
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
