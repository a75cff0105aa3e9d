//! SIG019: a file `sigsmith lint` cannot read as UTF-8 text.
//!
//! The `lint` driver reports it while reading files ([`crate::discover`]); the engine never sees
//! such a file, so the check has no stage in the [registry](crate::lint::registry).

use crate::declare_rule;
use crate::diagnostic::Severity;

declare_rule! {
    /// ## What it does
    /// Reports a file that `sigsmith lint` could not read as UTF-8 text: permission denied,
    /// binary content, invalid UTF-8 or UTF-16 encoding, a symbolic-link loop or a dangling
    /// link, or a file larger than 16 MiB.
    ///
    /// ## Why is this bad?
    /// A rule file that cannot be read cannot be checked or deployed. Sigma rules are UTF-8
    /// YAML; anything else in a rule folder is either broken or does not belong there.
    ///
    /// ## Example
    /// A `.yml` file saved as UTF-16 by an editor, or a compiled artefact named `rule.yml`.
    ///
    /// ## Use instead
    /// Save the file as UTF-8, fix its permissions or the link, or exclude it with
    /// `--exclude` or `exclude = [...]` in `sigsmith.toml`.
    pub struct UnreadableFile {
        code: "SIG019",
        name: "unreadable-file",
        severity: Severity::Error,
        summary: "the file cannot be read as UTF-8 text",
    }
}
