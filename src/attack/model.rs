//! The resolved ATT&CK objects sigsmith uses: detection strategies with their analytics,
//! techniques, tactics and data components, all owned and keyed by their ATT&CK ids.

use std::path::PathBuf;

use serde::Serialize;

/// The ATT&CK domain: the catalog's type ([`crate::strategy::Domain`]), one for the catalog, the
/// importer, coverage and the command line.
pub use crate::strategy::Domain;

/// Whether an object is current, revoked or deprecated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Current.
    #[default]
    Active,
    /// Deprecated (`x_mitre_deprecated: true`).
    Deprecated,
    /// Revoked (`revoked: true`); see `revoked_by` where the object has it.
    Revoked,
}

impl Status {
    pub(crate) fn from_flags(revoked: bool, deprecated: bool) -> Status {
        if revoked {
            Status::Revoked
        } else if deprecated {
            Status::Deprecated
        } else {
            Status::Active
        }
    }

    /// `true` unless revoked or deprecated.
    pub fn is_active(self) -> bool {
        self == Status::Active
    }

    /// Lowercase name (`active`, `deprecated`, `revoked`).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Deprecated => "deprecated",
            Status::Revoked => "revoked",
        }
    }
}

/// One bundle file that was read.
#[derive(Debug, Clone, Serialize)]
pub struct BundleInfo {
    /// The file it was read from.
    pub path: PathBuf,
    /// The bundle's `id`.
    pub id: Option<String>,
    /// The domain detected from the bundle (`x-mitre-matrix` domains, else the objects' majority).
    pub domain: Domain,
    /// `x-mitre-collection` name, e.g. `ICS ATT&CK`.
    pub name: Option<String>,
    /// ATT&CK release of the `x-mitre-collection`, e.g. `18.1`.
    pub version: Option<String>,
    /// Number of objects in the bundle.
    pub objects: usize,
    /// Number of `x-mitre-detection-strategy` objects in the bundle, before any filtering.
    pub detection_strategies: usize,
}

/// A detection strategy (`x-mitre-detection-strategy`, `DETxxxx`).
#[derive(Debug, Clone, Serialize)]
pub struct DetectionStrategy {
    /// ATT&CK id, e.g. `DET0742`.
    pub id: String,
    /// STIX id.
    pub stix_id: String,
    /// Name.
    pub name: String,
    /// Description (empty in the v18 data, kept when present).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Domain.
    pub domain: Domain,
    /// attack.mitre.org page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Status (revoked or deprecated strategies only appear with `include_deprecated`).
    pub status: Status,
    /// Analytics in `x_mitre_analytic_refs` order.
    pub analytics: Vec<Analytic>,
    /// Ids of the techniques it detects (`detects` relationships), sorted.
    pub techniques: Vec<String>,
    /// Index into [`super::AttackData::bundles`] of the bundle it came from.
    #[serde(skip)]
    pub bundle: usize,
}

/// An analytic (`x-mitre-analytic`, `ANxxxx`).
#[derive(Debug, Clone, Serialize)]
pub struct Analytic {
    /// ATT&CK id, e.g. `AN1875`.
    pub id: String,
    /// STIX id.
    pub stix_id: String,
    /// Name, e.g. `Analytic 1875`.
    pub name: String,
    /// What the analytic looks for.
    pub description: String,
    /// attack.mitre.org anchor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Platforms (`x_mitre_platforms`), e.g. `IaaS`, `Windows`, `None`.
    pub platforms: Vec<String>,
    /// Log source references (`x_mitre_log_source_references`).
    pub log_sources: Vec<LogSourceRef>,
    /// Mutable elements (`x_mitre_mutable_elements`): the fields to tune to the environment.
    pub mutable_elements: Vec<MutableElement>,
    /// Status.
    pub status: Status,
}

/// A log source reference of an analytic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogSourceRef {
    /// Data component id (`DCxxxx`) when the reference resolves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_component: Option<String>,
    /// Data component name when the reference resolves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_component_name: Option<String>,
    /// Log source name, e.g. `AWS:CloudTrail`, `WinEventLog:Security`, `Network Traffic`.
    pub name: String,
    /// Channel, e.g. `EventCode=4688`; `None` when absent or the literal `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

/// A mutable element of an analytic: a field the defender tunes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MutableElement {
    /// Field name, e.g. `TimeWindow`, `UserAgent`.
    pub field: String,
    /// What to tune and why.
    pub description: String,
}

/// A technique or sub-technique (`attack-pattern`, `Txxxx[.xxx]`).
#[derive(Debug, Clone, Serialize)]
pub struct Technique {
    /// ATT&CK id, e.g. `T1059.009`.
    pub id: String,
    /// STIX id.
    pub stix_id: String,
    /// Name.
    pub name: String,
    /// Domain.
    pub domain: Domain,
    /// Tactic short names from `kill_chain_phases`, e.g. `execution`.
    pub tactics: Vec<String>,
    /// Platforms.
    pub platforms: Vec<String>,
    /// Whether it is a sub-technique.
    pub is_subtechnique: bool,
    /// Parent technique id of a sub-technique (`subtechnique-of`, else the id prefix).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Status.
    pub status: Status,
    /// Replacement of a revoked technique (`revoked-by` relationship).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_by: Option<String>,
    /// attack.mitre.org page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A tactic (`x-mitre-tactic`, `TAxxxx`).
#[derive(Debug, Clone, Serialize)]
pub struct Tactic {
    /// ATT&CK id, e.g. `TA0104`.
    pub id: String,
    /// Short name used in kill-chain phases and Sigma tags, e.g. `execution`.
    pub shortname: String,
    /// Name, e.g. `Execution`.
    pub name: String,
    /// Domain.
    pub domain: Domain,
    /// Status.
    pub status: Status,
}

/// A data component (`x-mitre-data-component`, `DCxxxx`).
#[derive(Debug, Clone, Serialize)]
pub struct DataComponent {
    /// ATT&CK id, e.g. `DC0112`.
    pub id: String,
    /// STIX id.
    pub stix_id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Domains it belongs to.
    pub domains: Vec<Domain>,
    /// Log sources (`x_mitre_log_sources`: name and channel).
    pub log_sources: Vec<(String, Option<String>)>,
    /// Status.
    pub status: Status,
}

/// An object left out because it is revoked or deprecated (or reported with
/// `include_deprecated`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// STIX type, e.g. `x-mitre-detection-strategy`.
    pub kind: String,
    /// ATT&CK id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Revoked or deprecated.
    pub status: Status,
    /// Replacement id, when a `revoked-by` relationship names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<String>,
}
