//! MITRE ATT&CK STIX 2.1 bundles: read `enterprise-attack.json`, `ics-attack.json` and
//! `mobile-attack.json` in one pass each and resolve their detection model.
//!
//! [`load`] reads one or more bundles and returns [`AttackData`]: detection strategies
//! (`x-mitre-detection-strategy`) with their analytics (`x_mitre_analytic_refs`: platforms, log
//! source references, mutable elements), the techniques each detects (`detects`), technique
//! tactics (`kill_chain_phases`) and sub-technique parents (`subtechnique-of`), tactics, data
//! components and `revoked-by` replacements. Revoked and deprecated strategies and analytics are
//! left out unless [`LoadOptions::include_deprecated`] is set, and listed in
//! [`AttackData::skipped`] either way; techniques and tactics are always kept, with their
//! [`Status`], so that tag checks can tell "revoked" from "unknown".
//!
//! [`logsources`] maps ATT&CK log source names and channels to Sigma logsources, and
//! [`convert`] turns the strategies into the scaffolder's model.
//!
//! This module only loads and converts: it prints nothing and defines no command-line
//! arguments (those live in [`crate::commands::attack`]).

pub mod convert;
mod filter;
pub mod logsources;
mod model;
mod stix;
mod tags;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

pub use filter::StrategyFilter;
pub use model::{
    Analytic, BundleInfo, DataComponent, DetectionStrategy, Domain, LogSourceRef, MutableElement,
    Skipped, Status, Tactic, Technique,
};
use stix::{ObjectSink, RawObject, Str};
pub use tags::TagVerdict;

/// Options for [`load`].
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// Keep revoked and deprecated strategies and analytics (they are still listed in
    /// [`AttackData::skipped`] when left out).
    pub include_deprecated: bool,
}

/// Errors reading a bundle. Each names the file; parse errors carry its line and column.
#[derive(Debug, thiserror::Error)]
pub enum AttackError {
    /// The file could not be read.
    #[error("cannot read ATT&CK bundle {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid JSON or an object has a field of the wrong shape.
    #[error("{path}:{line}:{column}: invalid STIX bundle: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// Valid JSON, but not a STIX bundle.
    #[error("{path}: not a STIX bundle: {reason}")]
    NotABundle {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// No object says which ATT&CK domain the bundle belongs to.
    #[error(
        "{path}: cannot tell the ATT&CK domain: no object lists enterprise-attack, ics-attack or \
         mobile-attack in x_mitre_domains"
    )]
    UnknownDomain {
        /// The file.
        path: PathBuf,
    },
}

impl AttackError {
    fn parse(path: &Path, err: &serde_json::Error) -> AttackError {
        let text = err.to_string();
        let suffix = format!(" at line {} column {}", err.line(), err.column());
        let message = text.strip_suffix(&suffix).unwrap_or(&text).to_owned();
        AttackError::Parse {
            path: path.to_owned(),
            line: err.line(),
            column: err.column(),
            message,
        }
    }
}

/// Reads the bundles at `paths` (in order) and resolves their detection model.
pub fn load<P: AsRef<Path>>(paths: &[P], options: LoadOptions) -> Result<AttackData, AttackError> {
    let mut loader = Loader::new(options);
    for path in paths {
        loader.add_file(path.as_ref())?;
    }
    Ok(loader.finish())
}

/// Reads a bundle file of at most [`stix::MAX_BUNDLE_BYTES`]. A FIFO or `/dev/stdin` is read
/// too (process substitution), but input that does not start like JSON text (`/dev/zero`,
/// a binary file) fails at its first byte, and input past the limit fails as soon as the limit
/// is reached, never after reading it all.
fn read_bundle_file(path: &Path) -> Result<Vec<u8>, AttackError> {
    use std::io::Read as _;
    let io = |source| AttackError::Io {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(io(std::io::Error::other("it is a folder")));
    }
    let mut reader = std::io::BufReader::new(file).take(stix::MAX_BUNDLE_BYTES + 1);
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io(e)),
        };
        bytes.extend_from_slice(&chunk[..n]);
        // A byte no JSON text starts with (NUL from /dev/zero, binary data): stop now.
        if let Some(&first) = bytes.iter().find(|b| !b.is_ascii_whitespace())
            && !b"{[\"-0123456789tfn".contains(&first)
            && !bytes.starts_with(&[0xEF, 0xBB, 0xBF])
        {
            return Err(AttackError::NotABundle {
                path: path.to_owned(),
                reason: format!("it is not JSON text (first byte 0x{first:02X})"),
            });
        }
        if bytes.len() as u64 > stix::MAX_BUNDLE_BYTES {
            return Err(AttackError::NotABundle {
                path: path.to_owned(),
                reason: format!(
                    "it is larger than the {} MiB limit",
                    stix::MAX_BUNDLE_BYTES / (1024 * 1024)
                ),
            });
        }
    }
    Ok(bytes)
}

/// Incremental form of [`load`]: add bundles one by one, then [`Loader::finish`].
#[derive(Debug, Default)]
pub struct Loader {
    options: LoadOptions,
    bundles: Vec<BundleInfo>,
    staged: Staged,
    warnings: Vec<String>,
}

impl Loader {
    /// A loader with `options`.
    pub fn new(options: LoadOptions) -> Loader {
        Loader {
            options,
            ..Loader::default()
        }
    }

    /// Reads one bundle file.
    pub fn add_file(&mut self, path: &Path) -> Result<&BundleInfo, AttackError> {
        let bytes = read_bundle_file(path)?;
        self.add_bytes(&bytes, path)
    }

    /// Reads one bundle from memory; `path` names it in errors and [`BundleInfo`].
    pub fn add_bytes(&mut self, bytes: &[u8], path: &Path) -> Result<&BundleInfo, AttackError> {
        let index = self.bundles.len();
        let first_new = Counts::of(&self.staged);
        let mut sink = BundleSink {
            staged: &mut self.staged,
            warnings: &mut self.warnings,
            path,
            bundle: index,
            domain_votes: [0; 3],
            matrix_domains: Vec::new(),
            name: None,
            version: None,
            objects: 0,
            strategies: 0,
        };
        let header =
            stix::read_bundle(bytes, &mut sink).map_err(|e| AttackError::parse(path, &e))?;
        match header.kind.as_deref() {
            Some("bundle") => {}
            Some(other) => {
                return Err(AttackError::NotABundle {
                    path: path.to_owned(),
                    reason: format!("top-level `type` is `{other}`, expected `bundle`"),
                });
            }
            None => {
                return Err(AttackError::NotABundle {
                    path: path.to_owned(),
                    reason: "no top-level `type: bundle`".into(),
                });
            }
        }
        if !header.has_objects {
            return Err(AttackError::NotABundle {
                path: path.to_owned(),
                reason: "no `objects` array".into(),
            });
        }
        let domain = sink.domain().ok_or_else(|| AttackError::UnknownDomain {
            path: path.to_owned(),
        })?;
        let info = BundleInfo {
            path: path.to_owned(),
            id: header.id,
            domain,
            name: sink.name.take(),
            version: sink.version.take(),
            objects: sink.objects,
            detection_strategies: sink.strategies,
        };
        self.staged.fill_domain(first_new, domain);
        self.bundles.push(info);
        Ok(&self.bundles[index])
    }

    /// Resolves references across every bundle read.
    pub fn finish(self) -> AttackData {
        resolve(self)
    }
}

/// Everything read from the bundles, resolved.
#[derive(Debug, Default)]
pub struct AttackData {
    bundles: Vec<BundleInfo>,
    strategies: BTreeMap<String, DetectionStrategy>,
    techniques: BTreeMap<String, Technique>,
    tactics: Vec<Tactic>,
    data_components: BTreeMap<String, DataComponent>,
    skipped: Vec<Skipped>,
    warnings: Vec<String>,
}

impl AttackData {
    /// The bundles read, in order.
    pub fn bundles(&self) -> &[BundleInfo] {
        &self.bundles
    }

    /// Detection strategies, sorted by id.
    pub fn strategies(&self) -> impl ExactSizeIterator<Item = &DetectionStrategy> {
        self.strategies.values()
    }

    /// The strategy with ATT&CK id `id` (case-insensitive).
    pub fn strategy(&self, id: &str) -> Option<&DetectionStrategy> {
        self.strategies.get(&id.to_ascii_uppercase())
    }

    /// Techniques and sub-techniques of every status, sorted by id.
    pub fn techniques(&self) -> impl ExactSizeIterator<Item = &Technique> {
        self.techniques.values()
    }

    /// The technique with ATT&CK id `id` (case-insensitive, `t1059.009` works), of any status.
    pub fn technique(&self, id: &str) -> Option<&Technique> {
        self.techniques.get(&id.to_ascii_uppercase())
    }

    /// Tactics of every domain and status, sorted by domain then id.
    pub fn tactics(&self) -> &[Tactic] {
        &self.tactics
    }

    /// A tactic by short name (`execution`, `inhibit-response-function`); an active one when
    /// several domains share the name.
    pub fn tactic(&self, shortname: &str) -> Option<&Tactic> {
        let mut found = self.tactics.iter().filter(|t| t.shortname == shortname);
        let first = found.next()?;
        if first.status.is_active() {
            return Some(first);
        }
        found.find(|t| t.status.is_active()).or(Some(first))
    }

    /// Data components, sorted by id.
    pub fn data_components(&self) -> impl ExactSizeIterator<Item = &DataComponent> {
        self.data_components.values()
    }

    /// The data component with ATT&CK id `id`.
    pub fn data_component(&self, id: &str) -> Option<&DataComponent> {
        self.data_components.get(&id.to_ascii_uppercase())
    }

    /// Revoked and deprecated strategies and analytics (left out unless
    /// [`LoadOptions::include_deprecated`]), sorted by kind then id.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// Problems that did not stop loading (dangling references, objects without ids, ...).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The sorted, de-duplicated tactic short names of a strategy's techniques.
    pub fn tactics_of(&self, strategy: &DetectionStrategy) -> Vec<String> {
        let set: BTreeSet<&str> = strategy
            .techniques
            .iter()
            .filter_map(|t| self.technique(t))
            .flat_map(|t| t.tactics.iter().map(String::as_str))
            .collect();
        set.into_iter().map(str::to_owned).collect()
    }

    /// `true` when no bundle was read.
    pub fn is_empty(&self) -> bool {
        self.bundles.is_empty()
    }
}

// ---------------------------------------------------------------------------------------------
// Staging: owned copies of the objects of interest, keyed by STIX id, resolved at the end.

#[derive(Debug)]
struct StagedStrategy {
    stix_id: String,
    id: String,
    url: Option<String>,
    name: String,
    description: Option<String>,
    domain: Option<Domain>,
    status: Status,
    analytic_refs: Vec<String>,
    bundle: usize,
}

#[derive(Debug)]
struct StagedAnalytic {
    id: String,
    url: Option<String>,
    name: String,
    description: String,
    platforms: Vec<String>,
    log_sources: Vec<(Option<String>, String, Option<String>)>,
    mutable_elements: Vec<MutableElement>,
    status: Status,
}

#[derive(Debug)]
struct StagedTechnique {
    stix_id: String,
    id: String,
    url: Option<String>,
    name: String,
    domain: Option<Domain>,
    tactics: Vec<String>,
    platforms: Vec<String>,
    is_subtechnique: bool,
    status: Status,
}

#[derive(Debug)]
struct StagedTactic {
    id: String,
    shortname: String,
    name: String,
    domain: Option<Domain>,
    status: Status,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RelKind {
    Detects,
    SubtechniqueOf,
    RevokedBy,
}

#[derive(Debug, Default)]
struct Staged {
    strategies: Vec<StagedStrategy>,
    analytics: HashMap<String, StagedAnalytic>,
    techniques: Vec<StagedTechnique>,
    tactics: Vec<StagedTactic>,
    data_components: HashMap<String, DataComponent>,
    relationships: Vec<(RelKind, String, String)>,
    /// STIX id -> (ATT&CK id, name), for naming revoked-by targets of any type.
    names: HashMap<String, (String, String)>,
}

/// Lengths of the staged lists, to find the objects a bundle added.
#[derive(Debug, Clone, Copy)]
struct Counts {
    strategies: usize,
    techniques: usize,
    tactics: usize,
}

impl Counts {
    fn of(staged: &Staged) -> Counts {
        Counts {
            strategies: staged.strategies.len(),
            techniques: staged.techniques.len(),
            tactics: staged.tactics.len(),
        }
    }
}

impl Staged {
    /// Objects without `x_mitre_domains` take their bundle's domain.
    fn fill_domain(&mut self, from: Counts, domain: Domain) {
        for s in &mut self.strategies[from.strategies..] {
            s.domain.get_or_insert(domain);
        }
        for t in &mut self.techniques[from.techniques..] {
            t.domain.get_or_insert(domain);
        }
        for t in &mut self.tactics[from.tactics..] {
            t.domain.get_or_insert(domain);
        }
    }
}

fn owned(s: &Option<Str<'_>>) -> Option<String> {
    s.as_ref().map(|s| s.as_str().to_owned())
}

fn strings(v: &[Str<'_>]) -> Vec<String> {
    v.iter().map(|s| s.as_str().to_owned()).collect()
}

/// `None`, empty and the literal `"None"` (as ATT&CK writes it) mean no channel.
fn channel(c: &Option<Str<'_>>) -> Option<String> {
    let c = c.as_ref()?.as_str().trim();
    (!c.is_empty() && c != "None").then(|| c.to_owned())
}

fn first_domain(domains: &[Str<'_>]) -> Option<Domain> {
    domains.iter().find_map(|d| Domain::from_stix(d.as_str()))
}

struct BundleSink<'l> {
    staged: &'l mut Staged,
    warnings: &'l mut Vec<String>,
    path: &'l Path,
    bundle: usize,
    domain_votes: [usize; 3],
    matrix_domains: Vec<Domain>,
    name: Option<String>,
    version: Option<String>,
    objects: usize,
    strategies: usize,
}

impl BundleSink<'_> {
    fn domain(&self) -> Option<Domain> {
        if let [only] = self.matrix_domains.as_slice() {
            return Some(*only);
        }
        let (best, votes) = self
            .domain_votes
            .iter()
            .enumerate()
            .max_by_key(|(i, v)| (**v, std::cmp::Reverse(*i)))?;
        (*votes > 0).then(|| Domain::ALL[best])
    }

    fn missing_id(&mut self, o: &RawObject<'_>) {
        self.warnings.push(format!(
            "{}: {} has no ATT&CK id (external_references[].external_id); skipped",
            self.path.display(),
            o.id
        ));
    }
}

impl ObjectSink for BundleSink<'_> {
    fn object(&mut self, o: RawObject<'_>) {
        self.objects += 1;
        for d in &o.x_mitre_domains {
            if let Some(d) = Domain::from_stix(d.as_str()) {
                self.domain_votes[Domain::ALL.iter().position(|x| *x == d).unwrap_or(0)] += 1;
            }
        }
        let status = Status::from_flags(o.revoked, o.x_mitre_deprecated);
        let name = || {
            o.name
                .as_ref()
                .map(|n| n.as_str().to_owned())
                .unwrap_or_default()
        };
        let kind = o.kind.as_str();
        if let Some((id, _)) = o.attack_id() {
            self.staged
                .names
                .insert(o.id.as_str().to_owned(), (id.to_owned(), name()));
        }
        match kind {
            "x-mitre-collection" => {
                self.name = owned(&o.name);
                self.version = owned(&o.x_mitre_version);
            }
            "x-mitre-matrix" => {
                self.matrix_domains = o
                    .x_mitre_domains
                    .iter()
                    .filter_map(|d| Domain::from_stix(d.as_str()))
                    .collect();
            }
            "x-mitre-detection-strategy" => {
                self.strategies += 1;
                let Some((id, url)) = o.attack_id() else {
                    return self.missing_id(&o);
                };
                self.staged.strategies.push(StagedStrategy {
                    stix_id: o.id.as_str().to_owned(),
                    id: id.to_owned(),
                    url: url.map(str::to_owned),
                    name: name(),
                    description: owned(&o.description).filter(|d| !d.is_empty()),
                    domain: first_domain(&o.x_mitre_domains),
                    status,
                    analytic_refs: strings(&o.x_mitre_analytic_refs),
                    bundle: self.bundle,
                });
            }
            "x-mitre-analytic" => {
                let Some((id, url)) = o.attack_id() else {
                    return self.missing_id(&o);
                };
                let analytic = StagedAnalytic {
                    id: id.to_owned(),
                    url: url.map(str::to_owned),
                    name: name(),
                    description: owned(&o.description).unwrap_or_default(),
                    platforms: strings(&o.x_mitre_platforms),
                    log_sources: o
                        .x_mitre_log_source_references
                        .iter()
                        .map(|l| {
                            (
                                owned(&l.x_mitre_data_component_ref),
                                l.name.as_str().trim().to_owned(),
                                channel(&l.channel),
                            )
                        })
                        .collect(),
                    mutable_elements: o
                        .x_mitre_mutable_elements
                        .iter()
                        .map(|m| MutableElement {
                            field: m.field.as_str().to_owned(),
                            description: owned(&m.description).unwrap_or_default(),
                        })
                        .collect(),
                    status,
                };
                self.staged
                    .analytics
                    .insert(o.id.as_str().to_owned(), analytic);
            }
            "attack-pattern" => {
                let Some((id, url)) = o.attack_id() else {
                    return self.missing_id(&o);
                };
                let mut tactics: Vec<String> = Vec::new();
                for p in &o.kill_chain_phases {
                    if p.kill_chain_name.as_str().starts_with("mitre-")
                        && !tactics.iter().any(|t| t == p.phase_name.as_str())
                    {
                        tactics.push(p.phase_name.as_str().to_owned());
                    }
                }
                self.staged.techniques.push(StagedTechnique {
                    stix_id: o.id.as_str().to_owned(),
                    id: id.to_owned(),
                    url: url.map(str::to_owned),
                    name: name(),
                    domain: first_domain(&o.x_mitre_domains),
                    tactics,
                    platforms: strings(&o.x_mitre_platforms),
                    is_subtechnique: o.x_mitre_is_subtechnique,
                    status,
                });
            }
            "x-mitre-tactic" => {
                let Some((id, _)) = o.attack_id() else {
                    return self.missing_id(&o);
                };
                let Some(shortname) = owned(&o.x_mitre_shortname) else {
                    self.warnings.push(format!(
                        "{}: tactic {id} has no x_mitre_shortname; skipped",
                        self.path.display()
                    ));
                    return;
                };
                self.staged.tactics.push(StagedTactic {
                    id: id.to_owned(),
                    shortname,
                    name: name(),
                    domain: first_domain(&o.x_mitre_domains),
                    status,
                });
            }
            "x-mitre-data-component" => {
                let Some((id, _)) = o.attack_id() else {
                    return self.missing_id(&o);
                };
                let dc = DataComponent {
                    id: id.to_owned(),
                    stix_id: o.id.as_str().to_owned(),
                    name: name(),
                    description: owned(&o.description).unwrap_or_default(),
                    domains: o
                        .x_mitre_domains
                        .iter()
                        .filter_map(|d| Domain::from_stix(d.as_str()))
                        .collect(),
                    log_sources: o
                        .x_mitre_log_sources
                        .iter()
                        .map(|l| (l.name.as_str().to_owned(), channel(&l.channel)))
                        .collect(),
                    status,
                };
                self.staged
                    .data_components
                    .entry(o.id.as_str().to_owned())
                    .or_insert(dc);
            }
            "relationship" => {
                if !status.is_active() {
                    return;
                }
                let rel = match o.relationship_type.as_ref().map(Str::as_str) {
                    Some("detects") => RelKind::Detects,
                    Some("subtechnique-of") => RelKind::SubtechniqueOf,
                    Some("revoked-by") => RelKind::RevokedBy,
                    _ => return,
                };
                match (&o.source_ref, &o.target_ref) {
                    (Some(s), Some(t)) => self.staged.relationships.push((
                        rel,
                        s.as_str().to_owned(),
                        t.as_str().to_owned(),
                    )),
                    _ => self.warnings.push(format!(
                        "{}: relationship {} lacks source_ref or target_ref; skipped",
                        self.path.display(),
                        o.id
                    )),
                }
            }
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Resolution.

fn resolve(loader: Loader) -> AttackData {
    let Loader {
        options,
        bundles,
        staged,
        mut warnings,
    } = loader;
    let Staged {
        strategies,
        analytics,
        techniques: staged_techniques,
        tactics: staged_tactics,
        data_components: staged_dcs,
        relationships,
        names,
    } = staged;
    let fallback_domain = bundles.first().map_or(Domain::Enterprise, |b| b.domain);

    let mut detects: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut parent_of: HashMap<&str, &str> = HashMap::new();
    let mut revoked_by: HashMap<&str, &str> = HashMap::new();
    for (kind, source, target) in &relationships {
        match kind {
            RelKind::Detects => detects.entry(source).or_default().push(target),
            RelKind::SubtechniqueOf => {
                parent_of.insert(source, target);
            }
            RelKind::RevokedBy => {
                revoked_by.insert(source, target);
            }
        }
    }
    let attack_id = |stix: &str| names.get(stix).map(|(id, _)| id.clone());

    // Techniques (every status).
    let mut techniques = BTreeMap::new();
    let mut technique_ids: HashMap<&str, &str> = HashMap::new();
    for t in &staged_techniques {
        technique_ids.insert(&t.stix_id, &t.id);
    }
    for t in &staged_techniques {
        let parent = parent_of
            .get(t.stix_id.as_str())
            .and_then(|p| technique_ids.get(p).map(|s| (*s).to_owned()))
            .or_else(|| {
                t.is_subtechnique
                    .then(|| t.id.split_once('.').map(|(p, _)| p.to_owned()))
                    .flatten()
            });
        let technique = Technique {
            id: t.id.clone(),
            stix_id: t.stix_id.clone(),
            name: t.name.clone(),
            domain: t.domain.unwrap_or(fallback_domain),
            tactics: t.tactics.clone(),
            platforms: t.platforms.clone(),
            is_subtechnique: t.is_subtechnique,
            parent,
            status: t.status,
            revoked_by: revoked_by
                .get(t.stix_id.as_str())
                .and_then(|r| attack_id(r)),
            url: t.url.clone(),
        };
        // Prefer an active definition when two bundles carry the same id.
        match techniques.entry(t.id.clone()) {
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(technique);
            }
            std::collections::btree_map::Entry::Occupied(mut e) => {
                if !e.get().status.is_active() && technique.status.is_active() {
                    e.insert(technique);
                }
            }
        }
    }

    // Tactics.
    let mut tactics: Vec<Tactic> = staged_tactics
        .into_iter()
        .map(|t| Tactic {
            id: t.id,
            shortname: t.shortname,
            name: t.name,
            domain: t.domain.unwrap_or(fallback_domain),
            status: t.status,
        })
        .collect();
    tactics.sort_by(|a, b| (a.domain, &a.id).cmp(&(b.domain, &b.id)));
    tactics.dedup_by(|a, b| a.domain == b.domain && a.id == b.id);

    // Data components.
    let mut dc_by_stix: HashMap<&str, &DataComponent> = HashMap::new();
    for dc in staged_dcs.values() {
        dc_by_stix.insert(&dc.stix_id, dc);
    }
    let data_components: BTreeMap<String, DataComponent> = staged_dcs
        .values()
        .map(|dc| (dc.id.clone(), dc.clone()))
        .collect();

    // Strategies.
    let mut skipped = Vec::new();
    let mut out = BTreeMap::new();
    let mut seen_stix = BTreeSet::new();
    for s in strategies {
        if !seen_stix.insert(s.stix_id.clone()) {
            continue; // the same bundle read twice
        }
        if !s.status.is_active() {
            skipped.push(Skipped {
                kind: "x-mitre-detection-strategy".into(),
                id: s.id.clone(),
                name: s.name.clone(),
                status: s.status,
                replaced_by: revoked_by
                    .get(s.stix_id.as_str())
                    .and_then(|r| attack_id(r)),
            });
            if !options.include_deprecated {
                continue;
            }
        }
        let mut resolved = Vec::with_capacity(s.analytic_refs.len());
        // An analytic listed twice is one analytic (and must not multiply the work).
        let mut seen_refs = HashSet::new();
        for r in s
            .analytic_refs
            .iter()
            .filter(|r| seen_refs.insert(r.as_str()))
        {
            let Some(a) = analytics.get(r) else {
                warnings.push(format!(
                    "{}: strategy {} refers to analytic {r}, which no bundle defines",
                    bundles[s.bundle].path.display(),
                    s.id
                ));
                continue;
            };
            if !a.status.is_active() {
                skipped.push(Skipped {
                    kind: "x-mitre-analytic".into(),
                    id: a.id.clone(),
                    name: a.name.clone(),
                    status: a.status,
                    replaced_by: revoked_by.get(r.as_str()).and_then(|r| attack_id(r)),
                });
                if !options.include_deprecated {
                    continue;
                }
            }
            let log_sources = a
                .log_sources
                .iter()
                .map(|(dc_ref, name, channel)| {
                    let dc = dc_ref.as_deref().and_then(|d| dc_by_stix.get(d));
                    if dc.is_none()
                        && let Some(d) = dc_ref
                    {
                        warnings.push(format!(
                            "{}: analytic {} refers to data component {d}, which no bundle \
                             defines",
                            bundles[s.bundle].path.display(),
                            a.id
                        ));
                    }
                    LogSourceRef {
                        data_component: dc.map(|d| d.id.clone()),
                        data_component_name: dc.map(|d| d.name.clone()),
                        name: name.clone(),
                        channel: channel.clone(),
                    }
                })
                .collect();
            resolved.push(Analytic {
                id: a.id.clone(),
                stix_id: r.clone(),
                name: a.name.clone(),
                description: a.description.clone(),
                url: a.url.clone(),
                platforms: a.platforms.clone(),
                log_sources,
                mutable_elements: a.mutable_elements.clone(),
                status: a.status,
            });
        }
        let mut detected: Vec<String> = detects
            .get(s.stix_id.as_str())
            .into_iter()
            .flatten()
            .filter_map(|t| technique_ids.get(t).map(|id| (*id).to_owned()))
            .collect();
        detected.sort();
        detected.dedup();
        let strategy = DetectionStrategy {
            id: s.id.clone(),
            stix_id: s.stix_id,
            name: s.name,
            description: s.description,
            domain: s.domain.unwrap_or(fallback_domain),
            url: s.url,
            status: s.status,
            analytics: resolved,
            techniques: detected,
            bundle: s.bundle,
        };
        if let Some(previous) = out.get(&s.id) {
            let previous: &DetectionStrategy = previous;
            warnings.push(format!(
                "{}: strategy {} is defined again (also in {}); keeping the first",
                bundles[s.bundle].path.display(),
                s.id,
                bundles[previous.bundle].path.display()
            ));
            continue;
        }
        out.insert(s.id, strategy);
    }
    skipped.sort_by(|a, b| (&a.kind, &a.id).cmp(&(&b.kind, &b.id)));
    skipped.dedup();

    AttackData {
        bundles,
        strategies: out,
        techniques,
        tactics,
        data_components,
        skipped,
        warnings,
    }
}
