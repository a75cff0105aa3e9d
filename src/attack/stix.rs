//! Single-pass STIX 2.1 bundle reader: walks the `objects` array once, deserializing each object
//! into a borrowing struct that keeps only the fields sigsmith uses, and hands it to a sink.
//!
//! Strings borrow from the input when they hold no escapes ([`Str`]); unknown fields and the
//! objects' large irrelevant parts are skipped by serde without building a value tree.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// A JSON string that borrows from the input when it can (no escapes) and owns otherwise.
///
/// Unlike `Cow<str>` (which serde only borrows as a direct field), this borrows inside `Vec`
/// and `Option` too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Str<'a>(pub(crate) Cow<'a, str>);

impl Str<'_> {
    /// The string slice.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Str<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrVisitor;
        impl<'de> Visitor<'de> for StrVisitor {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(StrVisitor)
    }
}

/// `null` or absent becomes the default: STIX producers sometimes write `null` for empty lists.
fn null_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// `external_references[]` entry.
#[derive(Debug, Deserialize)]
pub(crate) struct RawExternalRef<'a> {
    #[serde(borrow, default)]
    pub(crate) source_name: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub(crate) external_id: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub(crate) url: Option<Str<'a>>,
}

/// `x_mitre_log_source_references[]` entry of an analytic.
#[derive(Debug, Deserialize)]
pub(crate) struct RawLogSourceRef<'a> {
    #[serde(borrow, default)]
    pub(crate) x_mitre_data_component_ref: Option<Str<'a>>,
    #[serde(borrow)]
    pub(crate) name: Str<'a>,
    #[serde(borrow, default)]
    pub(crate) channel: Option<Str<'a>>,
}

/// `x_mitre_mutable_elements[]` entry of an analytic.
#[derive(Debug, Deserialize)]
pub(crate) struct RawMutableElement<'a> {
    #[serde(borrow)]
    pub(crate) field: Str<'a>,
    #[serde(borrow, default)]
    pub(crate) description: Option<Str<'a>>,
}

/// `kill_chain_phases[]` entry of a technique.
#[derive(Debug, Deserialize)]
pub(crate) struct RawPhase<'a> {
    #[serde(borrow)]
    pub(crate) kill_chain_name: Str<'a>,
    #[serde(borrow)]
    pub(crate) phase_name: Str<'a>,
}

/// `x_mitre_log_sources[]` entry of a data component.
#[derive(Debug, Deserialize)]
pub(crate) struct RawLogSource<'a> {
    #[serde(borrow)]
    pub(crate) name: Str<'a>,
    #[serde(borrow, default)]
    pub(crate) channel: Option<Str<'a>>,
}

/// One STIX object with every field sigsmith reads from any object type; the rest is skipped.
#[derive(Debug, Deserialize)]
pub(crate) struct RawObject<'a> {
    #[serde(rename = "type", borrow)]
    pub(crate) kind: Str<'a>,
    #[serde(borrow)]
    pub(crate) id: Str<'a>,
    #[serde(borrow, default)]
    pub(crate) name: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub(crate) description: Option<Str<'a>>,
    #[serde(default, deserialize_with = "null_default")]
    pub(crate) revoked: bool,
    #[serde(default, deserialize_with = "null_default")]
    pub(crate) x_mitre_deprecated: bool,
    #[serde(borrow, default, deserialize_with = "null_default")]
    pub(crate) external_references: Vec<RawExternalRef<'a>>,
    #[serde(borrow, default, deserialize_with = "null_default")]
    pub(crate) x_mitre_domains: Vec<Str<'a>>,
    #[serde(borrow, default, deserialize_with = "null_default")]
    pub(crate) x_mitre_platforms: Vec<Str<'a>>,
    #[serde(borrow, default)]
    pub(crate) x_mitre_version: Option<Str<'a>>,
    // detection strategy
    #[serde(borrow, default, deserialize_with = "null_default")]
    pub(crate) x_mitre_analytic_refs: Vec<Str<'a>>,
    // analytic
    #[serde(borrow, default, deserialize_with = "null_default")]
    pub(crate) x_mitre_log_source_references: Vec<RawLogSourceRef<'a>>,
    #[serde(borrow, default, deserialize_with = "null_default")]
    pub(crate) x_mitre_mutable_elements: Vec<RawMutableElement<'a>>,
    // technique
    #[serde(borrow, default, deserialize_with = "null_default")]
    pub(crate) kill_chain_phases: Vec<RawPhase<'a>>,
    #[serde(default, deserialize_with = "null_default")]
    pub(crate) x_mitre_is_subtechnique: bool,
    // tactic
    #[serde(borrow, default)]
    pub(crate) x_mitre_shortname: Option<Str<'a>>,
    // data component
    #[serde(borrow, default, deserialize_with = "null_default")]
    pub(crate) x_mitre_log_sources: Vec<RawLogSource<'a>>,
    // relationship
    #[serde(borrow, default)]
    pub(crate) relationship_type: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub(crate) source_ref: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub(crate) target_ref: Option<Str<'a>>,
}

impl RawObject<'_> {
    /// The ATT&CK id (`DET0742`, `AN1875`, `T0871`, `TA0104`, `DC0112`): the `external_id` of
    /// the first `mitre-*` external reference.
    pub(crate) fn attack_id(&self) -> Option<(&str, Option<&str>)> {
        self.external_references.iter().find_map(|r| {
            let source = r.source_name.as_ref()?.as_str();
            if !source.starts_with("mitre-") {
                return None;
            }
            let id = r.external_id.as_ref()?.as_str();
            Some((id, r.url.as_ref().map(Str::as_str)))
        })
    }
}

/// Largest bundle file read: 256 MiB (the enterprise bundle of ATT&CK v18.1 is 33 MiB).
pub(crate) const MAX_BUNDLE_BYTES: u64 = 256 * 1024 * 1024;
/// Most objects in one bundle: 500,000 (enterprise v18.1 has 24,771).
pub(crate) const MAX_OBJECTS: usize = 500_000;
/// Most detection strategies in one bundle: 20,000 (enterprise v18.1 has 691).
pub(crate) const MAX_STRATEGIES: usize = 20_000;
/// Most entries in one list of one object (`x_mitre_analytic_refs`,
/// `x_mitre_log_source_references`, `x_mitre_mutable_elements`, `external_references`, ...):
/// 1,000 (ATT&CK v18.1 has at most a few dozen).
pub(crate) const MAX_LIST_ENTRIES: usize = 1_000;
/// Most detection strategies that may reference one analytic: 100 (ATT&CK v18.1: 1).
pub(crate) const MAX_ANALYTIC_REFERRERS: u32 = 100;

/// Counts what the limits above bound, object by object, so that a hostile bundle fails with a
/// clear error before any later step grows with it.
#[derive(Default)]
struct LimitCounter {
    objects: usize,
    strategies: usize,
    referrers: std::collections::HashMap<String, u32>,
}

impl LimitCounter {
    fn check(&mut self, o: &RawObject<'_>) -> Result<(), String> {
        self.objects += 1;
        if self.objects > MAX_OBJECTS {
            return Err(format!(
                "the bundle has more than {MAX_OBJECTS} objects (the limit)"
            ));
        }
        let lists = [
            ("external_references", o.external_references.len()),
            ("x_mitre_domains", o.x_mitre_domains.len()),
            ("x_mitre_platforms", o.x_mitre_platforms.len()),
            ("x_mitre_analytic_refs", o.x_mitre_analytic_refs.len()),
            (
                "x_mitre_log_source_references",
                o.x_mitre_log_source_references.len(),
            ),
            ("x_mitre_mutable_elements", o.x_mitre_mutable_elements.len()),
            ("kill_chain_phases", o.kill_chain_phases.len()),
            ("x_mitre_log_sources", o.x_mitre_log_sources.len()),
        ];
        for (field, n) in lists {
            if n > MAX_LIST_ENTRIES {
                return Err(format!(
                    "{} has {n} entries in `{field}`, more than the limit of {MAX_LIST_ENTRIES}",
                    o.id
                ));
            }
        }
        if o.kind.as_str() == "x-mitre-detection-strategy" {
            self.strategies += 1;
            if self.strategies > MAX_STRATEGIES {
                return Err(format!(
                    "the bundle has more than {MAX_STRATEGIES} detection strategies (the limit)"
                ));
            }
            let mut refs: Vec<&str> = o.x_mitre_analytic_refs.iter().map(Str::as_str).collect();
            refs.sort_unstable();
            refs.dedup();
            for r in refs {
                let n = self.referrers.entry(r.to_owned()).or_insert(0);
                *n += 1;
                if *n > MAX_ANALYTIC_REFERRERS {
                    return Err(format!(
                        "analytic {r} is referenced by more than {MAX_ANALYTIC_REFERRERS} \
                         detection strategies (the limit)"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Receives each object of the bundle as it is read.
pub(crate) trait ObjectSink {
    /// Called once per element of `objects`, in file order.
    fn object(&mut self, object: RawObject<'_>);
}

/// The bundle's top-level header, returned after the single pass.
#[derive(Debug, Default)]
pub(crate) struct BundleHeader {
    /// `type` (must be `bundle`).
    pub(crate) kind: Option<String>,
    /// `id`.
    pub(crate) id: Option<String>,
    /// Whether an `objects` array was seen.
    pub(crate) has_objects: bool,
}

/// Reads a bundle from `bytes`, feeding every object to `sink`.
pub(crate) fn read_bundle(
    bytes: &[u8],
    sink: &mut dyn ObjectSink,
) -> Result<BundleHeader, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let header = BundleSeed { sink }.deserialize(&mut de)?;
    de.end()?;
    Ok(header)
}

struct BundleSeed<'s> {
    sink: &'s mut dyn ObjectSink,
}

impl<'de> DeserializeSeed<'de> for BundleSeed<'_> {
    type Value = BundleHeader;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for BundleSeed<'_> {
    type Value = BundleHeader;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a STIX 2.1 bundle (a JSON object with `type`, `id` and `objects`)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut header = BundleHeader::default();
        while let Some(key) = map.next_key::<Str<'de>>()? {
            match key.as_str() {
                "type" => header.kind = Some(map.next_value::<String>()?),
                "id" => header.id = Some(map.next_value::<String>()?),
                "objects" => {
                    map.next_value_seed(ObjectsSeed {
                        sink: &mut *self.sink,
                    })?;
                    header.has_objects = true;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(header)
    }
}

struct ObjectsSeed<'s> {
    sink: &'s mut dyn ObjectSink,
}

impl<'de> DeserializeSeed<'de> for ObjectsSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ObjectsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of STIX objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut limits = LimitCounter::default();
        while let Some(object) = seq.next_element::<RawObject<'de>>()? {
            limits.check(&object).map_err(de::Error::custom)?;
            self.sink.object(object);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Collect(Vec<(String, bool, String)>);
    impl ObjectSink for Collect {
        fn object(&mut self, o: RawObject<'_>) {
            let borrowed = matches!(o.id.0, Cow::Borrowed(_));
            self.0
                .push((o.kind.to_string(), borrowed, o.id.to_string()));
        }
    }

    #[test]
    fn reads_objects_in_order_and_borrows_plain_strings() {
        let text = br#"{"type":"bundle","id":"bundle--1","objects":[
            {"type":"identity","id":"identity--1","extra":{"deep":[1,2,3]}},
            {"id":"x-mitre-tactic--\u0031","type":"x-mitre-tactic","x_mitre_shortname":"execution"}
        ]}"#;
        let mut sink = Collect::default();
        let header = read_bundle(text, &mut sink).expect("valid bundle");
        assert_eq!(header.kind.as_deref(), Some("bundle"));
        assert_eq!(header.id.as_deref(), Some("bundle--1"));
        assert!(header.has_objects);
        assert_eq!(
            sink.0,
            vec![
                ("identity".into(), true, "identity--1".into()),
                ("x-mitre-tactic".into(), false, "x-mitre-tactic--1".into()),
            ]
        );
    }

    #[test]
    fn wrong_field_type_reports_line_and_column() {
        let text = b"{\"type\":\"bundle\",\"objects\":[\n{\"type\":\"attack-pattern\",\"id\":\"a\",\n\"x_mitre_platforms\":\"Windows\"}]}";
        let err = read_bundle(text, &mut Collect::default()).expect_err("platforms is no list");
        assert_eq!(err.line(), 3);
        assert!(err.to_string().contains("expected a sequence"), "{err}");
    }

    #[test]
    fn nulls_are_empty() {
        let text = br#"{"type":"bundle","objects":[{"type":"x-mitre-analytic","id":"a","x_mitre_platforms":null,"revoked":null}]}"#;
        let mut sink = Collect::default();
        read_bundle(text, &mut sink).expect("nulls accepted");
        assert_eq!(sink.0.len(), 1);
    }
}
