use serde_json::json;

use super::*;
use crate::yaml;

fn rule(det: &str) -> CompiledDetection {
    rule_with(det, &Placeholders::new())
}

fn rule_with(det: &str, ph: &Placeholders) -> CompiledDetection {
    let s = yaml::parse(det);
    assert!(s.error.is_none(), "{:?}", s.error);
    let root = s.documents[0].root.clone();
    let d = Detection::read(&root, &[]);
    CompiledDetection::compile(&d, ph).unwrap_or_else(|e| panic!("{det}: {e}"))
}

fn hits(det: &str, ev: Value) -> bool {
    rule(det).matches(&ev)
}

#[test]
fn strings_wildcards_escapes_case() {
    let d = "sel:\n  a: 'Foo*Bar'\ncondition: sel\n";
    assert!(hits(d, json!({"a": "fooXYZbar"})));
    assert!(hits(d, json!({"a": "FOOBAR"})));
    assert!(!hits(d, json!({"a": "fooXbarz"})));
    let d = "sel:\n  a: 'a?c'\ncondition: sel\n";
    assert!(hits(d, json!({"a": "abc"})));
    assert!(!hits(d, json!({"a": "ac"})));
    let d = "sel:\n  a: 'x\\*y'\ncondition: sel\n";
    assert!(hits(d, json!({"a": "x*y"})));
    assert!(!hits(d, json!({"a": "xzy"})));
    let d = "sel:\n  a: 'C:\\Windows\\'\ncondition: sel\n";
    assert!(hits(d, json!({"a": "c:\\windows\\"})));
    let d = "sel:\n  a|cased: Foo\ncondition: sel\n";
    assert!(hits(d, json!({"a": "Foo"})));
    assert!(!hits(d, json!({"a": "foo"})));
    let d = "sel:\n  a: 'ÄBc'\n  b|contains: 'ÖL'\n  c|startswith: KEY\ncondition: sel\n";
    assert!(hits(d, json!({"a": "äbC", "b": "xxöl", "c": "keyboard"})));
    assert!(!hits(d, json!({"a": "abc", "b": "xxöl", "c": "keyboard"})));
    assert!(!hits(d, json!({"a": "äbC", "b": "ol", "c": "keyboard"})));
    let d = "sel:\n  a: ''\ncondition: sel\n";
    assert!(hits(d, json!({"a": ""})));
    assert!(!hits(d, json!({"b": ""})));
}

#[test]
fn contains_all_start_end() {
    let d = "sel:\n  a|contains|all: [x, y]\ncondition: sel\n";
    assert!(hits(d, json!({"a": "..Y..X"})));
    assert!(!hits(d, json!({"a": "..x.."})));
    let d = "sel:\n  a|startswith: ab\n  b|endswith: yz\ncondition: sel\n";
    assert!(hits(d, json!({"a": "abc", "b": "xyz"})));
    assert!(!hits(d, json!({"a": "cab", "b": "xyz"})));
}

#[test]
fn numbers_bools_null_arrays() {
    let d = "sel:\n  n: 4624\ncondition: sel\n";
    assert!(hits(d, json!({"n": 4624})));
    assert!(hits(d, json!({"n": "4624"})));
    assert!(!hits(d, json!({"n": 4625})));
    let d = "sel:\n  s: '42'\ncondition: sel\n";
    assert!(hits(d, json!({"s": 42})));
    let d = "sel:\n  b: true\ncondition: sel\n";
    assert!(hits(d, json!({"b": true})));
    assert!(!hits(d, json!({"b": false})));
    let d = "sel:\n  x: null\ncondition: sel\n";
    assert!(hits(d, json!({"y": 1})));
    assert!(hits(d, json!({"x": null})));
    assert!(!hits(d, json!({"x": ""})));
    let d = "sel:\n  t: b\ncondition: sel\n";
    assert!(hits(d, json!({"t": ["a", "B"]})));
    let d = "sel:\n  r.n: 2\ncondition: sel\n";
    assert!(hits(d, json!({"r": [{"n": 1}, {"n": 2}]})));
}

#[test]
fn regex_cidr_compare_neq_exists_fieldref() {
    let d = "sel:\n  a|re: 'ab+c'\ncondition: sel\n";
    assert!(hits(d, json!({"a": "xxabbbc"})));
    assert!(!hits(d, json!({"a": "ABC"})));
    let d = "sel:\n  a|re|i: '^abc$'\ncondition: sel\n";
    assert!(hits(d, json!({"a": "ABC"})));
    let d = "sel:\n  a|re|s: 'a.b'\ncondition: sel\n";
    assert!(hits(d, json!({"a": "a\nb"})));
    let d = "sel:\n  a|re|m: '^b$'\ncondition: sel\n";
    assert!(hits(d, json!({"a": "a\nb"})));
    let d = "sel:\n  ip|cidr: [10.0.0.0/8, 'fd00::/8']\ncondition: sel\n";
    assert!(hits(d, json!({"ip": "10.2.3.4"})));
    assert!(hits(d, json!({"ip": "fd12::1"})));
    assert!(!hits(d, json!({"ip": "11.0.0.1"})));
    assert!(!hits(d, json!({"ip": "not-an-ip"})));
    let d = "sel:\n  n|gt: 10\n  m|lte: 5\ncondition: sel\n";
    assert!(hits(d, json!({"n": 11, "m": "5"})));
    assert!(!hits(d, json!({"n": 10, "m": 5})));
    let d = "sel:\n  a|neq: x\ncondition: sel\n";
    assert!(hits(d, json!({"a": "y"})));
    assert!(!hits(d, json!({"a": "X"})));
    assert!(!hits(d, json!({"b": "y"})));
    let d = "sel:\n  a|exists: true\ncondition: sel\n";
    assert!(hits(d, json!({"a": 0})));
    assert!(!hits(d, json!({"a": null})));
    let d = "sel:\n  a|exists: false\ncondition: sel\n";
    assert!(hits(d, json!({"b": 0})));
    let d = "sel:\n  a|fieldref: b\ncondition: sel\n";
    assert!(hits(d, json!({"a": "X", "b": "x"})));
    assert!(!hits(d, json!({"a": "X", "b": "y"})));
    assert!(!hits(d, json!({"a": "X"})));
}

#[test]
fn encodings() {
    // base64("abc") = YWJj
    let d = "sel:\n  a|base64: abc\ncondition: sel\n";
    assert!(hits(d, json!({"a": "YWJj"})));
    let d = "sel:\n  a|base64|contains: abc\ncondition: sel\n";
    assert!(hits(d, json!({"a": "xxYWJjxx"})));
    // "xabc" / "xxabc" / "xxxabc" base64 encode "abc" at every offset.
    let d = "sel:\n  a|base64offset|contains: abc\ncondition: sel\n";
    for prefix in ["", "x", "xx", "xxx"] {
        let enc = B64.encode(format!("{prefix}abcdef"));
        assert!(hits(d, json!({ "a": enc })), "{prefix}");
    }
    assert!(!hits(d, json!({"a": B64.encode("abd")})));
    // utf16le + base64
    let d = "sel:\n  a|wide|base64offset|contains: ping\ncondition: sel\n";
    let enc = B64.encode(utf16("cmd /c ping x", false, false));
    assert!(hits(d, json!({ "a": enc })));
    let d = "sel:\n  a|utf16|base64: hi\ncondition: sel\n";
    assert!(hits(
        d,
        json!({"a": B64.encode([0xff, 0xfe, b'h', 0, b'i', 0])})
    ));
    let d = "sel:\n  a|utf16be|base64: hi\ncondition: sel\n";
    assert!(hits(d, json!({"a": B64.encode([0, b'h', 0, b'i'])})));
}

#[test]
fn windash_and_expand() {
    let d = "sel:\n  c|windash|contains: ' -enc '\ncondition: sel\n";
    for dash in ["-", "/", "\u{2013}", "\u{2014}", "\u{2015}"] {
        assert!(hits(d, json!({ "c": format!("x {dash}enc y") })), "{dash}");
    }
    assert!(!hits(d, json!({"c": "x enc y"})));
    assert_eq!(windash("a-b").expect("w"), vec!["a-b".to_owned()]);
    let mut ph = Placeholders::new();
    ph.insert("admins".into(), vec!["root".into(), "admin".into()]);
    let d = rule_with("sel:\n  u|expand: '%admins%'\ncondition: sel\n", &ph);
    assert!(d.matches(&json!({"u": "Admin"})));
    assert!(!d.matches(&json!({"u": "bob"})));
    let s = yaml::parse("sel:\n  u|expand: '%nope%'\ncondition: sel\n");
    let root = s.documents[0].root.clone();
    assert!(CompiledDetection::compile(&Detection::read(&root, &[]), &ph).is_err());
}

#[test]
fn time_parts() {
    let d = "sel:\n  t|hour: 14\ncondition: sel\n";
    assert!(hits(d, json!({"t": "2024-03-05T14:22:00Z"})));
    assert!(hits(d, json!({"t": "2024-03-05 14:22:00.123"})));
    assert!(!hits(d, json!({"t": "2024-03-05T15:22:00Z"})));
    let d = "sel:\n  t|month: 3\n  t|year: 2024\n  t|day: 5\n  t|week: 10\n  t|minute: 22\ncondition: sel\n";
    assert!(hits(d, json!({"t": "2024-03-05T14:22:00+00:00"})));
    assert!(hits(d, json!({"t": 1_709_648_520})));
}

#[test]
fn keywords_and_conditions() {
    let d = "keywords:\n  - evil\n  - 'bad*thing'\ncondition: keywords\n";
    assert!(hits(d, json!({"a": {"b": ["so EVIL"]}})));
    assert!(hits(d, json!({"a": "bad big thing"})));
    assert!(!hits(d, json!({"a": "a bad big thing"})));
    let d = "sel_a:\n  a: 1\nsel_b:\n  b: 1\n_hidden:\n  h: 1\nfilter:\n  f: 1\ncondition: 1 of sel_* and not filter\n";
    assert!(hits(d, json!({"b": 1})));
    assert!(!hits(d, json!({"b": 1, "f": 1})));
    let d = "sel_a:\n  a: 1\nsel_b:\n  b: 1\ncondition: all of sel_*\n";
    assert!(!hits(d, json!({"b": 1})));
    assert!(hits(d, json!({"a": 1, "b": 1})));
    let d = "a:\n  a: 1\n_h:\n  h: 1\ncondition: all of them\n";
    assert!(hits(d, json!({"a": 1})));
    let d = "a:\n  a: 1\nb:\n  b: 1\nc:\n  c: 1\ncondition: a and (b or not c)\n";
    assert!(hits(d, json!({"a": 1})));
    assert!(!hits(d, json!({"a": 1, "c": 1})));
    let d = "a:\n  - x: 1\n  - y: 1\ncondition:\n  - a\n";
    assert!(hits(d, json!({"y": 1})));
}

#[test]
fn compile_errors() {
    let bad = [
        "sel:\n  a|contains|re: x\ncondition: sel\n",
        "sel:\n  a|i: x\ncondition: sel\n",
        "sel:\n  a|re: '('\ncondition: sel\n",
        "sel:\n  a|cidr: 10.0.0.0/40\ncondition: sel\n",
        "sel:\n  a|bogus: x\ncondition: sel\n",
        "sel:\n  a: x\ncondition: nope\n",
        "sel:\n  a: x\ncondition: sel | count() > 5\n",
    ];
    for b in bad {
        let s = yaml::parse(b);
        let root = s.documents[0].root.clone();
        assert!(
            CompiledDetection::compile(&Detection::read(&root, &[]), &Placeholders::new()).is_err(),
            "{b}"
        );
    }
}
