//! Mutation harness: takes a deterministic sample of SigmaHQ rules from
//! `../shared/corpora/sigmahq`, applies one change per mutant from each class of the Sigma
//! specification (conditions, modifiers, values and attributes, correlation rules, YAML),
//! and checks sigsmith's verdict: an invalid mutant must get a SIG error (on the changed
//! line, when the change is on one line), a valid one must get none.
//!
//! `cargo test --test mutations -- --nocapture` prints the figures per class. Skipped with a
//! note when the corpus is absent.

mod common;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;

use sigsmith::diagnostic::Severity;
use sigsmith::lint::engine::{LintOptions, SourceFile, lint_sources};

/// One mutant: its class, a short name, whether the specification makes it invalid, the
/// 1-based line of the offending token (when the change is on one line), and the text.
struct Mutant {
    class: &'static str,
    name: String,
    invalid: bool,
    line: Option<u32>,
    text: String,
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

fn join(lines: &[String]) -> String {
    let mut s = lines.join("\n");
    s.push('\n');
    s
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn line_no(i: usize) -> Option<u32> {
    u32::try_from(i + 1).ok()
}

/// The index of the `condition:` line when it is a one-line scalar.
fn condition_line(ls: &[String]) -> Option<usize> {
    ls.iter().position(|l| {
        let t = l.trim_start();
        t.starts_with("condition: ") && indent(l) > 0 && !t.ends_with('|') && !t.ends_with('>')
    })
}

/// The first line of the form `    Field|mods: value` or `    Field: value` inside detection.
fn item_lines(ls: &[String]) -> Vec<usize> {
    let Some(det) = ls.iter().position(|l| l.starts_with("detection:")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, l) in ls.iter().enumerate().skip(det + 1) {
        if indent(l) == 0 && !l.trim().is_empty() {
            break;
        }
        let t = l.trim_start();
        if indent(l) >= 8 && !t.starts_with('-') && !t.starts_with('#') && t.contains(':') {
            out.push(i);
        }
    }
    out
}

fn mutants_of(text: &str) -> Vec<Mutant> {
    let ls = lines(text);
    let mut out = Vec::new();
    let mut push =
        |class: &'static str, name: &str, invalid: bool, line: Option<usize>, ls: Vec<String>| {
            out.push(Mutant {
                class,
                name: name.to_owned(),
                invalid,
                line: line.and_then(line_no),
                text: join(&ls),
            });
        };
    let with = |i: usize, new: String| {
        let mut v = ls.clone();
        v[i] = new;
        v
    };
    let insert = |i: usize, new: String| {
        let mut v = ls.clone();
        v.insert(i, new);
        v
    };

    // Conditions.
    if let Some(c) = condition_line(&ls) {
        let line = &ls[c];
        let (head, cond) = line.split_once("condition: ").expect("condition line");
        let cond = cond.trim();
        let unquoted = !cond.starts_with('\'') && !cond.starts_with('"');
        if unquoted {
            push(
                "condition",
                "dangling and",
                true,
                Some(c),
                with(c, format!("{head}condition: {cond} and")),
            );
            push(
                "condition",
                "pipe aggregation",
                true,
                Some(c),
                with(c, format!("{head}condition: {cond} | count() > 5")),
            );
            push(
                "condition",
                "near",
                true,
                Some(c),
                with(c, format!("{head}condition: {cond} near other")),
            );
            push(
                "condition",
                "parenthesised",
                false,
                None,
                with(c, format!("{head}condition: ({cond})")),
            );
            push(
                "condition",
                "unbalanced paren",
                true,
                Some(c),
                with(c, format!("{head}condition: (({cond})")),
            );
            push("condition", "list form", false, None, {
                let mut v = ls.clone();
                v[c] = format!("{head}condition:");
                v.insert(c + 1, format!("{head}    - {cond}"));
                v
            });
            push(
                "condition",
                "undefined identifier",
                true,
                Some(c),
                with(c, format!("{head}condition: {cond} or sel_undefined_x")),
            );
            if cond.contains(" and ") {
                push(
                    "condition",
                    "upper-case AND",
                    true,
                    Some(c),
                    with(
                        c,
                        format!("{head}condition: {}", cond.replacen(" and ", " AND ", 1)),
                    ),
                );
            }
            if cond.contains(" or ") {
                push(
                    "condition",
                    "upper-case OR",
                    true,
                    Some(c),
                    with(
                        c,
                        format!("{head}condition: {}", cond.replacen(" or ", " Or ", 1)),
                    ),
                );
            }
            if cond.contains("not ") {
                push(
                    "condition",
                    "upper-case NOT",
                    true,
                    Some(c),
                    with(
                        c,
                        format!("{head}condition: {}", cond.replacen("not ", "NOT ", 1)),
                    ),
                );
            }
            if cond.contains("1 of ") {
                push(
                    "condition",
                    "2 of",
                    true,
                    Some(c),
                    with(
                        c,
                        format!("{head}condition: {}", cond.replacen("1 of ", "2 of ", 1)),
                    ),
                );
                push(
                    "condition",
                    "any of",
                    false,
                    None,
                    with(
                        c,
                        format!("{head}condition: {}", cond.replacen("1 of ", "any of ", 1)),
                    ),
                );
                push(
                    "condition",
                    "upper-case OF",
                    true,
                    Some(c),
                    with(
                        c,
                        format!("{head}condition: {}", cond.replacen("1 of ", "1 OF ", 1)),
                    ),
                );
            }
            if cond.contains("all of ") {
                push(
                    "condition",
                    "upper-case ALL",
                    true,
                    Some(c),
                    with(
                        c,
                        format!(
                            "{head}condition: {}",
                            cond.replacen("all of ", "ALL of ", 1)
                        ),
                    ),
                );
            }
            push(
                "condition",
                "1 of them",
                false,
                None,
                with(c, format!("{head}condition: 1 of them")),
            );
            push(
                "condition",
                "hyphen in a pattern",
                true,
                Some(c),
                with(c, format!("{head}condition: {cond} or 1 of sel-*")),
            );
        }
    }

    // Modifiers (on existing items).
    for &i in item_lines(&ls).iter().take(3) {
        let l = &ls[i];
        // A changed key that a sibling already has would make a duplicate-key mutant too.
        let key_of = |line: &str| {
            line.trim_start()
                .split_once(':')
                .map_or(String::new(), |(k, _)| k.to_owned())
        };
        let siblings: Vec<String> = ls
            .iter()
            .enumerate()
            .filter(|(j, o)| *j != i && indent(o) == indent(l))
            .map(|(_, o)| key_of(o))
            .collect();
        let mut push = |class: &'static str,
                        name: &str,
                        invalid: bool,
                        line: Option<usize>,
                        v: Vec<String>| {
            if !v.get(i).is_some_and(|c| siblings.contains(&key_of(c))) {
                push(class, name, invalid, line, v);
            }
        };
        let Some((key, value)) = l.split_once(':') else {
            continue;
        };
        let value = value.to_owned();
        let single = !value.trim().is_empty();
        if key.contains("|contains") && !key.contains("|all") && !key.contains("windash") {
            push(
                "modifier",
                "typo contians",
                true,
                Some(i),
                with(i, l.replacen("|contains", "|contians", 1)),
            );
            push(
                "modifier",
                "upper-case Contains",
                true,
                Some(i),
                with(i, l.replacen("|contains", "|Contains", 1)),
            );
            push(
                "modifier",
                "contains|startswith",
                true,
                Some(i),
                with(i, l.replacen("|contains", "|contains|startswith", 1)),
            );
            push(
                "modifier",
                "contains twice",
                true,
                Some(i),
                with(i, l.replacen("|contains", "|contains|contains", 1)),
            );
            push(
                "modifier",
                "re after contains",
                true,
                Some(i),
                with(i, l.replacen("|contains", "|contains|re", 1)),
            );
            push(
                "modifier",
                "contains|windash",
                false,
                None,
                with(i, l.replacen("|contains", "|contains|windash", 1)),
            );
            push(
                "modifier",
                "contains|base64",
                true,
                Some(i),
                with(i, l.replacen("|contains", "|contains|base64", 1)),
            );
            push(
                "modifier",
                "base64offset|contains",
                false,
                None,
                with(i, l.replacen("|contains", "|base64offset|contains", 1)),
            );
            push(
                "modifier",
                "cased|contains",
                false,
                None,
                with(i, l.replacen("|contains", "|contains|cased", 1)),
            );
            if single {
                push(
                    "modifier",
                    "all on a single value",
                    true,
                    Some(i),
                    with(i, l.replacen("|contains", "|contains|all", 1)),
                );
            }
        }
        if key.contains("|endswith") && !key.contains("windash") && !key.contains("|all") {
            push(
                "modifier",
                "startswith|endswith",
                true,
                Some(i),
                with(i, l.replacen("|endswith", "|startswith|endswith", 1)),
            );
            push(
                "modifier",
                "endswith|windash",
                false,
                None,
                with(i, l.replacen("|endswith", "|endswith|windash", 1)),
            );
        }
        if key.contains("|contains|all") {
            push(
                "modifier",
                "all without contains",
                true,
                Some(i),
                with(i, l.replacen("|contains|all", "|all", 1)),
            );
            push(
                "modifier",
                "windash with all",
                true,
                Some(i),
                with(i, l.replacen("|contains|all", "|contains|all|windash", 1)),
            );
        }
        if key.contains("|re") && single {
            let v = value.trim();
            let inner = v.trim_matches('\'');
            let pad = &l[..l.len() - value.trim_start().len()];
            push(
                "modifier",
                "regex does not compile",
                true,
                Some(i),
                with(i, format!("{pad}'{inner}(['")),
            );
            push(
                "modifier",
                "re|i",
                false,
                None,
                with(i, l.replacen("|re", "|re|i", 1)),
            );
            push(
                "modifier",
                "re|contains",
                true,
                Some(i),
                with(i, l.replacen("|re", "|re|contains", 1)),
            );
        }
    }
    // Modifiers (a new item beside the first one).
    if let Some(&i) = item_lines(&ls).first() {
        let pad = " ".repeat(indent(&ls[i]));
        let mut add = |name: &str, invalid: bool, item: &str| {
            push(
                "modifier",
                name,
                invalid,
                invalid.then_some(i),
                // `Mut` keeps the new field apart from the rule's own fields.
                insert(i, format!("{pad}Mut{item}")),
            );
        };
        add("cidr ok", false, "DestinationIp|cidr: 10.0.0.0/8");
        add("cidr v6 ok", false, "DestinationIp|cidr: 'fe80::/10'");
        add("cidr prefix 33", true, "DestinationIp|cidr: 10.0.0.0/33");
        add("cidr bad address", true, "DestinationIp|cidr: 10.0.0.256/8");
        add("cidr not an ip", true, "DestinationIp|cidr: localhost");
        add(
            "re ok",
            false,
            "CommandLine|re: '(?i)powershell(\\.exe)?\\s+-enc'",
        );
        add("re lookahead ok", false, "CommandLine|re: 'a(?=b)'");
        add("re unclosed", true, "CommandLine|re: 'powershell(\\.exe'");
        add("re bad repeat", true, "CommandLine|re: '*abc'");
        add("re flag without re", true, "CommandLine|i: 'abc'");
        add("gt number ok", false, "Count|gt: 5");
        add("gt string", true, "Count|gt: five");
        add("lte quoted number", true, "Count|lte: '5'");
        add("exists ok", false, "User|exists: true");
        add("exists string", true, "User|exists: maybe");
        add("exists after contains", true, "User|contains|exists: true");
        add("hour ok", false, "Timestamp|hour: 23");
        add("hour 24", true, "Timestamp|hour: 24");
        add("minute 60", true, "Timestamp|minute: 60");
        add("month 0", true, "Timestamp|month: 0");
        add("day string", true, "Timestamp|day: monday");
        add("expand ok", false, "User|expand: '%admins%'");
        add("expand without placeholder", true, "User|expand: admins");
        add("fieldref ok", false, "TargetUser|fieldref: SubjectUser");
        add("fieldref wildcard", true, "TargetUser|fieldref: 'Subject*'");
        add("base64 wildcard", true, "Data|base64: 'abc*'");
        add(
            "base64offset without contains",
            true,
            "Data|base64offset: 'abc'",
        );
        add("null in a value list", false, "Data: ['', null]");
        add("null with contains", true, "Data|contains: null");
        add(
            "contains|all ok",
            false,
            "ParentCommandLine|contains|all: [a, b]",
        );
        add("neq ok", false, "User|neq: admin");
        add("contains on a number", true, "EventID|contains: 4688");
        add(
            "contains on a quoted number",
            false,
            "EventID|contains: '4688'",
        );
        add(
            "contains on a YAML 1.1 string",
            false,
            "Details|contains: 00000429",
        );
        add("contains on a boolean", true, "Enabled|contains: true");
        add("contains after a comparison", true, "Size|lt|contains: 5");
        add("comparison of a time part", false, "UtcTime|hour|gte: 9");
    }

    // Values and attributes.
    let find = |prefix: &str| ls.iter().position(|l| l.starts_with(prefix));
    if let Some(i) = find("level: ") {
        let v = ls[i]["level: ".len()..].trim().to_owned();
        let mut cap = v.clone();
        if let Some(f) = cap.get_mut(0..1) {
            f.make_ascii_uppercase();
        }
        push(
            "attribute",
            "level capitalised",
            true,
            Some(i),
            with(i, format!("level: {cap}")),
        );
        push(
            "attribute",
            "level unknown",
            true,
            Some(i),
            with(i, "level: severe".to_owned()),
        );
    }
    if let Some(i) = find("status: ") {
        push(
            "attribute",
            "status capitalised",
            true,
            Some(i),
            with(i, "status: Test".to_owned()),
        );
        push(
            "attribute",
            "status unknown",
            true,
            Some(i),
            with(i, "status: production".to_owned()),
        );
    }
    if let Some(i) = find("id: ") {
        let mut v = ls.clone();
        v.remove(i);
        push("attribute", "id removed", false, None, v);
        push(
            "attribute",
            "id not a uuid",
            true,
            Some(i),
            with(i, "id: my-rule-1".to_owned()),
        );
    }
    if let Some(i) = find("title: ") {
        push(
            "attribute",
            "title too long",
            true,
            Some(i),
            with(i, format!("title: {}", "x".repeat(300))),
        );
        push(
            "attribute",
            "title 256",
            false,
            None,
            with(i, format!("title: {}", "x".repeat(256))),
        );
    }
    if let Some(t) = find("tags:")
        && let Some(first) = ls.get(t + 1).filter(|l| l.trim_start().starts_with("- "))
    {
        push(
            "attribute",
            "duplicate tag",
            true,
            Some(t + 2),
            insert(t + 2, first.clone()),
        );
        push(
            "attribute",
            "tag upper-case",
            true,
            Some(t + 1),
            with(t + 1, first.to_ascii_uppercase()),
        );
        push(
            "attribute",
            "tag without namespace",
            true,
            Some(t + 1),
            with(t + 1, "    - persistence".to_owned()),
        );
        push(
            "attribute",
            "new namespaced tag",
            false,
            None,
            insert(t + 1, "    - detection.threat-hunting".to_owned()),
        );
    }
    if let Some(r) = find("references:")
        && let Some(first) = ls.get(r + 1).filter(|l| l.trim_start().starts_with("- "))
    {
        push(
            "attribute",
            "duplicate reference",
            true,
            Some(r + 2),
            insert(r + 2, first.clone()),
        );
    }
    if let Some(f) = find("falsepositives:")
        && ls
            .get(f + 1)
            .is_some_and(|l| l.trim_start().starts_with("- "))
    {
        push(
            "attribute",
            "falsepositive of one character",
            true,
            Some(f + 1),
            insert(f + 1, "    - x".to_owned()),
        );
        push(
            "attribute",
            "falsepositive number",
            true,
            Some(f + 1),
            insert(f + 1, "    - 42".to_owned()),
        );
    }
    if let Some(i) = find("date: ")
        && find("related:").is_none()
    {
        push(
            "attribute",
            "date slashes",
            true,
            Some(i),
            with(i, "date: 2023/01/01".to_owned()),
        );
        let mut v = ls.clone();
        v.insert(i, "related:".to_owned());
        v.insert(i + 1, "    - id: not-a-uuid".to_owned());
        v.insert(i + 2, "      type: derived".to_owned());
        push("attribute", "related id not a uuid", true, Some(i + 1), v);
        let mut v = ls.clone();
        v.insert(i, "related:".to_owned());
        v.insert(
            i + 1,
            "    - id: 0f4c2b8e-5f7a-4d0a-9a43-3b1f1f6d2c11".to_owned(),
        );
        v.insert(i + 2, "      type: copied".to_owned());
        push("attribute", "related type unknown", true, Some(i + 2), v);
        let mut v = ls.clone();
        v.insert(i, "related:".to_owned());
        v.insert(
            i + 1,
            "    - id: 0f4c2b8e-5f7a-4d0a-9a43-3b1f1f6d2c11".to_owned(),
        );
        v.insert(i + 2, "      type: similar".to_owned());
        push("attribute", "related ok", false, None, v);
    }

    // YAML.
    if let Some(i) = find("title: ") {
        push(
            "yaml",
            "python tag",
            true,
            Some(i),
            with(
                i,
                format!("title: !!python/object:os.system {}", &ls[i][7..]),
            ),
        );
        push(
            "yaml",
            "str tag",
            false,
            None,
            with(i, format!("title: !!str {}", &ls[i][7..])),
        );
    }
    if let Some(&i) = item_lines(&ls).first() {
        push(
            "yaml",
            "tab indentation",
            true,
            Some(i),
            with(i, format!("\t{}", ls[i].trim_start())),
        );
    }
    if let Some(i) = find("level: ") {
        push(
            "yaml",
            "duplicate key",
            true,
            Some(i + 1),
            insert(i + 1, ls[i].clone()),
        );
    }
    if let Some(d) = find("detection:") {
        let mut v = ls.clone();
        v.insert(d + 1, "    base: &base".to_owned());
        v.insert(d + 2, "        EventType: x".to_owned());
        v.insert(d + 3, "    merged:".to_owned());
        v.insert(d + 4, "        <<: *base".to_owned());
        push("yaml", "merge key (applied, a warning)", false, None, v);
    }
    out
}

/// Correlation documents appended to a rule (which gets `name: base_rule`).
fn correlation_mutants(text: &str) -> Vec<Mutant> {
    let ls = lines(text);
    let Some(t) = ls.iter().position(|l| l.starts_with("title: ")) else {
        return Vec::new();
    };
    let mut base = ls.clone();
    base.insert(t + 1, "name: base_rule".to_owned());
    let base_text = join(&base);
    let start = u32::try_from(base.len()).unwrap_or(0) + 1; // the `---` line
    let mut out = Vec::new();
    let mut push = |name: &str, invalid: bool, bad_line: Option<u32>, body: &[&str]| {
        let mut s = base_text.clone();
        s.push_str("---\ntitle: Correlation of the base rule\ncorrelation:\n");
        for b in body {
            s.push_str("    ");
            s.push_str(b);
            s.push('\n');
        }
        out.push(Mutant {
            class: "correlation",
            name: name.to_owned(),
            invalid,
            line: bad_line.map(|l| start + 2 + l),
            text: s,
        });
    };
    // Body line k (1-based) is file line start + 2 + k.
    push(
        "event_count ok",
        false,
        None,
        &[
            "type: event_count",
            "rules: [base_rule]",
            "group-by: [User]",
            "timespan: 1h",
            "condition: {gte: 10}",
        ],
    );
    push(
        "event_count range ok",
        false,
        None,
        &[
            "type: event_count",
            "rules: [base_rule]",
            "group-by: [User]",
            "timespan: 1h",
            "condition:",
            "    gt: 10",
            "    lte: 20",
        ],
    );
    push(
        "value_count ok",
        false,
        None,
        &[
            "type: value_count",
            "rules: [base_rule]",
            "group-by: [User]",
            "timespan: 1d",
            "condition:",
            "    field: Host",
            "    gte: 3",
        ],
    );
    push(
        "temporal ok",
        false,
        None,
        &[
            "type: temporal",
            "rules: [base_rule, base_rule]",
            "group-by: [User]",
            "timespan: 5m",
        ],
    );
    push(
        "value_sum ok",
        false,
        None,
        &[
            "type: value_sum",
            "rules: [base_rule]",
            "group-by: [User]",
            "timespan: 1d",
            "condition: {field: Bytes, gt: 1000}",
        ],
    );
    push(
        "timespan week",
        true,
        Some(4),
        &[
            "type: event_count",
            "rules: [base_rule]",
            "group-by: [User]",
            "timespan: 1w",
            "condition: {gte: 10}",
        ],
    );
    push(
        "timespan upper-case",
        true,
        Some(4),
        &[
            "type: event_count",
            "rules: [base_rule]",
            "group-by: [User]",
            "timespan: 1H",
            "condition: {gte: 10}",
        ],
    );
    push(
        "timespan compound",
        true,
        Some(4),
        &[
            "type: event_count",
            "rules: [base_rule]",
            "group-by: [User]",
            "timespan: 1h30m",
            "condition: {gte: 10}",
        ],
    );
    push(
        "missing timespan",
        true,
        None,
        &[
            "type: event_count",
            "rules: [base_rule]",
            "group-by: [User]",
            "condition: {gte: 10}",
        ],
    );
    push(
        "missing group-by",
        true,
        None,
        &[
            "type: event_count",
            "rules: [base_rule]",
            "timespan: 1h",
            "condition: {gte: 10}",
        ],
    );
    push(
        "missing condition",
        true,
        None,
        &[
            "type: event_count",
            "rules: [base_rule]",
            "group-by: [User]",
            "timespan: 1h",
        ],
    );
    push(
        "value_count without field",
        true,
        None,
        &[
            "type: value_count",
            "rules: [base_rule]",
            "group-by: [User]",
            "timespan: 1h",
            "condition: {gte: 10}",
        ],
    );
    push(
        "field on event_count",
        true,
        Some(6),
        &[
            "type: event_count",
            "rules: [base_rule]",
            "group-by: [User]",
            "timespan: 1h",
            "condition:",
            "    field: Host",
            "    gte: 10",
        ],
    );
    push(
        "two lower bounds",
        true,
        Some(7),
        &[
            "type: event_count",
            "rules: [base_rule]",
            "group-by: [User]",
            "timespan: 1h",
            "condition:",
            "    gt: 10",
            "    gte: 20",
        ],
    );
    push(
        "eq with gt",
        true,
        Some(7),
        &[
            "type: event_count",
            "rules: [base_rule]",
            "group-by: [User]",
            "timespan: 1h",
            "condition:",
            "    eq: 10",
            "    gt: 5",
        ],
    );
    push(
        "unknown criterion",
        true,
        Some(6),
        &[
            "type: event_count",
            "rules: [base_rule]",
            "group-by: [User]",
            "timespan: 1h",
            "condition:",
            "    more: 10",
        ],
    );
    push(
        "neq criterion",
        true,
        Some(6),
        &[
            "type: event_count",
            "rules: [base_rule]",
            "group-by: [User]",
            "timespan: 1h",
            "condition:",
            "    neq: 10",
        ],
    );
    push(
        "criterion string",
        true,
        Some(6),
        &[
            "type: event_count",
            "rules: [base_rule]",
            "group-by: [User]",
            "timespan: 1h",
            "condition:",
            "    gte: ten",
        ],
    );
    push(
        "condition string",
        true,
        Some(5),
        &[
            "type: event_count",
            "rules: [base_rule]",
            "group-by: [User]",
            "timespan: 1h",
            "condition: gte 10",
        ],
    );
    push(
        "rules a string",
        true,
        Some(2),
        &[
            "type: event_count",
            "rules: base_rule",
            "group-by: [User]",
            "timespan: 1h",
            "condition: {gte: 10}",
        ],
    );
    push(
        "unknown type",
        true,
        Some(1),
        &[
            "type: event_sum",
            "rules: [base_rule]",
            "group-by: [User]",
            "timespan: 1h",
            "condition: {gte: 10}",
        ],
    );
    push(
        "dangling rule",
        true,
        Some(2),
        &[
            "type: event_count",
            "rules: [no_such_rule]",
            "group-by: [User]",
            "timespan: 1h",
            "condition: {gte: 10}",
        ],
    );
    push(
        "alias of another rule",
        true,
        Some(7),
        &[
            "type: temporal",
            "rules: [base_rule]",
            "group-by: [ip]",
            "timespan: 1h",
            "aliases:",
            "    ip:",
            "        other_rule: src_ip",
        ],
    );
    push(
        "alias ok",
        false,
        None,
        &[
            "type: temporal",
            "rules: [base_rule]",
            "group-by: [ip]",
            "timespan: 1h",
            "aliases:",
            "    ip:",
            "        base_rule: src_ip",
        ],
    );
    out
}

#[test]
fn spec_mutants_are_judged_right() {
    let Some(shared) = common::shared_dir() else {
        let _ = writeln!(std::io::stderr(), "note: ../shared is absent; skipping");
        return;
    };
    let root = shared.join("corpora/sigmahq/rules");
    if !root.is_dir() {
        let _ = writeln!(std::io::stderr(), "note: SigmaHQ corpus absent; skipping");
        return;
    }
    let mut files = Vec::new();
    let mut todo = vec![root.clone()];
    while let Some(dir) = todo.pop() {
        for e in std::fs::read_dir(&dir).expect("readable") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "yml") {
                files.push(p);
            }
        }
    }
    files.sort();
    let sample: Vec<PathBuf> = files.into_iter().step_by(40).collect();
    let opts = LintOptions::default();
    let sig_errors = |text: &str| {
        let src = SourceFile {
            path: PathBuf::from("mutant.yml"),
            text: text.to_owned(),
        };
        lint_sources(&[src], &opts)
            .findings
            .into_iter()
            .filter(|f| f.code.starts_with("SIG") && f.severity == Severity::Error)
            .collect::<Vec<_>>()
    };
    // class -> (judged right, total, on the line, with a line)
    let mut stats: BTreeMap<&str, (usize, usize, usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    for path in &sample {
        let text = std::fs::read_to_string(path).expect("UTF-8");
        if !sig_errors(&text).is_empty() || text.contains("\n---") {
            continue;
        }
        let mut mutants = mutants_of(&text);
        mutants.extend(correlation_mutants(&text));
        for m in mutants {
            let errs = sig_errors(&m.text);
            let s = stats.entry(m.class).or_default();
            s.1 += 1;
            let right = m.invalid != errs.is_empty();
            if right {
                s.0 += 1;
            } else {
                misses.push(format!(
                    "{} [{}] {}: expected {}, got {:?}",
                    path.file_name()
                        .and_then(|n| n.to_str())
                        .unwrap_or_default(),
                    m.class,
                    m.name,
                    if m.invalid { "an error" } else { "none" },
                    errs.iter()
                        .map(|f| format!("{}@{} {}", f.code, f.pos.line, f.message))
                        .collect::<Vec<_>>()
                ));
            }
            if m.invalid
                && let Some(line) = m.line
            {
                s.3 += 1;
                if errs.iter().any(|f| f.pos.line == line) {
                    s.2 += 1;
                } else if right {
                    misses.push(format!(
                        "{} [{}] {}: error not on line {line}: {:?}",
                        path.file_name()
                            .and_then(|n| n.to_str())
                            .unwrap_or_default(),
                        m.class,
                        m.name,
                        errs.iter()
                            .map(|f| format!("{}@{}", f.code, f.pos.line))
                            .collect::<Vec<_>>()
                    ));
                }
            }
        }
    }
    let (mut right, mut total, mut on_line, mut with_line) = (0, 0, 0, 0);
    let mut report = String::new();
    for (class, (r, t, o, w)) in &stats {
        right += r;
        total += t;
        on_line += o;
        with_line += w;
        report.push_str(&format!(
            "{class:<12} judged right {r}/{t} ({:.1}%), on the line {o}/{w}\n",
            100.0 * *r as f64 / (*t).max(1) as f64
        ));
    }
    let pct = 100.0 * right as f64 / total.max(1) as f64;
    let line_pct = 100.0 * on_line as f64 / with_line.max(1) as f64;
    report.push_str(&format!(
        "all          judged right {right}/{total} ({pct:.1}%), on the line {on_line}/{with_line} ({line_pct:.1}%), {} rules\n",
        sample.len()
    ));
    let _ = writeln!(std::io::stderr(), "{report}");
    for m in misses.iter().take(200) {
        let _ = writeln!(std::io::stderr(), "miss: {m}");
    }
    assert!(total > 1000, "too few mutants: {total}");
    assert!(pct >= 99.0, "judged right {pct:.1}% < 99%\n{report}");
    assert!(
        line_pct >= 98.0,
        "on the line {line_pct:.1}% < 98%\n{report}"
    );
}
