//! Times YAML parsers that keep (or do not keep) positions over every `.yml` file of a folder
//! (default: the SigmaHQ snapshot in ../shared). Each parser runs 5 times over texts already in
//! memory; the best wall time is printed.
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use saphyr::LoadableYamlNode;

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
            out.push(p);
        }
    }
}

fn best(name: &str, texts: &[String], f: impl Fn(&str) -> usize) {
    let mut best = Duration::MAX;
    let mut docs = 0;
    for _ in 0..5 {
        let t = Instant::now();
        docs = texts.iter().map(|s| f(s)).sum();
        best = best.min(t.elapsed());
    }
    println!("{name:<42} {:>8.1} ms  {docs} documents", best.as_secs_f64() * 1e3);
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpora/sigmahq").into());
    let mut files = Vec::new();
    collect(Path::new(&dir), &mut files);
    files.sort();
    let texts: Vec<String> = files.iter().filter_map(|p| std::fs::read_to_string(p).ok()).collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    println!("{} files, {:.1} MiB, single thread, best of 5", texts.len(), bytes as f64 / 1048576.0);
    best("saphyr-parser events only (floor)", &texts, |s| {
        saphyr_parser::Parser::new_from_str(s).filter(|e| e.is_ok()).count().min(1)
    });
    best("sigsmith::yaml (saphyr-parser + own tree)", &texts, |s| sigsmith::yaml::parse(s).documents.len());
    best("saphyr MarkedYaml (positions)", &texts, |s| {
        saphyr::MarkedYaml::load_from_str(s).map(|d| d.len()).unwrap_or(0)
    });
    best("serde-saphyr -> serde_json::Value (no pos)", &texts, |s| {
        serde_saphyr::from_multiple::<serde_json::Value>(s).map(|d| d.len()).unwrap_or(0)
    });
    best("yaml_serde -> Value (no positions)", &texts, |s| {
        serde_yaml::Deserializer::from_str(s)
            .filter_map(|d| <serde_yaml::Value as serde::Deserialize>::deserialize(d).ok())
            .count()
    });
}
