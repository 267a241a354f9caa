//! JSONL documents in the dolma / datatrove convention: one JSON object per line with `id`,
//! `text`, `source` and any other fields; plain, gzip (`.jsonl.gz`, multi-member) or zstd
//! (`.jsonl.zst`), told apart by the file name.
//!
//! A line is never turned into a generic JSON value: [`parse_record`] finds the byte span of
//! the text field's string inside the original line, so [`splice_text`] can replace just that
//! string and every other byte of the line (key order, number spelling, escapes) comes back as
//! it was. The text is unescaped, and a cleaned text escaped, in one pass each
//! ([`unescape_string`], [`push_json_string`]); later passes read it again at its span
//! ([`string_at`]). Lines are read with a length limit ([`LineReader`](super::lines::LineReader)) so one
//! enormous line is reported and skipped rather than exhausting memory.

use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::ops::Range;
use std::path::Path;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::lines::READ_CHUNK;

/// How a JSONL file is compressed, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// The JSONL flavour of a file name (case-insensitive), or `None` for other files.
pub fn jsonl_compression(path: &Path) -> Option<Compression> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".jsonl") {
        Some(Compression::None)
    } else if name.ends_with(".jsonl.gz") {
        Some(Compression::Gzip)
    } else if name.ends_with(".jsonl.zst") {
        Some(Compression::Zstd)
    } else {
        None
    }
}

/// Open a JSONL file for reading, decompressing as its name says.
pub fn open(path: &Path, compression: Compression) -> io::Result<Box<dyn BufRead + Send>> {
    let file = File::open(path)?;
    let buffered = BufReader::with_capacity(READ_CHUNK, file);
    Ok(match compression {
        Compression::None => Box::new(buffered),
        // Multi-member: files concatenated with `cat a.gz b.gz` are one stream of lines.
        Compression::Gzip => Box::new(BufReader::with_capacity(
            READ_CHUNK,
            flate2::bufread::MultiGzDecoder::new(buffered),
        )),
        Compression::Zstd => Box::new(BufReader::with_capacity(
            READ_CHUNK,
            zstd::stream::read::Decoder::with_buffer(buffered)?,
        )),
    })
}

/// Wrap `out` in the encoder for `compression`; [`finish_encoder`] must be called at the end.
pub fn encoder<'a, W: Write + 'a>(out: W, compression: Compression) -> io::Result<Encoder<'a, W>> {
    Ok(match compression {
        Compression::None => Encoder::Plain(out),
        // The gzip header's time stays 0, so the same input gives the same bytes.
        Compression::Gzip => Encoder::Gzip(flate2::write::GzEncoder::new(
            out,
            flate2::Compression::fast(),
        )),
        Compression::Zstd => Encoder::Zstd(zstd::stream::write::Encoder::new(out, 1)?),
    })
}

/// A writer that compresses (or not) what goes through it.
pub enum Encoder<'a, W: Write> {
    Plain(W),
    Gzip(flate2::write::GzEncoder<W>),
    Zstd(zstd::stream::write::Encoder<'a, W>),
}

impl<W: Write> Write for Encoder<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Encoder::Plain(w) => w.write(buf),
            Encoder::Gzip(w) => w.write(buf),
            Encoder::Zstd(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Encoder::Plain(w) => w.flush(),
            Encoder::Gzip(w) => w.flush(),
            Encoder::Zstd(w) => w.flush(),
        }
    }
}

/// Write the compressed stream's trailer.
pub fn finish_encoder<W: Write>(encoder: Encoder<'_, W>) -> io::Result<W> {
    match encoder {
        Encoder::Plain(w) => Ok(w),
        Encoder::Gzip(w) => w.finish(),
        Encoder::Zstd(w) => w.finish(),
    }
}

/// Which fields of a record matter. Each is a top-level key or a dotted path into nested
/// objects (`metadata.url`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Fields {
    pub text: String,
    pub id: String,
    /// Site field; `None`: the host of `url` or `metadata.url`, else `source`.
    pub site: Option<String>,
}

impl Default for Fields {
    fn default() -> Self {
        Fields {
            text: "text".into(),
            id: "id".into(),
            site: None,
        }
    }
}

/// A parsed record: the text (unescaped) and where its JSON string lies in the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub text: String,
    /// Byte range of the text field's JSON string (quotes included) in the line.
    pub text_span: Range<usize>,
    /// The id as text (a number id is kept as written); `None` when the field is missing.
    pub id: Option<String>,
    pub site: String,
}

/// Why a line is not a usable record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordError {
    Malformed(String),
    MissingText(String),
    TextNotString(String),
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordError::Malformed(e) => write!(f, "not a JSON object: {e}"),
            RecordError::MissingText(field) => write!(f, "no {field:?} field"),
            RecordError::TextNotString(field) => write!(f, "the {field:?} field is not a string"),
        }
    }
}

/// Parse one line (terminator allowed) into a [`Record`].
pub fn parse_record(line: &[u8], fields: &Fields) -> Result<Record, RecordError> {
    let text = simdutf8::compat::from_utf8(line).map_err(|e| {
        RecordError::Malformed(format!("invalid UTF-8 at byte {}", e.valid_up_to()))
    })?;
    let object = parse_object(text).map_err(|e| RecordError::Malformed(e.to_string()))?;
    let raw_text = lookup(&object, &fields.text)
        .map_err(RecordError::Malformed)?
        .ok_or_else(|| RecordError::MissingText(fields.text.clone()))?;
    let doc_text = unescape_string(raw_text.get())
        .ok_or_else(|| RecordError::TextNotString(fields.text.clone()))?;
    let start = raw_text.get().as_ptr() as usize - text.as_ptr() as usize;
    let text_span = start..start + raw_text.get().len();
    let id = lookup(&object, &fields.id)
        .map_err(RecordError::Malformed)?
        .and_then(scalar_text);
    let site = match &fields.site {
        Some(field) => lookup(&object, field)
            .map_err(RecordError::Malformed)?
            .and_then(scalar_text)
            .unwrap_or_default(),
        None => default_site(&object).map_err(RecordError::Malformed)?,
    };
    Ok(Record {
        text: doc_text,
        text_span,
        id,
        site,
    })
}

/// The line with the text field's string replaced by `new_text` (UTF-8), every other byte
/// unchanged.
pub fn splice_text(line: &[u8], span: &Range<usize>, new_text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len());
    out.extend_from_slice(&line[..span.start]);
    push_json_string(&mut out, new_text);
    out.extend_from_slice(&line[span.end..]);
    out
}

/// The value of the JSON string literal at `span` in `line`: a record's text read again where
/// pass 1 found it, without parsing the line. `None` when the bytes there do not read as one
/// (not UTF-8, not quoted, a bad escape); a text that changed otherwise is caught by the
/// caller's hash check.
pub fn string_at(line: &[u8], span: Range<usize>) -> Option<String> {
    let raw = simdutf8::basic::from_utf8(line.get(span)?).ok()?;
    unescape_string(raw)
}

/// The value of a JSON string literal (quotes included) as `serde_json` reads it into a
/// `String`; `None` when `raw` is not a string literal or holds an invalid escape (such as a
/// lone surrogate). `raw` comes from the parser, so it has no raw control characters.
///
/// A record's text is most of its line, so it is unescaped here in one pass: the runs between
/// backslashes are copied whole into a string allocated once at its final size, where the
/// generic deserializer grows a scratch buffer and copies it.
pub fn unescape_string(raw: &str) -> Option<String> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    let bytes = inner.as_bytes();
    let mut out = String::with_capacity(inner.len());
    let mut at = 0;
    while let Some(run) = memchr::memchr(b'\\', &bytes[at..]) {
        // A backslash is ASCII, so `at + run` is a character boundary.
        out.push_str(&inner[at..at + run]);
        at += run + 1;
        let escape = *bytes.get(at)?;
        at += 1;
        let c = match escape {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = hex4(bytes.get(at..at + 4)?)?;
                at += 4;
                if (0xD800..=0xDBFF).contains(&unit) {
                    // A leading surrogate needs its trailing half, escaped right after it.
                    let low = match bytes.get(at..at + 6)? {
                        [b'\\', b'u', hex @ ..] => hex4(hex)?,
                        _ => return None,
                    };
                    if !(0xDC00..=0xDFFF).contains(&low) {
                        return None;
                    }
                    at += 6;
                    char::from_u32(0x1_0000 + ((unit - 0xD800) << 10) + (low - 0xDC00))?
                } else {
                    // A lone trailing surrogate is no char.
                    char::from_u32(unit)?
                }
            }
            _ => return None,
        };
        out.push(c);
    }
    out.push_str(&inner[at..]);
    Some(out)
}

/// The value of four hex digits.
fn hex4(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |value, &d| {
        let digit = char::from(d).to_digit(16)?;
        Some(value << 4 | digit)
    })
}

/// Append `text` (UTF-8) as a JSON string literal, escaped exactly as `serde_json` escapes a
/// string: `"`, `\` and the control characters, in the short form where JSON has one.
pub fn push_json_string(out: &mut Vec<u8>, text: &[u8]) {
    out.reserve(text.len() + 2);
    out.push(b'"');
    let mut start = 0;
    let mut at = 0;
    while at < text.len() {
        // Eight bytes at a time: most text needs no escape, and the first byte that does is
        // found from the chunk's mask.
        if let Some(chunk) = text.get(at..at + 8) {
            let flagged = escaped_bytes(u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
            if flagged == 0 {
                at += 8;
                continue;
            }
            at += flagged.trailing_zeros() as usize / 8;
        }
        let byte = text[at];
        let escape = JSON_ESCAPE[usize::from(byte)];
        if escape != 0 {
            out.extend_from_slice(&text[start..at]);
            if escape == b'u' {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(byte >> 4)]);
                out.push(HEX[usize::from(byte & 0xF)]);
            } else {
                out.extend_from_slice(&[b'\\', escape]);
            }
            start = at + 1;
        }
        at += 1;
    }
    out.extend_from_slice(&text[start..]);
    out.push(b'"');
}

/// Per byte of `word` (little-endian), bit 7 set exactly when the byte needs a JSON escape: a
/// control character, `"` or `\`. No carry crosses from one byte to the next.
fn escaped_bytes(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const LOW: u64 = !HIGH;
    // Below 0x20: the high bit is clear and the low seven bits plus 0x60 stay below 0x80.
    let control = !(((word & LOW) + 0x60 * ONES) | word) & HIGH;
    let equal = |byte: u8| {
        let x = word ^ (u64::from(byte) * ONES);
        !(((x & LOW) + LOW) | x) & HIGH
    };
    control | equal(b'"') | equal(b'\\')
}

/// Per byte: the letter of its JSON escape (`u` for the `\u00XX` form), 0 when it needs none.
const JSON_ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b'u';
        b += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0A] = b'n';
    table[0x0C] = b'f';
    table[0x0D] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// An object's members, values left unparsed (borrowed from the line).
type Members<'a> = Vec<(Cow<'a, str>, &'a RawValue)>;

fn parse_object(text: &str) -> Result<Members<'_>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let members = de.deserialize_map(MembersVisitor)?;
    de.end()?;
    Ok(members)
}

struct MembersVisitor;

impl<'de> Visitor<'de> for MembersVisitor {
    type Value = Members<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Vec::new();
        while let Some(key) = map.next_key::<KeyText<'de>>()? {
            members.push((key.0, map.next_value::<&'de RawValue>()?));
        }
        Ok(members)
    }
}

/// A key, borrowed when it has no escapes.
struct KeyText<'a>(Cow<'a, str>);

impl<'de> de::Deserialize<'de> for KeyText<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = KeyText<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(KeyText(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(KeyText(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// The value at a dotted path; the last member of a name wins, as in most JSON readers.
fn lookup<'a>(members: &Members<'a>, path: &str) -> Result<Option<&'a RawValue>, String> {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let Some(value) = members.iter().rev().find(|(k, _)| k == head).map(|m| m.1) else {
        return Ok(None);
    };
    match rest {
        None => Ok(Some(value)),
        Some(rest) => {
            if !value.get().trim_start().starts_with('{') {
                return Ok(None);
            }
            let inner = parse_object(value.get()).map_err(|e| e.to_string())?;
            lookup(&inner, rest)
        }
    }
}

/// A string's content, or a number or boolean as written; `None` for null, arrays, objects.
fn scalar_text(raw: &RawValue) -> Option<String> {
    let text = raw.get();
    if text.starts_with('"') {
        serde_json::from_str::<String>(text).ok()
    } else if text == "null" || text.starts_with('[') || text.starts_with('{') {
        None
    } else {
        // Numbers and booleans: only checked to be valid JSON, kept as spelled.
        serde_json::from_str::<IgnoredAny>(text)
            .ok()
            .map(|_| text.to_string())
    }
}

fn default_site(members: &Members<'_>) -> Result<String, String> {
    for path in ["url", "metadata.url"] {
        if let Some(host) = lookup(members, path)?
            .and_then(scalar_text)
            .and_then(|u: String| host_of(&u))
        {
            return Ok(host);
        }
    }
    Ok(lookup(members, "source")?
        .and_then(scalar_text)
        .unwrap_or_default())
}

/// The host of an absolute URL, lower-cased, without user, port or a leading `www.`.
pub fn host_of(url: &str) -> Option<String> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = if host.starts_with('[') {
        host.split(']').next().map(|h| format!("{h}]"))?
    } else {
        host.split(':').next()?.to_string()
    };
    let host = host.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fields() -> Fields {
        Fields::default()
    }

    #[test]
    fn finds_text_span_and_splices_byte_for_byte() {
        let line = br#"{"id": 7, "n": 1.50e3, "text": "caf\u00e9\nline two", "source": "cc"}"#;
        let record = parse_record(line, &fields()).unwrap();
        assert_eq!(record.text, "café\nline two");
        assert_eq!(record.id.as_deref(), Some("7"));
        assert_eq!(record.site, "cc");
        let spliced = splice_text(line, &record.text_span, b"only \"this\"");
        assert_eq!(
            spliced,
            br#"{"id": 7, "n": 1.50e3, "text": "only \"this\"", "source": "cc"}"#
        );
    }

    #[test]
    fn site_is_url_host_then_metadata_url_then_source() {
        let site = |l: &str| parse_record(l.as_bytes(), &fields()).unwrap().site;
        assert_eq!(
            site(r#"{"text":"x","url":"https://www.Example.com:8080/a?b","source":"s"}"#),
            "example.com"
        );
        assert_eq!(
            site(r#"{"text":"x","metadata":{"url":"http://news.org/x"},"source":"s"}"#),
            "news.org"
        );
        assert_eq!(site(r#"{"text":"x","source":"s"}"#), "s");
        let custom = Fields {
            site: Some("metadata.domain".into()),
            ..fields()
        };
        let r = parse_record(br#"{"text":"x","metadata":{"domain":"d.net"}}"#, &custom);
        assert_eq!(r.unwrap().site, "d.net");
    }

    #[test]
    fn bad_records_say_why() {
        let err = |l: &str| parse_record(l.as_bytes(), &fields()).unwrap_err();
        assert!(matches!(err(r#"{"text": "x""#), RecordError::Malformed(_)));
        assert!(matches!(err(r#"[1, 2]"#), RecordError::Malformed(_)));
        assert!(matches!(err(r#"{"id": "a"} x"#), RecordError::Malformed(_)));
        assert_eq!(
            err(r#"{"id": "a"}"#),
            RecordError::MissingText("text".into())
        );
        assert_eq!(
            err(r#"{"text": 3}"#),
            RecordError::TextNotString("text".into())
        );
    }

    #[test]
    fn escaped_keys_and_nested_text_fields_work() {
        let line = br#"{"te\u0078t": "a", "doc": {"body": "b"}}"#;
        assert_eq!(parse_record(line, &fields()).unwrap().text, "a");
        let nested = Fields {
            text: "doc.body".into(),
            ..fields()
        };
        let r = parse_record(line, &nested).unwrap();
        assert_eq!(r.text, "b");
        assert_eq!(&line[r.text_span], b"\"b\"");
    }

    #[test]
    fn compression_from_name() {
        assert_eq!(
            jsonl_compression(Path::new("a/b.JSONL")),
            Some(Compression::None)
        );
        assert_eq!(
            jsonl_compression(Path::new("b.jsonl.gz")),
            Some(Compression::Gzip)
        );
        assert_eq!(
            jsonl_compression(Path::new("b.jsonl.zst")),
            Some(Compression::Zstd)
        );
        assert_eq!(jsonl_compression(Path::new("b.json")), None);
    }

    /// A JSON string literal's body from pieces: plain text (any characters, control
    /// characters escaped), every short escape, and `\u` escapes of any unit, surrogates
    /// (paired or lone) included.
    fn json_literal() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            "[a-zé€😀 .,\"\\\\/\n\t\u{1}\u{7f}]{0,6}".prop_map(|t| {
                let quoted = serde_json::to_string(&t).unwrap();
                quoted[1..quoted.len() - 1].to_string()
            }),
            prop::sample::select(vec![
                "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"
            ])
            .prop_map(String::from),
            prop_oneof![0u32..0x80, 0xD7F0u32..0xE010, 0xFFF0u32..0x10000]
                .prop_map(|u| format!("\\u{u:04x}")),
            (0xD800u32..0xDC00, 0xDC00u32..0xE000)
                .prop_map(|(hi, lo)| format!("\\u{hi:04X}\\u{lo:04x}")),
        ];
        prop::collection::vec(piece, 0..12).prop_map(|pieces| format!("\"{}\"", pieces.concat()))
    }

    proptest! {
        /// The text of a record is what `serde_json` reads: the same string, or an error when
        /// it refuses one (a lone surrogate).
        #[test]
        fn unescaping_reads_what_serde_json_reads(literal in json_literal()) {
            let expected = serde_json::from_str::<String>(&literal).ok();
            prop_assert_eq!(unescape_string(&literal), expected);
        }

        /// Escaping writes what `serde_json` writes, byte for byte, and reads back as the text.
        #[test]
        fn escaping_writes_what_serde_json_writes(text in "[a-zé€ \"\\\\/\n\r\t\u{0}-\u{1f}\u{7f}]{0,40}") {
            let mut out = Vec::new();
            push_json_string(&mut out, text.as_bytes());
            prop_assert_eq!(&out, &serde_json::to_vec(&text).unwrap());
            prop_assert_eq!(unescape_string(std::str::from_utf8(&out).unwrap()), Some(text));
        }
    }

    proptest! {
        /// The chunk mask flags exactly the bytes that need an escape.
        #[test]
        fn escaped_bytes_flags_exactly_the_escaped(chunk in prop::array::uniform8(any::<u8>())) {
            let mask = escaped_bytes(u64::from_le_bytes(chunk));
            for (i, &b) in chunk.iter().enumerate() {
                let flagged = mask >> (8 * i + 7) & 1 == 1;
                prop_assert_eq!(flagged, JSON_ESCAPE[usize::from(b)] != 0, "byte {:#x}", b);
            }
        }
    }

    #[test]
    fn unescaping_refuses_what_is_no_string() {
        assert_eq!(
            unescape_string(r#""a\u00e9\ud83d\ude00""#).as_deref(),
            Some("aé😀")
        );
        for bad in [
            r#""\ud83d""#,
            r#""\ude00""#,
            r#""\ud83dx""#,
            r#""\x""#,
            r#""a"#,
            "3",
            r#""\u12""#,
        ] {
            assert_eq!(unescape_string(bad), None, "{bad}");
        }
    }

    #[test]
    fn multi_member_gzip_and_zstd_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        for (name, compression) in [
            ("a.jsonl.gz", Compression::Gzip),
            ("a.jsonl.zst", Compression::Zstd),
        ] {
            let path = dir.path().join(name);
            let mut bytes = Vec::new();
            for part in [b"{\"text\":\"1\"}\n".as_slice(), b"{\"text\":\"2\"}\n"] {
                let mut enc = encoder(Vec::new(), compression).unwrap();
                enc.write_all(part).unwrap();
                bytes.extend(finish_encoder(enc).unwrap());
            }
            std::fs::write(&path, bytes).unwrap();
            let mut all = String::new();
            open(&path, compression)
                .unwrap()
                .read_to_string(&mut all)
                .unwrap();
            assert_eq!(all, "{\"text\":\"1\"}\n{\"text\":\"2\"}\n");
        }
    }
}
