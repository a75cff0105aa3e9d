//! Conformance with the Sigma specification (v2.x: rules, conditions, modifiers appendix,
//! correlation rules, filters), table-driven. Each case is a rule written from a sentence of
//! the specification, with what `sigsmith lint` must say about it (no error, or the codes it
//! must report, on the offending token) and, for rules, how `sigsmith eval` must judge small
//! events (as pySigma does).
//!
//! The cases are independent of any corpus: they are the specification's own examples and the
//! mutations that break them.

use serde_json::{Value, json};
use sigsmith::diagnostic::{Finding, Severity};
use sigsmith::eval::matcher::Placeholders;
use sigsmith::eval::rules::RuleSet;
use sigsmith::lint::engine::{LintOptions, SourceFile, lint_text};

const ID: &str = "5e0b6d1a-2f3c-4d5e-8f90-1a2b3c4d5e6f";

/// A complete rule around a `detection` body (indented by four spaces).
fn rule(detection: &str) -> String {
    format!(
        "title: Spec conformance probe\nid: {ID}\nstatus: test\ndescription: A rule written from the specification\nauthor: sigsmith\ndate: 2024-01-01\nlogsource:\n    product: windows\n    category: process_creation\ndetection:\n{detection}\nfalsepositives:\n    - Unknown\nlevel: medium\n"
    )
}

/// A complete rule with extra top-level attributes before `logsource`.
fn rule_with(extra: &str) -> String {
    format!(
        "title: Spec conformance probe\nid: {ID}\nstatus: test\ndescription: A rule written from the specification\nauthor: sigsmith\ndate: 2024-01-01\n{extra}logsource:\n    product: windows\n    category: process_creation\ndetection:\n    selection:\n        Image|endswith: '\\whoami.exe'\n    condition: selection\nfalsepositives:\n    - Unknown\nlevel: medium\n"
    )
}

/// What lint must report.
enum Lint {
    /// No error-severity finding (the specification allows it).
    Valid,
    /// Valid, and not even a warning of these codes.
    Clean(&'static [&'static str]),
    /// A finding of each code; when `at` is given, the first error of that code covers the
    /// first occurrence of `at` (same line, starting at or before it, ending at or after it).
    Invalid(&'static [&'static str], Option<&'static str>),
}

struct Case {
    name: &'static str,
    text: String,
    lint: Lint,
    /// Events and whether the rule matches them.
    eval: Vec<(Value, bool)>,
}

fn case(name: &'static str, text: String, lint: Lint, eval: Vec<(Value, bool)>) -> Case {
    Case {
        name,
        text,
        lint,
        eval,
    }
}

fn errors(text: &str) -> Vec<Finding> {
    lint_text("probe.yml", text, &LintOptions::default())
        .findings
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .collect()
}

/// 1-based line, column and end column (in characters) of the first occurrence of `token`;
/// `context>>token` is the last `token` inside the first occurrence of `context`.
fn locate(text: &str, token: &str) -> Option<(u32, u32, u32)> {
    let (context, token) = token.split_once(">>").unwrap_or((token, token));
    for (i, line) in text.lines().enumerate() {
        if let Some(b) = line.find(context) {
            let b = b + context.rfind(token)?;
            let col = line[..b].chars().count() + 1;
            let end = col + token.chars().count();
            return Some((
                u32::try_from(i + 1).ok()?,
                u32::try_from(col).ok()?,
                u32::try_from(end).ok()?,
            ));
        }
    }
    None
}

fn check_lint(c: &Case) -> Vec<String> {
    // A valid rule gets no error; an invalid one gets a finding of each expected code (a
    // repository-level check such as a dangling reference may be a warning).
    let errs = match c.lint {
        Lint::Valid => errors(&c.text),
        Lint::Invalid(..) | Lint::Clean(_) => {
            lint_text("probe.yml", c.text.as_str(), &LintOptions::default()).findings
        }
    };
    let show = || {
        errs.iter()
            .map(|f| format!("{} {}:{} {}", f.code, f.pos.line, f.pos.col, f.message))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut problems = Vec::new();
    match &c.lint {
        Lint::Valid => {
            if !errs.is_empty() {
                problems.push(format!("{}: valid per the spec, got {}", c.name, show()));
            }
        }
        Lint::Clean(codes) => {
            let bad: Vec<&Finding> = errs
                .iter()
                .filter(|f| f.severity == Severity::Error || codes.contains(&f.code))
                .collect();
            if !bad.is_empty() {
                problems.push(format!(
                    "{}: valid per the spec, got {}",
                    c.name,
                    bad.iter()
                        .map(|f| format!("{} {}", f.code, f.message))
                        .collect::<Vec<_>>()
                        .join("; ")
                ));
            }
        }
        Lint::Invalid(codes, at) => {
            for code in *codes {
                let Some(f) = errs.iter().find(|f| f.code == *code) else {
                    problems.push(format!("{}: expected {code}, got [{}]", c.name, show()));
                    continue;
                };
                if let Some(token) = at {
                    let Some((line, col, end)) = locate(&c.text, token) else {
                        problems.push(format!("{}: token `{token}` not in the text", c.name));
                        continue;
                    };
                    let f_end = f.end.map(|e| (e.line, e.col));
                    let covers = f.pos.line == line
                        && f.pos.col <= col
                        && f_end.is_some_and(|(l, e)| l > line || (l == line && e >= end));
                    if !covers {
                        problems.push(format!(
                            "{}: {code} at {}:{}-{:?} does not cover `{token}` at {line}:{col}-{end}",
                            c.name, f.pos.line, f.pos.col, f_end
                        ));
                    }
                }
            }
        }
    }
    problems
}

fn check_eval(c: &Case) -> Vec<String> {
    if c.eval.is_empty() {
        return Vec::new();
    }
    let set = RuleSet::load(
        &[SourceFile {
            path: "probe.yml".into(),
            text: c.text.clone(),
        }],
        &Placeholders::new(),
    );
    if let Some(e) = set.errors.first() {
        return vec![format!("{}: eval could not load the rule: {e}", c.name)];
    }
    let Some(r) = set.rules.iter().find(|r| r.id == ID) else {
        return vec![format!("{}: no rule with the probe id", c.name)];
    };
    c.eval
        .iter()
        .filter(|(ev, want)| r.matches(ev) != *want)
        .map(|(ev, want)| format!("{}: on {ev} expected match={want}", c.name))
        .collect()
}

fn run(cases: &[Case]) {
    let problems: Vec<String> = cases
        .iter()
        .flat_map(|c| {
            let mut p = check_lint(c);
            p.extend(check_eval(c));
            p
        })
        .collect();
    assert!(
        problems.is_empty(),
        "{} of {} cases disagree with the specification:\n{}",
        problems.len(),
        cases.len(),
        problems.join("\n")
    );
}

/// Rules specification: search identifiers (maps are AND, lists OR), special values,
/// wildcards and escaping, keywords.
#[test]
fn detection_structure() {
    use Lint::*;
    run(&[
        case(
            "map is AND, value list is OR",
            rule(
                "    selection:\n        EventLog: Security\n        EventID:\n            - 517\n            - 1102\n    condition: selection",
            ),
            Valid,
            vec![
                (json!({"EventLog": "Security", "EventID": 517}), true),
                (json!({"EventLog": "security", "EventID": 1102}), true),
                (json!({"EventLog": "Security", "EventID": 4624}), false),
                (json!({"EventID": 517}), false),
            ],
        ),
        case(
            "list of maps is OR",
            rule(
                "    selection:\n        - Image|endswith: '\\example.exe'\n        - Description|contains: 'Test executable'\n    condition: selection",
            ),
            Valid,
            vec![
                (json!({"Image": "C:\\x\\EXAMPLE.exe"}), true),
                (json!({"Description": "a test executable b"}), true),
                (json!({"Image": "C:\\x\\other.exe"}), false),
            ],
        ),
        case(
            "keywords are OR over the whole event",
            rule(
                "    keywords:\n        - 'EVILSERVICE'\n        - 'svchost.exe -n evil'\n    condition: keywords",
            ),
            Valid,
            vec![
                (json!({"Message": "started evilservice now"}), true),
                (json!({"Message": "nothing"}), false),
            ],
        ),
        case(
            "keywords with |all are AND",
            rule(
                "    keywords_cmdlet:\n        '|all':\n            - 'OabVirtualDirectory'\n            - ' -ExternalUrl '\n    condition: keywords_cmdlet",
            ),
            Valid,
            vec![
                (
                    json!({"CommandLine": "Set-OabVirtualDirectory -ExternalUrl http://x"}),
                    true,
                ),
                (json!({"CommandLine": "Set-OabVirtualDirectory"}), false),
            ],
        ),
        case(
            "null is a missing field, not null is a negated selection",
            rule(
                "    selection:\n        EventID: 4738\n    filter:\n        PasswordLastSet: null\n    condition: selection and not filter",
            ),
            Valid,
            vec![
                (
                    json!({"EventID": 4738, "PasswordLastSet": "2024-01-01"}),
                    true,
                ),
                (json!({"EventID": 4738}), false),
            ],
        ),
        case(
            "empty value matches only the empty string",
            rule("    selection:\n        CommandLine: ''\n    condition: selection"),
            Valid,
            vec![
                (json!({"CommandLine": ""}), true),
                (json!({"CommandLine": "x"}), false),
            ],
        ),
        case(
            "exists true and false",
            rule(
                "    selection:\n        EventID: 4738\n        PasswordLastSet|exists: true\n    filter:\n        Other|exists: false\n    condition: selection and filter",
            ),
            Valid,
            vec![
                (json!({"EventID": 4738, "PasswordLastSet": ""}), true),
                (json!({"EventID": 4738}), false),
                (
                    json!({"EventID": 4738, "PasswordLastSet": "", "Other": 1}),
                    false,
                ),
            ],
        ),
        case(
            "wildcards ? and *, case-insensitive",
            rule(
                "    selection:\n        Image: 'C:\\Windows\\prog?.exe'\n        CommandLine: 'antivirus_V*.exe'\n    condition: selection",
            ),
            Valid,
            vec![
                (
                    json!({"Image": "c:\\windows\\PROGA.exe", "CommandLine": "antivirus_V21.2.1.exe"}),
                    true,
                ),
                (
                    json!({"Image": "c:\\windows\\prog.exe", "CommandLine": "antivirus_V1.exe"}),
                    false,
                ),
            ],
        ),
        case(
            "escaped wildcard is a plain character",
            rule("    selection:\n        CommandLine: 'a\\*b'\n    condition: selection"),
            Valid,
            vec![
                (json!({"CommandLine": "a*b"}), true),
                (json!({"CommandLine": "axxb"}), false),
            ],
        ),
        case(
            "numeric field name",
            rule("    selection:\n        4624: abc\n    condition: selection"),
            Valid,
            vec![
                (json!({"4624": "ABC"}), true),
                (json!({"4624": "x"}), false),
            ],
        ),
        case(
            "selection value that is a mapping",
            rule("    selection:\n        Image:\n            a: b\n    condition: selection"),
            Invalid(&["SIG017"], None),
            vec![],
        ),
        case(
            "nested list in a selection",
            rule("    selection:\n        - - a\n    condition: selection"),
            Invalid(&["SIG017"], None),
            vec![],
        ),
    ]);
}

/// Conditions: `x of` with patterns and `them` (identifiers starting with `_` left out),
/// precedence `or` < `and` < `not`, parentheses, a list of conditions is an OR.
#[test]
fn conditions() {
    use Lint::*;
    let two = |cond: &str| {
        rule(&format!(
            "    sel_a:\n        A: 1\n    sel_b:\n        B: 1\n    filter:\n        C: 1\n    condition: {cond}"
        ))
    };
    run(&[
        case(
            "1 of pattern",
            two("1 of sel_* and not filter"),
            Valid,
            vec![
                (json!({"A": 1}), true),
                (json!({"B": 1}), true),
                (json!({"B": 1, "C": 1}), false),
            ],
        ),
        case(
            "all of pattern",
            two("all of sel_* and not filter"),
            Valid,
            vec![(json!({"A": 1, "B": 1}), true), (json!({"A": 1}), false)],
        ),
        case(
            "any of is 1 of",
            two("any of sel* and not filter"),
            Valid,
            vec![(json!({"B": 1}), true), (json!({"C": 1}), false)],
        ),
        case(
            "1 of them",
            two("1 of them"),
            Valid,
            vec![(json!({"C": 1}), true), (json!({"D": 1}), false)],
        ),
        case(
            "all of them leaves out identifiers starting with _",
            rule("    sel:\n        A: 1\n    _hidden:\n        B: 1\n    condition: all of them"),
            Valid,
            vec![(json!({"A": 1}), true)],
        ),
        case(
            "a pattern leaves out identifiers starting with _ too",
            rule(
                "    sel:\n        A: 1\n    _sel_x:\n        B: 1\n    condition: sel or 1 of _sel*",
            ),
            Invalid(&["SIG006"], Some("_sel*")),
            vec![],
        ),
        case(
            "a pattern starting with * leaves out identifiers starting with _",
            rule("    sel:\n        A: 1\n    _sel:\n        B: 1\n    condition: all of *sel"),
            Valid,
            vec![(json!({"A": 1}), true)],
        ),
        case(
            "and binds tighter than or",
            two("sel_a or sel_b and filter"),
            Valid,
            vec![
                (json!({"A": 1}), true),
                (json!({"B": 1}), false),
                (json!({"B": 1, "C": 1}), true),
            ],
        ),
        case(
            "not binds tighter than and",
            two("not sel_a and sel_b"),
            Valid,
            vec![(json!({"B": 1}), true), (json!({"A": 1, "B": 1}), false)],
        ),
        case(
            "parentheses",
            two("(sel_a or sel_b) and filter"),
            Valid,
            vec![(json!({"B": 1}), false), (json!({"B": 1, "C": 1}), true)],
        ),
        case(
            "not of a quantified pattern",
            two("sel_a and not 1 of filter*"),
            Valid,
            vec![(json!({"A": 1}), true), (json!({"A": 1, "C": 1}), false)],
        ),
        case(
            "a list of conditions is an OR",
            rule(
                "    sel_a:\n        A: 1\n    sel_b:\n        B: 1\n    condition:\n        - sel_a\n        - sel_b",
            ),
            Valid,
            vec![(json!({"B": 1}), true), (json!({"C": 1}), false)],
        ),
        case(
            "undefined identifier",
            two("sel_a or sel_c"),
            Invalid(&["SIG006"], Some("sel_c")),
            vec![],
        ),
        case(
            "unbalanced parenthesis",
            two("(sel_a or sel_b"),
            Invalid(&["SIG005"], None),
            vec![],
        ),
        case(
            "dangling operator",
            two("sel_a and"),
            Invalid(&["SIG005"], None),
            vec![],
        ),
        case(
            "a quantifier other than 1, any, all",
            two("2 of sel_*"),
            Invalid(&["SIG005"], None),
            vec![],
        ),
        case(
            "missing condition",
            rule("    selection:\n        A: 1"),
            Invalid(&["SIG002"], None),
            vec![],
        ),
        case(
            "deprecated aggregation",
            rule("    selection:\n        A: 1\n    condition: selection | count() > 5"),
            Invalid(&["SIG014"], None),
            vec![],
        ),
    ]);
}

/// Modifiers appendix: generic and string modifiers, their combinations and evaluation.
#[test]
fn string_modifiers() {
    use Lint::*;
    let one = |item: &str| {
        rule(&format!(
            "    selection:\n        {item}\n    condition: selection"
        ))
    };
    run(&[
        case(
            "contains, startswith, endswith",
            rule(
                "    selection:\n        CommandLine|contains: 'enc'\n        Image|startswith: 'C:\\Win'\n        ParentImage|endswith: '\\cmd.exe'\n    condition: selection",
            ),
            Valid,
            vec![
                (
                    json!({"CommandLine": "-ENC x", "Image": "c:\\windows\\a.exe", "ParentImage": "x\\CMD.EXE"}),
                    true,
                ),
                (
                    json!({"CommandLine": "-ENC x", "Image": "d:\\windows\\a.exe", "ParentImage": "x\\CMD.EXE"}),
                    false,
                ),
            ],
        ),
        case(
            "contains|all: every value",
            one("CommandLine|contains|all:\n            - ' -a '\n            - ' -b '"),
            Valid,
            vec![
                (json!({"CommandLine": "x -b  -a y"}), true),
                (json!({"CommandLine": "x -a y"}), false),
            ],
        ),
        case(
            "all on a single value",
            one("CommandLine|contains|all: 'x'"),
            Invalid(&["SIG020"], Some("all")),
            vec![],
        ),
        case(
            "cased",
            one("CommandLine|cased: 'AbC'"),
            Valid,
            vec![
                (json!({"CommandLine": "AbC"}), true),
                (json!({"CommandLine": "abc"}), false),
            ],
        ),
        case(
            "two string positions",
            one("Image|startswith|endswith: 'x'"),
            Invalid(&["SIG020"], Some("endswith")),
            vec![],
        ),
        case(
            "unknown modifier, span on the modifier",
            one("Image|endwith: '\\whoami.exe'"),
            Invalid(&["SIG008"], Some("endwith")),
            vec![],
        ),
        case(
            "modifiers are case-sensitive",
            one("Image|Contains: 'x'"),
            Invalid(&["SIG008"], Some("Contains")),
            vec![],
        ),
        case(
            "windash: - and / and the Unicode dashes at a word start",
            one("CommandLine|windash|contains: ' -enc '"),
            Valid,
            vec![
                (json!({"CommandLine": "powershell /enc abc"}), true),
                (json!({"CommandLine": "powershell \u{2013}enc abc"}), true),
                (json!({"CommandLine": "powershell \u{2015}enc abc"}), true),
                (json!({"CommandLine": "powershell enc abc"}), false),
            ],
        ),
        case(
            "base64",
            one("CommandLine|base64: 'iex'"),
            Valid,
            vec![
                (json!({"CommandLine": "aWV4"}), true),
                (json!({"CommandLine": "iex"}), false),
            ],
        ),
        case(
            "base64offset|contains",
            one("CommandLine|base64offset|contains: 'http://'"),
            Valid,
            vec![
                // base64("xhttp://") and base64("xxhttp://") contain the offset forms
                (json!({"CommandLine": "eGh0dHA6Ly8="}), true),
                (json!({"CommandLine": "eHhodHRwOi8v"}), true),
                (json!({"CommandLine": "aHR0cDovLw=="}), true),
                (json!({"CommandLine": "http://"}), false),
            ],
        ),
        case(
            "utf16le|base64offset|contains (wide is utf16le)",
            one("CommandLine|wide|base64offset|contains: 'iex'"),
            Valid,
            // base64 of UTF-16LE "iex" is aQBlAHgA
            vec![
                (json!({"CommandLine": "-e aQBlAHgA"}), true),
                (json!({"CommandLine": "aWV4"}), false),
            ],
        ),
        case(
            "utf16le spelled out",
            one("CommandLine|utf16le|base64offset|contains: 'iex'"),
            Valid,
            vec![(json!({"CommandLine": "aQBlAHgA"}), true)],
        ),
        case(
            "utf16be|base64",
            one("CommandLine|utf16be|base64: 'iex'"),
            Valid,
            // UTF-16BE "iex" = 00 69 00 65 00 78
            vec![(json!({"CommandLine": "AGkAZQB4"}), true)],
        ),
        case(
            "utf16 adds a byte-order mark",
            one("CommandLine|utf16|base64: 'iex'"),
            Valid,
            // FF FE 69 00 65 00 78 00
            vec![(json!({"CommandLine": "//5pAGUAeAA="}), true)],
        ),
        case(
            "base64 refuses wildcards",
            one("CommandLine|base64: 'ie*'"),
            Invalid(&["SIG020"], Some("'ie*'")),
            vec![],
        ),
        case(
            "base64offset needs contains",
            one("CommandLine|base64offset: 'iex'"),
            Invalid(&["SIG020"], Some("base64offset")),
            vec![],
        ),
        case(
            "expand with a placeholder",
            one("User|expand: '%Administrators%'"),
            Valid,
            vec![],
        ),
        case(
            "fieldref",
            one("User|fieldref: TargetUser"),
            Valid,
            vec![
                (json!({"User": "Bob", "TargetUser": "bob"}), true),
                (json!({"User": "Bob", "TargetUser": "alice"}), false),
            ],
        ),
        case(
            "fieldref refuses wildcards",
            one("User|fieldref: 'Target*'"),
            Invalid(&["SIG020"], Some("'Target*'")),
            vec![],
        ),
        case(
            "exists needs a boolean",
            one("User|exists: maybe"),
            Invalid(&["SIG020"], Some("maybe")),
            vec![],
        ),
        case(
            "exists comes first",
            one("User|contains|exists: true"),
            Invalid(&["SIG020"], Some("exists")),
            vec![],
        ),
    ]);
}

/// `neq` (modifiers appendix 2.1: strings or numbers, also with `fieldref`) negates the
/// whole item, as pySigma's negated detection item: with a list it means none of the values.
#[test]
fn neq_modifier() {
    use Lint::*;
    let one = |item: &str| {
        rule(&format!(
            "    selection:\n        {item}\n    condition: selection"
        ))
    };
    run(&[
        case(
            "neq on a string",
            one("Image|neq: 'a.exe'"),
            Valid,
            vec![
                (json!({"Image": "b.exe"}), true),
                (json!({"Image": "A.EXE"}), false),
                (json!({"Other": 1}), false),
            ],
        ),
        case(
            "neq on a number",
            one("EventID|neq: 4624"),
            Valid,
            vec![
                (json!({"EventID": 4625}), true),
                (json!({"EventID": 4624}), false),
            ],
        ),
        case(
            "neq on a list: none of the values",
            one("Image|neq:\n            - 'a.exe'\n            - 'b.exe'"),
            Valid,
            vec![
                (json!({"Image": "c.exe"}), true),
                (json!({"Image": "a.exe"}), false),
                (json!({"Image": "b.exe"}), false),
            ],
        ),
        case(
            "neq with contains",
            one("Image|contains|neq:\n            - 'temp'\n            - 'tmp'"),
            Valid,
            vec![
                (json!({"Image": "C:\\Windows\\a.exe"}), true),
                (json!({"Image": "C:\\Temp\\a.exe"}), false),
            ],
        ),
        case(
            "fieldref with neq",
            one("User|fieldref|neq: TargetUser"),
            Valid,
            vec![
                (json!({"User": "bob", "TargetUser": "alice"}), true),
                (json!({"User": "bob", "TargetUser": "bob"}), false),
            ],
        ),
    ]);
}

/// Regular expressions, CIDR, numeric and time modifiers.
#[test]
fn typed_modifiers() {
    use Lint::*;
    let one = |item: &str| {
        rule(&format!(
            "    selection:\n        {item}\n    condition: selection"
        ))
    };
    run(&[
        case(
            "re is case-sensitive and unanchored",
            one("CommandLine|re: 'ab+c'"),
            Valid,
            vec![
                (json!({"CommandLine": "xabbbcx"}), true),
                (json!({"CommandLine": "ABC"}), false),
            ],
        ),
        case(
            "re with i, m, s",
            one("CommandLine|re|i|m|s: '^a.b$'"),
            Valid,
            vec![
                (json!({"CommandLine": "x\nA\nB\ny"}), true),
                (json!({"CommandLine": "xab"}), false),
            ],
        ),
        case(
            "re that does not compile",
            one("CommandLine|re: 'a(b'"),
            Invalid(&["SIG020"], None),
            vec![],
        ),
        case(
            "regex flag without re",
            one("CommandLine|i: 'a'"),
            Invalid(&["SIG008"], Some("CommandLine|i>>i")),
            vec![],
        ),
        case(
            "re after another modifier",
            one("CommandLine|contains|re: 'a'"),
            Invalid(&["SIG020"], Some("contains|re>>re")),
            vec![],
        ),
        case(
            "cidr IPv4 and IPv6",
            one("DestinationIp|cidr:\n            - '10.0.0.0/8'\n            - 'fe80::/10'"),
            Valid,
            vec![
                (json!({"DestinationIp": "10.1.2.3"}), true),
                (json!({"DestinationIp": "fe80::1"}), true),
                (json!({"DestinationIp": "11.0.0.1"}), false),
            ],
        ),
        case(
            "cidr prefix out of range",
            one("DestinationIp|cidr: '10.0.0.0/33'"),
            Invalid(&["SIG020"], Some("'10.0.0.0/33'")),
            vec![],
        ),
        case(
            "cidr with host bits set is not a network (pySigma's strict ip_network)",
            one("DestinationIp|cidr: '10.0.0.1/8'"),
            Invalid(&["SIG020"], Some("'10.0.0.1/8'")),
            vec![],
        ),
        case(
            "gt, gte, lt, lte",
            rule(
                "    selection:\n        A|gt: 10\n        B|gte: 10\n        C|lt: 10\n        D|lte: 10\n    condition: selection",
            ),
            Valid,
            vec![
                (json!({"A": 11, "B": 10, "C": 9, "D": 10}), true),
                (json!({"A": 10, "B": 10, "C": 9, "D": 10}), false),
                (json!({"A": 11, "B": 9, "C": 9, "D": 10}), false),
                (json!({"A": 11, "B": 10, "C": 10, "D": 10}), false),
                (json!({"A": 11, "B": 10, "C": 9, "D": 11}), false),
            ],
        ),
        case(
            "numeric modifier on a string",
            one("A|gt: abc"),
            Invalid(&["SIG020"], Some("abc")),
            vec![],
        ),
        case(
            "time part",
            one("UtcTime|hour: 23"),
            Valid,
            vec![
                (json!({"UtcTime": "2024-01-01T23:15:00Z"}), true),
                (json!({"UtcTime": "2024-01-01T22:15:00Z"}), false),
            ],
        ),
        case(
            "time part out of range",
            one("UtcTime|hour: 24"),
            Invalid(&["SIG020"], Some("hour: 24>>24")),
            vec![],
        ),
        case(
            "month and day",
            rule(
                "    selection:\n        UtcTime|month: 2\n        UtcTime|day: 29\n    condition: selection",
            ),
            Valid,
            vec![
                (json!({"UtcTime": "2024-02-29 10:00:00"}), true),
                (json!({"UtcTime": "2024-03-29 10:00:00"}), false),
            ],
        ),
    ]);
}

/// Rule attributes: status, level, related types, dates, tags, identifiers, log source.
#[test]
fn rule_attributes() {
    use Lint::*;
    let id_line = format!("id: {ID}\n");
    run(&[
        case(
            "every status value",
            rule_with("").replace("status: test", "status: unsupported"),
            Valid,
            vec![],
        ),
        case(
            "status outside the list",
            rule_with("").replace("status: test", "status: production"),
            Invalid(&["SIG002"], Some("production")),
            vec![],
        ),
        case(
            "level informational",
            rule_with("").replace("level: medium", "level: informational"),
            Valid,
            vec![],
        ),
        case(
            "level outside the list",
            rule_with("").replace("level: medium", "level: severe"),
            Invalid(&["SIG002"], Some("severe")),
            vec![],
        ),
        case(
            "related with every type",
            rule_with(
                "related:\n    - id: 08fbc97d-0a2f-491c-ae21-8ffcfd3174e9\n      type: derived\n    - id: 929a690e-bef0-4204-a928-ef5e620d6fcc\n      type: obsolete\n    - id: 1e2f3a4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b\n      type: merged\n    - id: 2e2f3a4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b\n      type: renamed\n    - id: 3e2f3a4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b\n      type: similar\n",
            ),
            Valid,
            vec![],
        ),
        case(
            "related type outside the list",
            rule_with(
                "related:\n    - id: 08fbc97d-0a2f-491c-ae21-8ffcfd3174e9\n      type: copied\n",
            ),
            Invalid(&["SIG002"], Some("copied")),
            vec![],
        ),
        case(
            "date in ISO 8601 with separators",
            rule_with("modified: 2024-02-29\n"),
            Valid,
            vec![],
        ),
        case(
            "date with slashes",
            rule_with("modified: 2024/02/01\n"),
            Invalid(&["SIG009"], Some("2024/02/01")),
            vec![],
        ),
        case(
            "date that does not exist",
            rule_with("modified: 2023-02-29\n"),
            Invalid(&["SIG009"], Some("2023-02-29")),
            vec![],
        ),
        case(
            "tags of the tags appendix",
            rule_with(
                "tags:\n    - attack.execution\n    - attack.t1059.001\n    - attack.g0016\n    - attack.s0005\n    - car.2016-04-005\n    - cve.2021-44228\n    - detection.threat-hunting\n    - tlp.green\n",
            ),
            Valid,
            vec![],
        ),
        case(
            "ATT&CK mitigation and asset tags (tags appendix v2.1.0)",
            rule_with("tags:\n    - attack.m1036\n    - attack.a0001\n    - attack.ds0009\n"),
            Clean(&["SIG010"]),
            vec![],
        ),
        case(
            "tags of every namespace of the tags appendix",
            rule_with(
                "tags:\n    - car.2016-04-005\n    - cve.2021-44228\n    - d3fend.d3-am\n    - d3fend.harden\n    - detection.dfir\n    - stp.3k\n    - stp.4\n    - tlp.amber-strict\n    - tlp.clear\n",
            ),
            Clean(&["SIG010", "SIG025"]),
            vec![],
        ),
        case(
            "TLP level outside TLP 2.0",
            rule_with("tags:\n    - tlp.white\n"),
            Invalid(&["SIG025"], Some("tlp.white")),
            vec![],
        ),
        case(
            "CVE written with dots",
            rule_with("tags:\n    - cve.2021.44228\n"),
            Invalid(&["SIG025"], Some("cve.2021.44228")),
            vec![],
        ),
        case(
            "rule type the detection namespace does not define",
            rule_with("tags:\n    - detection.hunting\n"),
            Invalid(&["SIG025"], Some("detection.hunting")),
            vec![],
        ),
        case(
            "Summiting the Pyramid score out of range",
            rule_with("tags:\n    - stp.6\n"),
            Invalid(&["SIG025"], Some("stp.6")),
            vec![],
        ),
        case(
            "tag with a space",
            rule_with("tags:\n    - 'attack.some tag'\n"),
            Invalid(&["SIG002"], None),
            vec![],
        ),
        case(
            "id that is not a UUID",
            rule_with("").replace(&id_line, "id: not-a-uuid\n"),
            Invalid(&["SIG003"], Some("not-a-uuid")),
            vec![],
        ),
        case(
            "name, taxonomy, license, scope, fields and custom attributes",
            rule_with(
                "name: whoami_execution\ntaxonomy: sigma\nlicense: DRL-1.1\nscope:\n    - server\nfields:\n    - CommandLine\ncustom_attribute: anything\n",
            ),
            Valid,
            vec![],
        ),
        case(
            "title is required",
            rule_with("").replace("title: Spec conformance probe\n", ""),
            Invalid(&["SIG002"], None),
            vec![],
        ),
        case(
            "title of more than 256 characters",
            rule_with("").replace("Spec conformance probe", &"x".repeat(257)),
            Invalid(&["SIG002"], None),
            vec![],
        ),
        case(
            "logsource is required",
            rule_with("").replace(
                "logsource:\n    product: windows\n    category: process_creation\n",
                "",
            ),
            Invalid(&["SIG002"], None),
            vec![],
        ),
    ]);
}

const BASE_RULES: &str = "title: Failed logon base\nid: 5638f7c0-ac70-491d-8465-2a65075e0d86\nname: failed_logon\nstatus: test\nlogsource:\n    product: windows\n    service: security\ndetection:\n    selection:\n        EventID: 4625\n    condition: selection\nlevel: low\n---\ntitle: Successful logon base\nid: 4d0a2c1e-9b8f-4e7d-a6c5-b4a3f2e1d0c9\nname: successful_logon\nstatus: test\nlogsource:\n    product: windows\n    service: security\ndetection:\n    selection:\n        EventID: 4624\n    condition: selection\nlevel: low\n---\n";

fn correlation(body: &str) -> String {
    format!(
        "{BASE_RULES}title: Correlation probe\nid: 0e95725d-7320-415d-80f7-004da920fc11\nstatus: test\ncorrelation:\n{body}\nlevel: high\n"
    )
}

/// Correlation rules: types, their requirements, timespan and condition.
#[test]
fn correlation_rules() {
    use Lint::*;
    let ec = |rest: &str| {
        correlation(&format!(
            "    type: event_count\n    rules:\n        - failed_logon\n{rest}"
        ))
    };
    run(&[
        case(
            "event_count",
            ec("    group-by:\n        - ComputerName\n    timespan: 1h\n    condition:\n        gte: 100"),
            Valid,
            vec![],
        ),
        case(
            "event_count by id with a range",
            correlation("    type: event_count\n    rules:\n        - 5638f7c0-ac70-491d-8465-2a65075e0d86\n    group-by:\n        - ComputerName\n    timespan: 90m\n    condition:\n        gt: 100\n        lte: 200"),
            Valid,
            vec![],
        ),
        case(
            "event_count with eq",
            ec("    group-by:\n        - ComputerName\n    timespan: 1d\n    condition:\n        eq: 3"),
            Valid,
            vec![],
        ),
        case(
            "event_count without group-by",
            ec("    timespan: 1h\n    condition:\n        gte: 100"),
            Invalid(&["SIG021"], None),
            vec![],
        ),
        case(
            "event_count without condition",
            ec("    group-by:\n        - ComputerName\n    timespan: 1h"),
            Invalid(&["SIG021"], None),
            vec![],
        ),
        case(
            "timespan unit outside s, m, h, d",
            ec("    group-by:\n        - ComputerName\n    timespan: 1w\n    condition:\n        gte: 100"),
            Invalid(&["SIG021"], Some("1w")),
            vec![],
        ),
        case(
            "timespan of two units",
            ec("    group-by:\n        - ComputerName\n    timespan: 1h30m\n    condition:\n        gte: 100"),
            Invalid(&["SIG021"], Some("1h30m")),
            vec![],
        ),
        case(
            "condition operator outside gt, gte, lt, lte, eq",
            ec("    group-by:\n        - ComputerName\n    timespan: 1h\n    condition:\n        ge: 100"),
            Invalid(&["SIG021"], Some("ge: 100>>ge")),
            vec![],
        ),
        case(
            "condition count that is not a number",
            ec("    group-by:\n        - ComputerName\n    timespan: 1h\n    condition:\n        gte: many"),
            Invalid(&["SIG021"], Some("many")),
            vec![],
        ),
        case(
            "value_count with field",
            correlation("    type: value_count\n    rules:\n        - failed_logon\n    group-by:\n        - ComputerName\n    timespan: 1d\n    condition:\n        field: User\n        gte: 100"),
            Valid,
            vec![],
        ),
        case(
            "value_count without field",
            correlation("    type: value_count\n    rules:\n        - failed_logon\n    group-by:\n        - ComputerName\n    timespan: 1d\n    condition:\n        gte: 100"),
            Invalid(&["SIG021"], None),
            vec![],
        ),
        case(
            "temporal without condition",
            correlation("    type: temporal\n    rules:\n        - failed_logon\n        - successful_logon\n    group-by:\n        - User\n    timespan: 5m"),
            Valid,
            vec![],
        ),
        case(
            "temporal_ordered with aliases",
            correlation("    type: temporal_ordered\n    rules:\n        - failed_logon\n        - successful_logon\n    group-by:\n        - ip\n    timespan: 10s\n    aliases:\n        ip:\n            failed_logon: IpAddress\n            successful_logon: SourceIp"),
            Valid,
            vec![],
        ),
        case(
            "alias for a rule the correlation does not name",
            correlation("    type: temporal\n    rules:\n        - failed_logon\n        - successful_logon\n    group-by:\n        - ip\n    timespan: 10s\n    aliases:\n        ip:\n            other_rule: IpAddress"),
            Invalid(&["SIG021"], Some("other_rule")),
            vec![],
        ),
        case(
            "unknown correlation type",
            ec("    group-by:\n        - ComputerName\n    timespan: 1h\n    condition:\n        gte: 100")
                .replace("type: event_count", "type: event_sum"),
            Invalid(&["SIG002"], Some("event_sum")),
            vec![],
        ),
        case(
            "correlation naming no rule",
            correlation("    type: event_count\n    rules:\n        - no_such_rule\n    group-by:\n        - ComputerName\n    timespan: 1h\n    condition:\n        gte: 100"),
            Invalid(&["SIG011"], Some("no_such_rule")),
            vec![],
        ),
    ]);
}

fn filter(logsource: &str, body: &str) -> String {
    format!(
        "{BASE_RULES}title: Filter probe\nid: 7d1e5a3b-8c2f-4a6d-9e0b-1f2a3b4c5d6e\nlogsource:\n{logsource}filter:\n{body}\n"
    )
}

const SECURITY: &str = "    product: windows\n    service: security\n";

/// Filters: `rules`, `selection`, `condition`; the filter's condition is ANDed with the
/// rule's (pySigma), and applies only to the rules of its log source.
#[test]
fn filters() {
    use Lint::*;
    let admin = "    rules:\n        - 5638f7c0-ac70-491d-8465-2a65075e0d86\n    selection:\n        User|startswith: 'adm_'\n    condition: not selection";
    run(&[
        case("filter", filter(SECURITY, admin), Valid, vec![]),
        case(
            "filter without rules",
            filter(
                SECURITY,
                "    selection:\n        User|startswith: 'adm_'\n    condition: not selection",
            ),
            Invalid(&["SIG002"], None),
            vec![],
        ),
        case(
            "filter without condition",
            filter(
                SECURITY,
                "    rules:\n        - failed_logon\n    selection:\n        User|startswith: 'adm_'",
            ),
            Invalid(&["SIG002"], None),
            vec![],
        ),
        case(
            "filter condition naming an undefined identifier",
            filter(
                SECURITY,
                "    rules:\n        - failed_logon\n    selection:\n        User|startswith: 'adm_'\n    condition: not selection2",
            ),
            Invalid(&["SIG006"], Some("selection2")),
            vec![],
        ),
        case(
            "filter naming no rule",
            filter(
                SECURITY,
                "    rules:\n        - no_such_rule\n    selection:\n        User: x\n    condition: not selection",
            ),
            Invalid(&["SIG018"], Some("no_such_rule")),
            vec![],
        ),
    ]);
}

fn eval_filtered(text: &str, rule_id: &str, ev: &Value) -> bool {
    let set = RuleSet::load(
        &[SourceFile {
            path: "probe.yml".into(),
            text: text.to_owned(),
        }],
        &Placeholders::new(),
    );
    set.rules
        .iter()
        .find(|r| r.id == rule_id)
        .is_some_and(|r| r.matches(ev))
}

#[test]
fn filters_apply_to_the_rules_of_their_log_source() {
    let rule_id = "5638f7c0-ac70-491d-8465-2a65075e0d86";
    let admin = "    rules:\n        - failed_logon\n    selection:\n        User|startswith: 'adm_'\n    condition: not selection";
    let same = filter(SECURITY, admin);
    assert!(eval_filtered(
        &same,
        rule_id,
        &json!({"EventID": 4625, "User": "bob"})
    ));
    assert!(!eval_filtered(
        &same,
        rule_id,
        &json!({"EventID": 4625, "User": "adm_bob"})
    ));
    // A filter for another log source leaves the rule alone (pySigma's
    // `rule.logsource in filter.logsource`).
    let other = filter("    product: linux\n", admin);
    assert!(eval_filtered(
        &other,
        rule_id,
        &json!({"EventID": 4625, "User": "adm_bob"})
    ));
    // Keys the filter leaves out match any value.
    let broader = filter("    product: windows\n", admin);
    assert!(!eval_filtered(
        &broader,
        rule_id,
        &json!({"EventID": 4625, "User": "adm_bob"})
    ));
}

/// Findings about a document's `id` or `title` that the repository checks make (duplicates)
/// cover the whole value, as the per-document checks do.
#[test]
fn repository_findings_cover_the_value() {
    let doc = rule_with("");
    let text = format!("{doc}---\n{doc}");
    let out = lint_text("probe.yml", text.as_str(), &LintOptions::default());
    let (line, col, end) = locate(&text, ID).expect("id in the text");
    let (tline, tcol, tend) = locate(&text, "Spec conformance probe").expect("title");
    for (code, l, c, e) in [("SIG004", line, col, end), ("SIG016", tline, tcol, tend)] {
        let f = out
            .findings
            .iter()
            .find(|f| f.code == code)
            .unwrap_or_else(|| panic!("no {code}"));
        assert_eq!(
            (f.pos.line, f.pos.col, f.end.map(|p| (p.line, p.col))),
            (l, c, Some((l, e))),
            "{code}"
        );
    }
}
