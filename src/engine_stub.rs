//! TEMPORARY stand-in for the lint engine (`src/lint/engine.rs`, `src/lint/registry.rs`) that the
//! `lintcore` branch builds. Deleted when that branch is merged; nothing here is final.
#![allow(missing_docs, clippy::collapsible_if)]

/// Stand-in for `crate::lint::engine`.
pub mod engine {
    use std::path::PathBuf;

    use crate::diagnostic::{Finding, Severity};
    use crate::yaml;

    pub struct SourceFile {
        pub path: PathBuf,
        pub text: String,
    }

    #[derive(Debug, Clone, Default, serde::Deserialize, schemars::JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub struct LogSourceMatch {
        #[serde(default)]
        pub product: Option<String>,
        #[serde(default)]
        pub service: Option<String>,
        #[serde(default)]
        pub category: Option<String>,
    }

    #[derive(Debug, Clone, Default, serde::Deserialize, schemars::JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub struct ContextFields {
        #[serde(default)]
        pub identity: Vec<String>,
        #[serde(default)]
        pub source: Vec<String>,
        #[serde(default)]
        pub client: Vec<String>,
        #[serde(default)]
        pub target: Vec<String>,
        #[serde(default)]
        pub session: Vec<String>,
        #[serde(default)]
        pub time: Vec<String>,
    }

    #[derive(Debug, Clone, Default, serde::Deserialize, schemars::JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub struct Profile {
        pub name: String,
        #[serde(default)]
        pub title: Option<String>,
        pub logsources: Vec<LogSourceMatch>,
        #[serde(default)]
        pub prefixes: Vec<String>,
        #[serde(default)]
        pub api: Vec<String>,
        #[serde(default)]
        pub outcome: Vec<String>,
        #[serde(default)]
        pub context: ContextFields,
        #[serde(default)]
        pub required: Option<Vec<String>>,
    }

    #[derive(Debug, Clone, Default)]
    pub struct ProfileSet {
        pub extra: Vec<Profile>,
    }

    impl ProfileSet {
        pub fn builtin() -> Self {
            Self::default()
        }
        pub fn extend(&mut self, profiles: Vec<Profile>) {
            self.extra.extend(profiles);
        }
    }

    #[derive(Default)]
    pub struct LintOptions {
        pub profiles: ProfileSet,
        pub attack: Option<()>,
    }

    pub struct LintOutput {
        pub findings: Vec<Finding>,
        pub files: usize,
        pub documents: usize,
    }

    pub fn lint_sources(sources: &[SourceFile], _opts: &LintOptions) -> LintOutput {
        let mut findings = Vec::new();
        let mut documents = 0;
        for s in sources {
            let stream = yaml::parse(&s.text);
            documents += stream.documents.len();
            if let Some(err) = stream.error {
                findings.push(Finding {
                    code: "SIG001",
                    name: "yaml-syntax",
                    severity: Severity::Error,
                    message: err.message.clone(),
                    path: s.path.clone(),
                    pos: err.pos,
                    end: None,
                    doc_index: None,
                    doc_id: None,
                    doc_title: None,
                    help: None,
                    related: Vec::new(),
                });
            }
            for doc in &stream.documents {
                let id = doc
                    .root
                    .get("id")
                    .and_then(|n| n.as_str())
                    .map(str::to_owned);
                let title = doc
                    .root
                    .get("title")
                    .and_then(|n| n.as_str())
                    .map(str::to_owned);
                if let Some((k, v)) = doc.root.get("detection").and_then(|d| d.entry("condition")) {
                    if v.as_str().is_some_and(|c| !c.contains(' '))
                        && doc.root.get("level").and_then(|l| l.as_str()) == Some("high")
                    {
                        findings.push(Finding {
                            code: "API001",
                            name: "api-presence-only",
                            severity: Severity::Error,
                            message: "rule alerts on API presence alone".into(),
                            path: s.path.clone(),
                            pos: k.pos(),
                            end: Some(v.span.end),
                            doc_index: Some(doc.index),
                            doc_id: id.clone(),
                            doc_title: title.clone(),
                            help: Some("add a context constraint or a baseline filter".into()),
                            related: Vec::new(),
                        });
                    }
                }
                if doc.root.get("status").and_then(|l| l.as_str()) == Some("experimental") {
                    let (k, _) = doc.root.entry("status").expect("checked");
                    findings.push(Finding {
                        code: "API004",
                        name: "unresolved-placeholder",
                        severity: Severity::Warning,
                        message: "experimental status".into(),
                        path: s.path.clone(),
                        pos: k.pos(),
                        end: None,
                        doc_index: Some(doc.index),
                        doc_id: id.clone(),
                        doc_title: title.clone(),
                        help: None,
                        related: Vec::new(),
                    });
                }
            }
        }
        LintOutput {
            findings,
            files: sources.len(),
            documents,
        }
    }
}

/// Stand-in for `crate::lint::registry`.
pub mod registry {
    use crate::diagnostic::Severity;
    use crate::lint::rule::RuleMeta;

    static ALL: [RuleMeta; 3] = [
        RuleMeta {
            code: "API001",
            name: "api-presence-only",
            severity: Severity::Error,
            summary: "rule alerts on API presence without context",
            docs: " ## What it does\n Flags API presence.\n\n ## Why is this bad?\n Noise.\n",
        },
        RuleMeta {
            code: "API004",
            name: "unresolved-placeholder",
            severity: Severity::Warning,
            summary: "scaffold placeholder left in the rule",
            docs: " ## What it does\n Flags placeholders.\n",
        },
        RuleMeta {
            code: "SIG001",
            name: "yaml-syntax",
            severity: Severity::Error,
            summary: "the file is not valid YAML",
            docs: " ## What it does\n Flags YAML syntax errors.\n",
        },
    ];

    pub fn all() -> &'static [RuleMeta] {
        &ALL
    }
}
