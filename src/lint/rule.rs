//! The `Rule` trait every check implements and the `declare_rule!` macro that gives each check
//! its code, name, default severity, summary and documentation from one place.

use crate::diagnostic::Severity;

/// Static description of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleMeta {
    /// Stable code, e.g. `API001`.
    pub code: &'static str,
    /// Kebab-case name, e.g. `api-presence-only`.
    pub name: &'static str,
    /// Severity when the configuration does not override it.
    pub severity: Severity,
    /// One-line summary.
    pub summary: &'static str,
    /// Full documentation in Markdown (What it does / Why is this bad? / Example / Use instead).
    pub docs: &'static str,
}

impl RuleMeta {
    /// The documentation with the leading space of each `///` line removed.
    pub fn doc_text(&self) -> String {
        let mut out = String::new();
        for line in self.docs.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out.trim().to_owned() + "\n"
    }

    /// The `## Fix` section of the documentation (what `lint --fix` does for this check), when
    /// the check attaches fixes to its findings.
    pub fn fix_doc(&self) -> Option<String> {
        let doc = self.doc_text();
        let start = doc.find("## Fix\n")? + "## Fix\n".len();
        let rest = &doc[start..];
        let end = rest.find("\n## ").unwrap_or(rest.len());
        Some(rest[..end].trim().to_owned())
    }

    /// Whether `key` (a code or a name, any case for codes) selects this rule.
    pub fn matches(&self, key: &str) -> bool {
        self.code.eq_ignore_ascii_case(key) || self.name == key
    }
}

/// Declares a check: a unit struct carrying the `///` docs plus a `META` constant built from
/// the same docs, so `sigsmith explain` prints exactly what rustdoc shows.
///
/// ```ignore
/// declare_rule! {
///     /// ## What it does
///     /// ...
///     pub struct ApiPresenceOnly {
///         code: "API001",
///         name: "api-presence-only",
///         severity: Severity::Error,
///         summary: "rule alerts on API presence without context",
///     }
/// }
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])+
        $vis:vis struct $ty:ident {
            code: $code:literal,
            name: $name:literal,
            severity: $sev:expr,
            summary: $summary:literal $(,)?
        }
    ) => {
        $(#[doc = $doc])+
        #[derive(Debug, Clone, Copy, Default)]
        $vis struct $ty;

        impl $ty {
            /// Code, name, severity, summary and docs of this check.
            pub const META: $crate::lint::rule::RuleMeta = $crate::lint::rule::RuleMeta {
                code: $code,
                name: $name,
                severity: $sev,
                summary: $summary,
                docs: concat!($($doc, "\n"),+),
            };
        }
    };
}
