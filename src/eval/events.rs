//! Event readers and field lookup.
//!
//! An events path is a file or a folder (walked recursively for `.json`, `.jsonl`, `.ndjson`,
//! each optionally `.gz`). A file holds:
//! - NDJSON (`.ndjson`, `.jsonl`): one JSON value per line, read line by line, so memory does
//!   not grow with the file; the event index is the position among the non-blank lines;
//! - a JSON array of events: the index is the position in the array;
//! - CloudTrail's `{"Records": [...]}`: the index is the position in `Records`;
//! - one JSON object (index 0), or several concatenated values.
//!
//! Arrays and `Records` are streamed element by element by a serde visitor, so a large array
//! is never held whole. Gzip is recognised from the magic bytes, whatever the extension.
//!
//! Field lookup ([`lookup`]) takes a dotted path (`userIdentity.arn`); a key that itself holds
//! a dot (`"userIdentity.arn": ...` at the top, or `"a.b"` one level down) is found too, and
//! arrays on the way fan out (every element is tried).

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// One event and where it came from.
#[derive(Debug)]
pub struct Event {
    /// 0-based position in its file (in the array for JSON arrays and `Records`).
    pub index: u64,
    /// 1-based line of the event in an NDJSON file (0 when not line-based).
    pub line: u64,
    /// The event.
    pub value: Value,
}

/// A problem reading events; the reader goes on after a bad NDJSON line.
#[derive(Debug, Clone)]
pub struct ReadError {
    /// The events file.
    pub path: PathBuf,
    /// 1-based line, when known.
    pub line: Option<u64>,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

/// Extensions (after an optional `.gz`) that a folder walk picks up.
const EVENT_EXTENSIONS: &[&str] = &["json", "jsonl", "ndjson"];

fn strip_gz(name: &str) -> &str {
    name.strip_suffix(".gz").unwrap_or(name)
}

fn is_ndjson_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let base = strip_gz(&name);
    base.ends_with(".ndjson") || base.ends_with(".jsonl")
}

fn is_event_file_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let base = strip_gz(&name);
    EVENT_EXTENSIONS
        .iter()
        .any(|ext| base.len() > ext.len() + 1 && base.ends_with(&format!(".{ext}")))
}

/// The event files under `paths`: files as given, folders walked recursively (sorted,
/// symbolic links to folders not followed). `-` is standard input.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ReadError> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(p.clone());
            continue;
        }
        let meta = std::fs::metadata(p).map_err(|e| ReadError {
            path: p.clone(),
            line: None,
            message: io_message(&e),
        })?;
        if meta.is_dir() {
            let mut found = Vec::new();
            let walk = ignore::WalkBuilder::new(p)
                .standard_filters(false)
                .follow_links(false)
                .build();
            for entry in walk {
                let entry = entry.map_err(|e| ReadError {
                    path: p.clone(),
                    line: None,
                    message: e.to_string(),
                })?;
                let path = entry.path();
                if entry.file_type().is_some_and(|t| t.is_file()) && is_event_file_name(path) {
                    found.push(path.to_path_buf());
                }
            }
            found.sort();
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn io_message(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or folder".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => e.to_string(),
    }
}

/// Opens `path` (or standard input for `-`), transparently gunzipping.
fn open(path: &Path) -> io::Result<Box<dyn BufRead>> {
    let raw: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(path)?)
    };
    let mut buf = BufReader::with_capacity(256 * 1024, raw);
    let head = buf.fill_buf()?;
    if head.starts_with(&[0x1f, 0x8b]) {
        let gz = flate2::bufread::MultiGzDecoder::new(buf);
        Ok(Box::new(BufReader::with_capacity(256 * 1024, gz)))
    } else {
        Ok(Box::new(buf))
    }
}

/// Lines parsed together when [`read_file`] reads NDJSON.
const NDJSON_BATCH: usize = 1024;

/// Reads every event of one file, calling `f` for each; returns the problems met (a bad
/// NDJSON line is reported and skipped; a broken JSON document stops that file).
pub fn read_file(path: &Path, mut f: impl FnMut(Event)) -> Vec<ReadError> {
    let err = |line: Option<u64>, message: String| ReadError {
        path: path.to_path_buf(),
        line,
        message,
    };
    if is_ndjson_name(path) {
        // One NDJSON reader: the batched one, its batches handed on event by event.
        // (A `dyn` callback, so `read_file` and `read_batches` do not instantiate each other
        // without end.)
        let each: &mut dyn FnMut(Vec<Event>) = &mut |batch| batch.into_iter().for_each(&mut f);
        return read_batches(path, NDJSON_BATCH, each);
    }
    let mut reader = match open(path) {
        Ok(r) => r,
        Err(e) => return vec![err(None, io_message(&e))],
    };
    // Sniff the first non-blank byte: `[` is an array; `{` may be one object, a `Records`
    // file or NDJSON that was not named so.
    let first = loop {
        match reader.fill_buf() {
            Ok([]) => return Vec::new(),
            Ok(buf) => {
                if let Some(pos) = buf.iter().position(|b| !b.is_ascii_whitespace()) {
                    let b = buf[pos];
                    reader.consume(pos);
                    break b;
                }
                let n = buf.len();
                reader.consume(n);
            }
            Err(e) => return vec![err(None, io_message(&e))],
        }
    };
    if first != b'[' && first != b'{' {
        return vec![err(
            None,
            format!(
                "not JSON events: expected `[`, `{{` or NDJSON, found `{}`",
                char::from(first).escape_default()
            ),
        )];
    }
    let mut index = 0u64;
    let mut problems = Vec::new();
    let mut de = serde_json::Deserializer::from_reader(reader);
    loop {
        let seed = TopLevel {
            index: &mut index,
            f: &mut f,
        };
        match seed.deserialize(&mut de) {
            Ok(()) => {}
            Err(e) => {
                problems.push(err(Some(e.line() as u64), json_message(&e)));
                break;
            }
        }
        // Another value after the first? (concatenated JSON)
        match de.end() {
            Ok(()) => break,
            Err(_) => continue,
        }
    }
    problems
}

fn json_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    // serde_json appends " at line L column C"; the line is reported separately.
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

/// Reads one file in batches of up to `size` events, calling `f` with each batch in order.
/// NDJSON lines of a batch are parsed in parallel, so one large stream uses every core; the
/// batch bounds memory.
pub fn read_batches(path: &Path, size: usize, mut f: impl FnMut(Vec<Event>)) -> Vec<ReadError> {
    let size = size.max(1);
    if !is_ndjson_name(path) {
        let mut batch = Vec::with_capacity(size);
        let errors = read_file(path, |e| {
            batch.push(e);
            if batch.len() >= size {
                f(std::mem::replace(&mut batch, Vec::with_capacity(size)));
            }
        });
        if !batch.is_empty() {
            f(batch);
        }
        return errors;
    }
    let mut reader = match open(path) {
        Ok(r) => r,
        Err(e) => {
            return vec![ReadError {
                path: path.to_path_buf(),
                line: None,
                message: io_message(&e),
            }];
        }
    };
    let mut problems = Vec::new();
    let mut index = 0u64;
    let mut line_no = 0u64;
    let mut raw: Vec<(u64, Vec<u8>)> = Vec::with_capacity(size);
    let mut flush =
        |raw: &mut Vec<(u64, Vec<u8>)>, index: &mut u64, problems: &mut Vec<ReadError>| {
            use rayon::prelude::*;
            let parsed: Vec<Result<Value, String>> = raw
                .par_iter()
                .map(|(_, b)| serde_json::from_slice::<Value>(b).map_err(|e| json_message(&e)))
                .collect();
            let mut batch = Vec::with_capacity(parsed.len());
            for ((line, _), r) in raw.iter().zip(parsed) {
                match r {
                    Ok(value) => batch.push(Event {
                        index: *index,
                        line: *line,
                        value,
                    }),
                    Err(message) => problems.push(ReadError {
                        path: path.to_path_buf(),
                        line: Some(*line),
                        message,
                    }),
                }
                *index += 1;
            }
            raw.clear();
            if !batch.is_empty() {
                f(batch);
            }
        };
    loop {
        let mut buf = Vec::new();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                problems.push(ReadError {
                    path: path.to_path_buf(),
                    line: Some(line_no + 1),
                    message: io_message(&e),
                });
                break;
            }
        }
        line_no += 1;
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        raw.push((line_no, buf));
        if raw.len() >= size {
            flush(&mut raw, &mut index, &mut problems);
        }
    }
    if !raw.is_empty() {
        flush(&mut raw, &mut index, &mut problems);
    }
    problems
}

/// Streams the top-level JSON value: array elements and `Records` elements one at a time.
struct TopLevel<'a, F: FnMut(Event)> {
    index: &'a mut u64,
    f: &'a mut F,
}

impl<'de, F: FnMut(Event)> DeserializeSeed<'de> for TopLevel<'_, F> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, F: FnMut(Event)> Visitor<'de> for TopLevel<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array of events, a {\"Records\": [...]} object or an event object")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(value) = seq.next_element::<Value>()? {
            (self.f)(Event {
                index: *self.index,
                line: 0,
                value,
            });
            *self.index += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut other = Map::new();
        let mut had_records = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "Records" && !had_records {
                had_records = true;
                map.next_value_seed(Records {
                    index: &mut *self.index,
                    f: &mut *self.f,
                })?;
            } else if had_records {
                map.next_value::<IgnoredAny>()?;
            } else {
                other.insert(key, map.next_value::<Value>()?);
            }
        }
        if !had_records {
            (self.f)(Event {
                index: *self.index,
                line: 0,
                value: Value::Object(other),
            });
            *self.index += 1;
        }
        Ok(())
    }
}

struct Records<'a, F: FnMut(Event)> {
    index: &'a mut u64,
    f: &'a mut F,
}

impl<'de, F: FnMut(Event)> DeserializeSeed<'de> for Records<'_, F> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(TopLevel {
            index: self.index,
            f: self.f,
        })
    }
}

/// Every value at `path` in `event` (dotted path; literal-dot keys and arrays resolved).
pub fn lookup<'a>(event: &'a Value, path: &str, out: &mut Vec<&'a Value>) {
    resolve(event, path, out, 0);
}

/// The first value at `path`, if any.
pub fn lookup_first<'a>(event: &'a Value, path: &str) -> Option<&'a Value> {
    if let Value::Object(m) = event
        && let Some(v) = m.get(path)
    {
        return Some(v);
    }
    let mut out = Vec::new();
    resolve(event, path, &mut out, 0);
    out.into_iter().next()
}

const MAX_LOOKUP_DEPTH: usize = 64;

fn resolve<'a>(v: &'a Value, path: &str, out: &mut Vec<&'a Value>, depth: usize) {
    if depth > MAX_LOOKUP_DEPTH {
        return;
    }
    match v {
        Value::Object(m) => {
            if let Some(x) = m.get(path) {
                out.push(x);
                return;
            }
            // Try every split point: `a.b.c` as `a` → `b.c`, `a.b` → `c`.
            for (i, _) in path.match_indices('.') {
                if let Some(x) = m.get(&path[..i]) {
                    resolve(x, &path[i + 1..], out, depth + 1);
                }
            }
        }
        Value::Array(items) => {
            for it in items {
                resolve(it, path, out, depth + 1);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn collect(path: &Path) -> (Vec<(u64, Value)>, Vec<ReadError>) {
        let mut evs = Vec::new();
        let errs = read_file(path, |e| evs.push((e.index, e.value)));
        (evs, errs)
    }

    #[test]
    fn readers() {
        let dir = tempfile::tempdir().expect("tmp");
        let nd = dir.path().join("a.ndjson");
        std::fs::write(&nd, "{\"a\":1}\n\n{bad\n{\"a\":3}\n").expect("write");
        let (evs, errs) = collect(&nd);
        assert_eq!(evs.iter().map(|e| e.0).collect::<Vec<_>>(), vec![0, 2]);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].line, Some(3));

        let arr = dir.path().join("b.json");
        std::fs::write(&arr, " [ {\"a\":1}, {\"a\":2} ]").expect("write");
        let (evs, errs) = collect(&arr);
        assert!(errs.is_empty());
        assert_eq!(evs[1], (1, json!({"a":2})));

        let rec = dir.path().join("c.json");
        std::fs::write(
            &rec,
            "{\"x\": 1, \"Records\": [{\"a\":1},{\"a\":2},{\"a\":3}]}",
        )
        .expect("write");
        let (evs, _) = collect(&rec);
        assert_eq!(evs.len(), 3);
        assert_eq!(evs[2].0, 2);

        let one = dir.path().join("d.json");
        std::fs::write(&one, "{\"a\": {\"b\": 1}}").expect("write");
        let (evs, errs) = collect(&one);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(evs, vec![(0, json!({"a":{"b":1}}))]);

        let gz = dir.path().join("e.json.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut enc, b"{\"Records\":[{\"a\":1}]}").expect("gz");
        std::fs::write(&gz, enc.finish().expect("gz")).expect("write");
        let (evs, errs) = collect(&gz);
        assert!(errs.is_empty());
        assert_eq!(evs.len(), 1);

        let broken = dir.path().join("f.json");
        std::fs::write(&broken, "[{\"a\":1}, {\"a\":").expect("write");
        let (evs, errs) = collect(&broken);
        assert_eq!(evs.len(), 1);
        assert_eq!(errs.len(), 1);

        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).expect("mkdir");
        std::fs::write(sub.join("g.jsonl"), "{}\n").expect("write");
        std::fs::write(sub.join("notes.txt"), "x").expect("write");
        let files = discover(&[dir.path().to_path_buf()]).expect("discover");
        assert_eq!(files.len(), 7);
        assert!(files.iter().all(|f| !f.ends_with("notes.txt")));
    }

    #[test]
    fn batches_keep_order_and_indices() {
        let dir = tempfile::tempdir().expect("tmp");
        let nd = dir.path().join("a.jsonl");
        std::fs::write(&nd, "{\"a\":0}\n{\"a\":1}\n\n{bad\n{\"a\":3}\n{\"a\":4}\n").expect("w");
        let mut seen = Vec::new();
        let mut sizes = Vec::new();
        let errs = read_batches(&nd, 2, |b| {
            sizes.push(b.len());
            seen.extend(
                b.into_iter()
                    .map(|e| (e.index, e.line, e.value["a"].clone())),
            );
        });
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].line, Some(4));
        assert_eq!(
            seen,
            vec![
                (0, 1, json!(0)),
                (1, 2, json!(1)),
                (3, 5, json!(3)),
                (4, 6, json!(4))
            ]
        );
        assert_eq!(sizes, vec![2, 1, 1]);
        let arr = dir.path().join("b.json");
        std::fs::write(&arr, "[1,2,3]").expect("w");
        let mut sizes = Vec::new();
        read_batches(&arr, 2, |b| sizes.push(b.len()));
        assert_eq!(sizes, vec![2, 1]);
    }

    #[test]
    fn dotted_lookup() {
        let ev = json!({
            "userIdentity": {"arn": "x", "sessionContext": {"a.b": 2}},
            "flat.key": 1,
            "list": [{"n": 1}, {"n": 2}],
        });
        let get = |p: &str| {
            let mut out = Vec::new();
            lookup(&ev, p, &mut out);
            out.into_iter().cloned().collect::<Vec<_>>()
        };
        assert_eq!(get("userIdentity.arn"), vec![json!("x")]);
        assert_eq!(get("flat.key"), vec![json!(1)]);
        assert_eq!(get("userIdentity.sessionContext.a.b"), vec![json!(2)]);
        assert_eq!(get("list.n"), vec![json!(1), json!(2)]);
        assert!(get("nope.x").is_empty());
        assert_eq!(lookup_first(&ev, "list.n"), Some(&json!(1)));
    }
}
