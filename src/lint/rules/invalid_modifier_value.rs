//! SIG020: a value modifier applied to a value it cannot take, or combined with one it
//! contradicts.

use crate::declare_rule;
use crate::diagnostic::{Finding, Severity};
use crate::lint::context::{DocCtx, node_span};
use crate::lint::detection::modifier_problems;

declare_rule! {
    /// ## What it does
    /// Types every value of a detection item as it passes through the item's modifiers, in
    /// order, as the Sigma modifiers appendix defines them, and flags what a modifier cannot
    /// take:
    /// - `re` needs a string that compiles as a regular expression (the error's column is
    ///   reported); its flags `i`, `m`, `s` need `re` before them; `re`, `cidr` and `exists`
    ///   apply to the unmodified value only, so they come first;
    /// - `cidr` needs an IPv4 or IPv6 network (`10.0.0.0/8`, `fe80::/10`);
    /// - `gt`, `gte`, `lt`, `lte` need numbers; `minute` (0-59), `hour` (0-23), `day` (1-31),
    ///   `week` (1-53), `month` (1-12) and `year` need whole numbers in range;
    /// - `exists` needs `true` or `false` and a field;
    /// - `expand` needs a `%placeholder%`; `base64`, `base64offset` and `fieldref` take no
    ///   wildcards; string modifiers (`contains`, `base64`, `windash`, ...) need strings;
    /// - combinations: two of `contains`/`startswith`/`endswith`, `re` followed by anything
    ///   but its flags, a modifier applied twice (except `base64`), `all` on a single value or
    ///   on a field without a string-position modifier, `windash` with `all`, and
    ///   `base64offset` without `contains` (pySigma's modifier validators).
    ///
    /// ## Why is this bad?
    /// pySigma refuses these rules when it converts them, so they never reach the SIEM; the
    /// ones it accepts silently never match (`Image|all: [a, b]`).
    ///
    /// ## Example
    /// ```yaml
    /// selection:
    ///     CommandLine|re: 'powershell(\.exe'
    ///     DestinationIp|cidr: 10.0.0.0/33
    ///     Image|startswith|endswith: '\cmd.exe'
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// selection:
    ///     CommandLine|re: 'powershell(\.exe)?'
    ///     DestinationIp|cidr: 10.0.0.0/8
    ///     Image|endswith: '\cmd.exe'
    /// ```
    pub struct InvalidModifierValue {
        code: "SIG020",
        name: "invalid-modifier-value",
        severity: Severity::Error,
        summary: "modifier applied to a value or combination it cannot take",
    }
}

pub(crate) fn check(cx: &DocCtx<'_>, out: &mut Vec<Finding>) {
    let Some(det) = &cx.detection else { return };
    for item in det.selections.iter().flat_map(|s| s.items()) {
        for p in modifier_problems(item, Some(cx.text)) {
            let span = match (&p.range, p.node.as_str()) {
                (Some(r), Some(text)) => cx.sub_span(p.node, text, r.clone()),
                _ => node_span(p.node),
            };
            out.push(cx.finding_span(&InvalidModifierValue::META, span, p.message));
        }
    }
}
