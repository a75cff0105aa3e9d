//! Sigma value modifiers (`contains`, `re`, `cidr`, `hour`...): the one model of a modifier,
//! used by the linter, the eval engine, the LSP, the strategy catalog, the ATT&CK importer and
//! the scaffolder. A modifier serialises as its Sigma spelling (`startswith`), so catalog and
//! log-source data deserialise straight into [`ModifierKind`].

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Every value modifier the Sigma specification (and pySigma) defines.
pub const MODIFIERS: &[&str] = &[
    // string matching
    "contains",
    "startswith",
    "endswith",
    "all",
    "cased",
    // encodings and transformations
    "base64",
    "base64offset",
    "utf16le",
    "utf16be",
    "utf16",
    "wide",
    "windash",
    // regular expressions and their flags
    "re",
    "i",
    "ignorecase",
    "m",
    "multiline",
    "s",
    "dotall",
    // network
    "cidr",
    // field references, existence, placeholders
    "exists",
    "fieldref",
    "expand",
    // numeric comparison and negation
    "gt",
    "gte",
    "lt",
    "lte",
    "neq",
    // time parts
    "minute",
    "hour",
    "day",
    "week",
    "month",
    "year",
];

/// Whether `m` is a modifier Sigma defines (case-sensitive, as Sigma is).
pub fn is_known_modifier(m: &str) -> bool {
    ModifierKind::parse(m).is_some()
}

/// A value modifier Sigma defines (the modifiers appendix of the specification), one variant
/// per meaning: long and short spellings of the regex flags are the same kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ModifierKind {
    /// `contains`: the value matches anywhere in the field.
    Contains,
    /// `startswith`: the value matches at the start.
    StartsWith,
    /// `endswith`: the value matches at the end.
    EndsWith,
    /// `all`: every value of the list must match (AND instead of OR).
    All,
    /// `cased`: case-sensitive string match.
    Cased,
    /// `base64`: the value, Base64-encoded.
    Base64,
    /// `base64offset`: the three Base64 encodings at each byte offset.
    Base64Offset,
    /// `utf16le` / `wide`: the value encoded as UTF-16LE.
    Utf16Le,
    /// `utf16be`: the value encoded as UTF-16BE.
    Utf16Be,
    /// `utf16`: UTF-16 with a byte-order mark.
    Utf16,
    /// `windash`: `-` and `/` (and the Unicode dashes) interchanged at word starts.
    Windash,
    /// `re`: the value is a regular expression.
    Re,
    /// `i` / `ignorecase`: regex flag.
    ReIgnoreCase,
    /// `m` / `multiline`: regex flag.
    ReMultiline,
    /// `s` / `dotall`: regex flag.
    ReDotAll,
    /// `cidr`: the value is an IPv4 or IPv6 network.
    Cidr,
    /// `exists`: the value (`true`/`false`) says whether the field exists.
    Exists,
    /// `fieldref`: the value names another field of the same event.
    FieldRef,
    /// `expand`: the value holds `%placeholder%`s a pipeline fills.
    Expand,
    /// `gt`: numeric greater than.
    Gt,
    /// `gte`: numeric greater than or equal.
    Gte,
    /// `lt`: numeric less than.
    Lt,
    /// `lte`: numeric less than or equal.
    Lte,
    /// `neq`: the item does not match (negation).
    Neq,
    /// `minute`: the minute (0-59) of a timestamp field.
    Minute,
    /// `hour`: the hour (0-23).
    Hour,
    /// `day`: the day of the month (1-31).
    Day,
    /// `week`: the ISO week of the year (1-53).
    Week,
    /// `month`: the month (1-12).
    Month,
    /// `year`: the year.
    Year,
}

/// A set of [`ModifierKind`]s in one word (there are fewer than 64 kinds).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KindSet(u64);

const _: () = assert!(
    (ModifierKind::Year as u32) < 64,
    "KindSet holds fewer than 64 kinds"
);

impl KindSet {
    /// Adds `kind`.
    pub fn insert(&mut self, kind: ModifierKind) {
        self.0 |= 1 << (kind as u32);
    }

    /// Whether `kind` is in the set.
    pub fn contains(self, kind: ModifierKind) -> bool {
        self.0 & (1 << (kind as u32)) != 0
    }
}

impl FromIterator<ModifierKind> for KindSet {
    fn from_iter<I: IntoIterator<Item = ModifierKind>>(kinds: I) -> Self {
        let mut set = KindSet::default();
        kinds.into_iter().for_each(|k| set.insert(k));
        set
    }
}

impl ModifierKind {
    /// The kind written as `name` (case-sensitive), or `None` for a name Sigma does not define.
    pub fn parse(name: &str) -> Option<ModifierKind> {
        use ModifierKind::*;
        Some(match name {
            "contains" => Contains,
            "startswith" => StartsWith,
            "endswith" => EndsWith,
            "all" => All,
            "cased" => Cased,
            "base64" => Base64,
            "base64offset" => Base64Offset,
            "utf16le" | "wide" => Utf16Le,
            "utf16be" => Utf16Be,
            "utf16" => Utf16,
            "windash" => Windash,
            "re" => Re,
            "i" | "ignorecase" => ReIgnoreCase,
            "m" | "multiline" => ReMultiline,
            "s" | "dotall" => ReDotAll,
            "cidr" => Cidr,
            "exists" => Exists,
            "fieldref" => FieldRef,
            "expand" => Expand,
            "gt" => Gt,
            "gte" => Gte,
            "lt" => Lt,
            "lte" => Lte,
            "neq" => Neq,
            "minute" => Minute,
            "hour" => Hour,
            "day" => Day,
            "week" => Week,
            "month" => Month,
            "year" => Year,
            _ => return None,
        })
    }

    /// The Sigma spelling (the short one for the regex flags, `utf16le` for `wide`): what
    /// sigsmith writes in detection keys and serialises.
    pub fn as_str(self) -> &'static str {
        use ModifierKind::*;
        match self {
            Contains => "contains",
            StartsWith => "startswith",
            EndsWith => "endswith",
            All => "all",
            Cased => "cased",
            Base64 => "base64",
            Base64Offset => "base64offset",
            Utf16Le => "utf16le",
            Utf16Be => "utf16be",
            Utf16 => "utf16",
            Windash => "windash",
            Re => "re",
            ReIgnoreCase => "i",
            ReMultiline => "m",
            ReDotAll => "s",
            Cidr => "cidr",
            Exists => "exists",
            FieldRef => "fieldref",
            Expand => "expand",
            Gt => "gt",
            Gte => "gte",
            Lt => "lt",
            Lte => "lte",
            Neq => "neq",
            Minute => "minute",
            Hour => "hour",
            Day => "day",
            Week => "week",
            Month => "month",
            Year => "year",
        }
    }

    /// What the modifier does, in one sentence (hover text in `sigsmith lsp`).
    pub fn describe(self) -> &'static str {
        use ModifierKind::*;
        match self {
            Contains => "the value matches anywhere in the field (`*value*`)",
            StartsWith => "the value matches at the start of the field (`value*`)",
            EndsWith => "the value matches at the end of the field (`*value`)",
            All => "every value of the list must match (AND instead of OR)",
            Cased => {
                "the string match is case-sensitive (Sigma matches case-insensitively by default)"
            }
            Base64 => "matches the value Base64-encoded",
            Base64Offset => {
                "matches the three Base64 encodings of the value at each byte offset, for values inside a longer encoded string"
            }
            Utf16Le => {
                "encodes the value as UTF-16LE (`wide` is the same) before the next encoding, usually `base64offset`"
            }
            Utf16Be => "encodes the value as UTF-16BE",
            Utf16 => "encodes the value as UTF-16 with a byte-order mark",
            Windash => {
                "also matches the value with `-` and `/` (and the Unicode dashes) interchanged at word starts, as Windows command lines accept both"
            }
            Re => "the value is a regular expression (PCRE subset; flags `i`, `m`, `s` may follow)",
            ReIgnoreCase => "regular-expression flag: case-insensitive (after `re`)",
            ReMultiline => "regular-expression flag: `^` and `$` match at line breaks (after `re`)",
            ReDotAll => "regular-expression flag: `.` also matches a line break (after `re`)",
            Cidr => {
                "the value is an IPv4 or IPv6 network in CIDR notation; matches addresses inside it"
            }
            Exists => "the value (`true` or `false`) says whether the field must exist",
            FieldRef => {
                "the value names another field of the same event; matches when both are equal"
            }
            Expand => "the value holds `%placeholder%`s that a processing pipeline fills in",
            Gt => "numeric comparison: the field is greater than the value",
            Gte => "numeric comparison: the field is greater than or equal to the value",
            Lt => "numeric comparison: the field is less than the value",
            Lte => "numeric comparison: the field is less than or equal to the value",
            Neq => "negation: the item matches when the field does not equal the value",
            Minute => "compares the minute (0-59) of a timestamp field",
            Hour => "compares the hour (0-23) of a timestamp field",
            Day => "compares the day of the month (1-31) of a timestamp field",
            Week => "compares the ISO week of the year (1-53) of a timestamp field",
            Month => "compares the month (1-12) of a timestamp field",
            Year => "compares the year of a timestamp field",
        }
    }

    /// Whether this is a regex flag (`i`, `m`, `s` and their long forms).
    pub fn is_regex_flag(self) -> bool {
        matches!(
            self,
            ModifierKind::ReIgnoreCase | ModifierKind::ReMultiline | ModifierKind::ReDotAll
        )
    }

    /// Whether this is a numeric comparison (`gt`, `gte`, `lt`, `lte`).
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            ModifierKind::Gt | ModifierKind::Gte | ModifierKind::Lt | ModifierKind::Lte
        )
    }

    /// For a time-part modifier, the inclusive range of values it accepts.
    pub fn time_range(self) -> Option<(i64, i64)> {
        match self {
            ModifierKind::Minute => Some((0, 59)),
            ModifierKind::Hour => Some((0, 23)),
            ModifierKind::Day => Some((1, 31)),
            ModifierKind::Week => Some((1, 53)),
            ModifierKind::Month => Some((1, 12)),
            ModifierKind::Year => Some((0, 9999)),
            _ => None,
        }
    }

    /// For a time-part modifier, that part of a UTC civil time as Sigma reads it (ISO week for
    /// `week`); `None` for other modifiers. The eval engine and the exemplar generator both
    /// read time parts through this.
    pub fn time_part_of(self, dt: jiff::civil::DateTime) -> Option<i64> {
        Some(match self {
            ModifierKind::Minute => i64::from(dt.minute()),
            ModifierKind::Hour => i64::from(dt.hour()),
            ModifierKind::Day => i64::from(dt.day()),
            ModifierKind::Week => i64::from(dt.date().iso_week_date().week()),
            ModifierKind::Month => i64::from(dt.month()),
            ModifierKind::Year => i64::from(dt.year()),
            _ => return None,
        })
    }

    /// Whether the values must be typed for the modifier (networks for `cidr`, numbers for the
    /// time parts): a `<<baseline:...>>` placeholder under it is rejected by Sigma tools.
    pub fn needs_typed_values(self) -> bool {
        self == ModifierKind::Cidr || self.time_range().is_some()
    }

    /// Whether this is one of the string-position modifiers (`contains`, `startswith`,
    /// `endswith`), of which an item may have one.
    pub fn is_position(self) -> bool {
        matches!(
            self,
            ModifierKind::Contains | ModifierKind::StartsWith | ModifierKind::EndsWith
        )
    }
}

impl fmt::Display for ModifierKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ModifierKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ModifierKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(d)?;
        ModifierKind::parse(&name).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown Sigma modifier `{name}` (expected one of {})",
                MODIFIERS.join(", ")
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spellings list and the kinds agree: every spelling parses, every kind is spelled
    /// by at least one of them, and its own spelling parses back to it.
    #[test]
    fn spellings_and_kinds_agree() {
        for m in MODIFIERS {
            assert!(ModifierKind::parse(m).is_some(), "{m}");
        }
        let mut kinds: Vec<ModifierKind> = Vec::new();
        for k in MODIFIERS.iter().filter_map(|m| ModifierKind::parse(m)) {
            assert_eq!(ModifierKind::parse(k.as_str()), Some(k), "{k:?}");
            assert!(MODIFIERS.contains(&k.as_str()), "{k:?}");
            if !kinds.contains(&k) {
                kinds.push(k);
            }
        }
        // One kind per variant of the enum: the spellings reach every meaning.
        assert_eq!(kinds.len(), 30);
        assert_eq!(ModifierKind::parse("Contains"), None);
        assert_eq!(ModifierKind::parse("wide"), Some(ModifierKind::Utf16Le));
    }

    /// Data files spell modifiers as Sigma does; aliases read as their kind, and an unknown
    /// name is an error naming it.
    #[test]
    fn serde_uses_sigma_spellings() {
        let kinds: Vec<ModifierKind> =
            serde_json::from_str(r#"["startswith", "cidr", "hour", "ignorecase"]"#)
                .expect("known modifiers");
        assert_eq!(
            kinds,
            [
                ModifierKind::StartsWith,
                ModifierKind::Cidr,
                ModifierKind::Hour,
                ModifierKind::ReIgnoreCase
            ]
        );
        assert_eq!(
            serde_json::to_string(&kinds).expect("serialises"),
            r#"["startswith","cidr","hour","i"]"#
        );
        let err = serde_json::from_str::<Vec<ModifierKind>>(r#"["startwith"]"#)
            .expect_err("unknown modifier");
        assert!(err.to_string().contains("`startwith`"), "{err}");
    }

    /// The catalog schema's modifier list (the modifiers the scaffolder renders) names kinds
    /// of this model, each in its own spelling.
    #[test]
    fn catalog_schema_spells_kinds() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../schemas/strategy.schema.json"))
                .expect("schema is JSON");
        let names = schema["$defs"]["modifiers"]["items"]["enum"]
            .as_array()
            .expect("modifier enum");
        assert!(!names.is_empty());
        for n in names {
            let n = n.as_str().expect("string");
            assert_eq!(ModifierKind::parse(n).map(ModifierKind::as_str), Some(n));
        }
    }

    #[test]
    fn typed_values() {
        assert!(ModifierKind::Cidr.needs_typed_values());
        assert!(ModifierKind::Week.needs_typed_values());
        assert!(!ModifierKind::Contains.needs_typed_values());
        assert!(!ModifierKind::Gt.needs_typed_values());
    }
}
