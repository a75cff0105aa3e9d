//! `sigsmith lsp`: a language server over standard input and output (JSON-RPC, the Language
//! Server Protocol), on rust-analyzer's `lsp-server` and `lsp-types` crates; synchronous, one
//! thread for the requests.
//!
//! - **Diagnostics** on open, change and save: every check of `sigsmith lint`, with the
//!   configuration (`sigsmith.toml`: selection, severities, per-path ignores, extra profiles)
//!   and suppression comments applied exactly as `lint` applies them. Ranges are the findings'
//!   spans in UTF-16 columns; each diagnostic carries its code, a link to the check's docs and
//!   the finding's related locations.
//! - **Repository-wide checks** (duplicate ids and titles, correlation and filter references,
//!   API001's correlation rescue) see every YAML file of the workspace folders: files on disk,
//!   replaced by the editor's text while they are open.
//! - **Hover** on a check code or name, a value modifier, or a field (its class in the
//!   vocabulary for the rule's log source); **completion** of modifiers, log source values and
//!   field names; **code actions** that apply a check's fix ([`crate::diagnostic::Fix`]) or
//!   suppress a finding on its line or in its document.
//!
//! Bursts of edits are coalesced (the workspace is linted once the queued messages are read),
//! and only files whose text changed are checked again: the file and document checks' results
//! of the others are kept, and the repository-wide checks run over every file's summaries.

mod context;
mod features;
pub mod text;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as notif, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    CodeActionProviderCapability, CompletionOptions, Diagnostic, DiagnosticRelatedInformation,
    DiagnosticSeverity, HoverProviderCapability, InitializeParams, Location, MessageType,
    NumberOrString, PublishDiagnosticsParams, SaveOptions, ServerCapabilities, ServerInfo,
    ShowMessageParams, TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, Url,
};

use crate::commands::attack::{AttackArgs, bundles_of};
use crate::config::{Config, RuleSelection, find_config};
use crate::diagnostic::{Finding, Severity, sort_findings};
use crate::discover::{self, Excludes};
use crate::lint::engine::{
    AttackIndex, FileLint, LintOptions, SourceFile, lint_one, repository_findings,
};
use crate::output::sarif::RULE_DOCS_URL;
use crate::suppress;
use crate::vocab::Vocabulary;

use text::LineIndex;

/// Runs the server on standard input and output until the client says `exit`. Returns
/// whether the client asked to shut down first (the protocol's exit code is 0 then, else 1).
pub fn run_stdio(attack: AttackArgs) -> anyhow::Result<bool> {
    let (connection, io_threads) = Connection::stdio();
    let clean = serve(&connection, attack)?;
    drop(connection);
    io_threads.join().context("language server I/O")?;
    Ok(clean)
}

/// The capabilities this server announces.
fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(true),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec!["|".to_owned(), ":".to_owned(), " ".to_owned()]),
            ..CompletionOptions::default()
        }),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        // UTF-16, the protocol's default, said explicitly for clients of 3.17.
        position_encoding: Some(lsp_types::PositionEncodingKind::UTF16),
        ..ServerCapabilities::default()
    }
}

/// Runs the protocol on an established connection until `exit`; whether `shutdown` came first.
/// `attack` names ATT&CK bundles for SIG010's existence checks, besides those `attack = [...]`
/// in `sigsmith.toml` names (as `lint --attack`).
pub fn serve(connection: &Connection, attack: AttackArgs) -> anyhow::Result<bool> {
    let (id, params) = connection.initialize_start()?;
    let params: InitializeParams =
        serde_json::from_value(params).context("invalid initialize parameters")?;
    let result = serde_json::json!({
        "capabilities": capabilities(),
        "serverInfo": ServerInfo {
            name: "sigsmith".to_owned(),
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        },
    });
    connection.initialize_finish(id, result)?;
    let mut server = Server::new(connection, workspace_roots(&params));
    server.attack_args = attack;
    if watches_files(&params) {
        server.watch_yaml_files();
    }
    server.load_workspace();
    server.main_loop()
}

/// Whether the client lets the server register file watchers.
fn watches_files(params: &InitializeParams) -> bool {
    params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.did_change_watched_files.as_ref())
        .and_then(|d| d.dynamic_registration)
        .unwrap_or(false)
}

/// The folders of the workspace: `workspaceFolders`, else the deprecated `rootUri`.
fn workspace_roots(params: &InitializeParams) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|f| f.uri.to_file_path().ok())
        .map(|p| canonical(&p))
        .collect();
    #[allow(deprecated)]
    if roots.is_empty()
        && let Some(p) = params.root_uri.as_ref().and_then(|u| u.to_file_path().ok())
    {
        roots.push(canonical(&p));
    }
    roots
}

/// A document the editor has open.
#[derive(Debug)]
struct OpenDoc {
    uri: Url,
    version: Option<i32>,
    text: String,
}

/// The server's state.
struct Server<'c> {
    connection: &'c Connection,
    roots: Vec<PathBuf>,
    /// YAML files of the workspace folders as on disk (path → text).
    disk: BTreeMap<PathBuf, String>,
    /// Open documents by path (file URIs) or URI text (other schemes).
    open: BTreeMap<PathBuf, OpenDoc>,
    /// The findings of the last run, by path, for code actions.
    findings: HashMap<PathBuf, Vec<Finding>>,
    /// Paths that have diagnostics shown, to clear them when they go away.
    published: Vec<PathBuf>,
    /// The vocabulary of the last run (built-in plus configured profiles).
    vocab: Vocabulary,
    /// The last configuration error shown, so it is shown once, not on every keystroke.
    config_error: Option<String>,
    /// Whether something changed since the last lint.
    dirty: bool,
    /// The file and document checks' results per file, re-run only for files that changed.
    cache: HashMap<PathBuf, FileLint>,
    /// Files whose text changed since the last lint.
    stale: HashSet<PathBuf>,
    /// ATT&CK bundles from the command line.
    attack_args: AttackArgs,
    /// The ATT&CK bundles loaded (command line and configuration) and their data.
    attack: (Vec<PathBuf>, Option<Arc<dyn AttackIndex>>),
}

/// The key of a document: its canonical file path (so a file reached through a symbolic link,
/// `/tmp` and `/private/tmp`, is one file, never a duplicate of itself), or its URI for other
/// schemes (`untitled:`).
fn doc_key(uri: &Url) -> PathBuf {
    match uri.to_file_path() {
        Ok(p) => canonical(&p),
        Err(()) => PathBuf::from(uri.as_str()),
    }
}

/// `path` with symbolic links resolved; for a file that no longer exists, its folder resolved.
fn canonical(path: &Path) -> PathBuf {
    if let Ok(c) = std::fs::canonicalize(path) {
        return c;
    }
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => {
            std::fs::canonicalize(dir).map_or_else(|_| path.to_path_buf(), |d| d.join(name))
        }
        _ => path.to_path_buf(),
    }
}

impl<'c> Server<'c> {
    fn new(connection: &'c Connection, roots: Vec<PathBuf>) -> Self {
        Server {
            connection,
            roots,
            disk: BTreeMap::new(),
            open: BTreeMap::new(),
            findings: HashMap::new(),
            published: Vec::new(),
            vocab: Vocabulary::builtin(),
            config_error: None,
            dirty: false,
            cache: HashMap::new(),
            stale: HashSet::new(),
            attack_args: AttackArgs::default(),
            attack: (Vec::new(), None),
        }
    }

    /// The configuration for the workspace: the `sigsmith.toml` found from the first workspace
    /// folder (or the first open document's folder) up to its repository root.
    fn config(&mut self) -> Config {
        let start = self
            .roots
            .first()
            .cloned()
            .or_else(|| {
                self.open
                    .keys()
                    .find(|p| p.is_absolute())
                    .and_then(|p| p.parent().map(Path::to_path_buf))
            })
            .unwrap_or_else(|| PathBuf::from("/"));
        let loaded = match find_config(&start) {
            Some(path) => Config::load_discovered(&path, &start).map_err(|e| e.to_string()),
            None => Ok(Config::empty(&start)),
        };
        match loaded {
            Ok(config) => {
                self.config_error = None;
                config
            }
            Err(message) => {
                if self.config_error.as_deref() != Some(message.as_str()) {
                    self.show_message(MessageType::ERROR, format!("sigsmith: {message}"));
                    self.config_error = Some(message);
                }
                Config::empty(&start)
            }
        }
    }

    /// Reads every YAML file of the workspace folders (honouring `.gitignore` and the
    /// configuration's `exclude`), as `sigsmith lint` on those folders would.
    fn load_workspace(&mut self) {
        if self.roots.is_empty() {
            return;
        }
        let config = self.config();
        let mut excludes = Excludes::new();
        if let Err(e) = excludes.add(&config.root, &config.exclude_globs()) {
            self.show_message(MessageType::WARNING, format!("sigsmith: {e}"));
        }
        let cwd = self.roots[0].clone();
        match discover::discover_in(&cwd, &self.roots, &excludes, &mut std::io::empty()) {
            Ok(found) => {
                self.disk = found
                    .sources
                    .into_iter()
                    .map(|s| (s.path, s.text))
                    .collect();
            }
            Err(e) => self.show_message(
                MessageType::WARNING,
                format!("sigsmith: cannot read the workspace: {e}"),
            ),
        }
    }

    /// Asks the client to report changes of YAML files on disk (a checkout, a file written by
    /// another tool), so repository-wide checks stay current.
    fn watch_yaml_files(&self) {
        let options = lsp_types::DidChangeWatchedFilesRegistrationOptions {
            watchers: ["**/*.yml", "**/*.yaml"]
                .into_iter()
                .map(|g| lsp_types::FileSystemWatcher {
                    glob_pattern: lsp_types::GlobPattern::String(g.to_owned()),
                    kind: None,
                })
                .collect(),
        };
        let params = lsp_types::RegistrationParams {
            registrations: vec![lsp_types::Registration {
                id: "sigsmith-yaml-files".to_owned(),
                method: notif::DidChangeWatchedFiles::METHOD.to_owned(),
                register_options: serde_json::to_value(options).ok(),
            }],
        };
        let request = Request::new(
            RequestId::from("sigsmith-register-watchers".to_owned()),
            req::RegisterCapability::METHOD.to_owned(),
            params,
        );
        let _ = self.connection.sender.send(Message::Request(request));
    }

    fn show_message(&self, typ: MessageType, message: String) {
        self.notify::<notif::ShowMessage>(ShowMessageParams { typ, message });
    }

    fn notify<N: notif::Notification>(&self, params: N::Params) {
        let n = Notification::new(N::METHOD.to_owned(), params);
        let _ = self.connection.sender.send(Message::Notification(n));
    }

    fn respond(&self, id: RequestId, result: impl serde::Serialize) {
        let resp = Response::new_ok(id, result);
        let _ = self.connection.sender.send(Message::Response(resp));
    }

    fn main_loop(&mut self) -> anyhow::Result<bool> {
        loop {
            // Wait for a message, then drain what is queued before linting once.
            let msg = match self.connection.receiver.recv() {
                Ok(m) => m,
                Err(_) => return Ok(false),
            };
            let mut next = Some(msg);
            while let Some(msg) = next.take() {
                match msg {
                    Message::Request(req) => {
                        if self.connection.handle_shutdown(&req)? {
                            return Ok(true);
                        }
                        // Answer from up-to-date findings.
                        if self.dirty {
                            self.lint_and_publish();
                        }
                        self.handle_request(req);
                    }
                    Message::Notification(n) => {
                        if n.method == notif::Exit::METHOD {
                            return Ok(false);
                        }
                        self.handle_notification(n);
                    }
                    Message::Response(_) => {}
                }
                next = self.connection.receiver.try_recv().ok();
            }
            if self.dirty {
                self.lint_and_publish();
            }
        }
    }

    fn handle_notification(&mut self, n: Notification) {
        match n.method.as_str() {
            notif::DidOpenTextDocument::METHOD => {
                if let Ok(p) = n.extract::<lsp_types::DidOpenTextDocumentParams>(
                    notif::DidOpenTextDocument::METHOD,
                ) {
                    let doc = p.text_document;
                    self.stale.insert(doc_key(&doc.uri));
                    self.open.insert(
                        doc_key(&doc.uri),
                        OpenDoc {
                            uri: doc.uri,
                            version: Some(doc.version),
                            text: doc.text,
                        },
                    );
                    self.dirty = true;
                }
            }
            notif::DidChangeTextDocument::METHOD => {
                if let Ok(p) = n.extract::<lsp_types::DidChangeTextDocumentParams>(
                    notif::DidChangeTextDocument::METHOD,
                ) && let Some(doc) = self.open.get_mut(&doc_key(&p.text_document.uri))
                {
                    // Full synchronisation: the last change holds the whole text.
                    if let Some(change) = p.content_changes.into_iter().last() {
                        self.stale.insert(doc_key(&p.text_document.uri));
                        doc.text = change.text;
                        doc.version = Some(p.text_document.version);
                        self.dirty = true;
                    }
                }
            }
            notif::DidSaveTextDocument::METHOD => {
                if let Ok(p) = n.extract::<lsp_types::DidSaveTextDocumentParams>(
                    notif::DidSaveTextDocument::METHOD,
                ) {
                    let key = doc_key(&p.text_document.uri);
                    self.stale.insert(key.clone());
                    let text = p
                        .text
                        .or_else(|| std::fs::read_to_string(&key).ok())
                        .or_else(|| self.open.get(&key).map(|d| d.text.clone()));
                    if let Some(text) = text {
                        if let Some(doc) = self.open.get_mut(&key) {
                            doc.text = text.clone();
                        }
                        if self.in_workspace(&key) {
                            self.disk.insert(key, text);
                        }
                    }
                    self.dirty = true;
                }
            }
            notif::DidCloseTextDocument::METHOD => {
                if let Ok(p) = n.extract::<lsp_types::DidCloseTextDocumentParams>(
                    notif::DidCloseTextDocument::METHOD,
                ) {
                    let key = doc_key(&p.text_document.uri);
                    self.stale.insert(key.clone());
                    self.open.remove(&key);
                    // Back to the file on disk (or gone, when it was deleted or never saved).
                    match std::fs::read_to_string(&key) {
                        Ok(text) if self.disk.contains_key(&key) => {
                            self.disk.insert(key, text);
                        }
                        Ok(_) => {}
                        Err(_) => {
                            self.disk.remove(&key);
                        }
                    }
                    self.dirty = true;
                }
            }
            notif::DidChangeWatchedFiles::METHOD => {
                if let Ok(p) = n.extract::<lsp_types::DidChangeWatchedFilesParams>(
                    notif::DidChangeWatchedFiles::METHOD,
                ) {
                    for change in p.changes {
                        let key = doc_key(&change.uri);
                        if !discover::has_yaml_extension(&key) || !self.in_workspace(&key) {
                            continue;
                        }
                        self.stale.insert(key.clone());
                        match std::fs::read_to_string(&key) {
                            Ok(text) => {
                                self.disk.insert(key, text);
                            }
                            Err(_) => {
                                self.disk.remove(&key);
                            }
                        }
                    }
                    self.dirty = true;
                }
            }
            _ => {}
        }
    }

    /// The ATT&CK data of the bundles the command line and the configuration name, loaded
    /// again (and every file checked again) when that list changes; a bundle that does not
    /// load is shown once and SIG010 then checks tag syntax only.
    fn attack_data(&mut self, config: &Config) -> Option<Arc<dyn AttackIndex>> {
        let configured = bundles_of(config);
        let paths = self.attack_args.paths(&configured);
        if paths != self.attack.0 {
            self.cache.clear();
            let data = match self.attack_args.load(&configured) {
                Ok(data) => data.map(|d| Arc::new(d) as Arc<dyn AttackIndex>),
                Err(e) => {
                    self.show_message(MessageType::ERROR, format!("sigsmith: {e:#}"));
                    None
                }
            };
            self.attack = (paths, data);
        }
        self.attack.1.clone()
    }

    fn in_workspace(&self, path: &Path) -> bool {
        self.roots.iter().any(|r| path.starts_with(r))
    }

    fn handle_request(&mut self, request: Request) {
        let id = request.id.clone();
        match request.method.as_str() {
            req::HoverRequest::METHOD => {
                match request.extract::<lsp_types::HoverParams>(req::HoverRequest::METHOD) {
                    Ok((id, p)) => {
                        let pos = p.text_document_position_params;
                        let result = self
                            .open
                            .get(&doc_key(&pos.text_document.uri))
                            .and_then(|d| features::hover(&self.vocab, &d.text, pos.position));
                        self.respond(id, result);
                    }
                    Err(e) => self.invalid(id, e),
                }
            }
            req::Completion::METHOD => {
                match request.extract::<lsp_types::CompletionParams>(req::Completion::METHOD) {
                    Ok((id, p)) => {
                        let pos = p.text_document_position;
                        let result = self
                            .open
                            .get(&doc_key(&pos.text_document.uri))
                            .map(|d| features::complete(&self.vocab, &d.text, pos.position))
                            .unwrap_or_default();
                        self.respond(id, lsp_types::CompletionResponse::Array(result));
                    }
                    Err(e) => self.invalid(id, e),
                }
            }
            req::CodeActionRequest::METHOD => {
                match request.extract::<lsp_types::CodeActionParams>(req::CodeActionRequest::METHOD)
                {
                    Ok((id, p)) => {
                        let key = doc_key(&p.text_document.uri);
                        let actions = match self.open.get(&key) {
                            Some(doc) => {
                                let findings =
                                    self.findings.get(&key).map_or(&[][..], Vec::as_slice);
                                features::code_actions(&doc.uri, &doc.text, findings, p.range)
                            }
                            None => Vec::new(),
                        };
                        self.respond(id, actions);
                    }
                    Err(e) => self.invalid(id, e),
                }
            }
            _ => {
                let resp = Response::new_err(
                    id,
                    lsp_server::ErrorCode::MethodNotFound as i32,
                    format!("sigsmith does not handle `{}`", request.method),
                );
                let _ = self.connection.sender.send(Message::Response(resp));
            }
        }
    }

    fn invalid(&self, id: RequestId, e: lsp_server::ExtractError<Request>) {
        let resp = Response::new_err(
            id,
            lsp_server::ErrorCode::InvalidParams as i32,
            format!("invalid parameters: {e:?}"),
        );
        let _ = self.connection.sender.send(Message::Response(resp));
    }

    /// Lints the workspace (disk files with the open documents' text) as `sigsmith lint`
    /// would, and publishes the diagnostics of every open document.
    fn lint_and_publish(&mut self) {
        self.dirty = false;
        let config = self.config();
        let vocab = config.vocabulary();
        if vocab != self.vocab {
            // Other profiles classify fields differently: every file again.
            self.cache.clear();
        }
        let attack = self.attack_data(&config);
        let mut excludes = Excludes::new();
        let _ = excludes.add(&config.root, &config.exclude_globs());
        // The text each file has now: the editor's for open files, else the disk's.
        let mut current: BTreeMap<&PathBuf, &str> = BTreeMap::new();
        for (path, text) in &self.disk {
            current.insert(path, text);
        }
        for (path, doc) in &self.open {
            if path.is_absolute() && excludes.is_excluded(path, false) {
                current.remove(path);
            } else {
                current.insert(path, &doc.text);
            }
        }
        let opts = LintOptions {
            profiles: vocab.clone(),
            attack,
        };
        self.cache.retain(|p, _| current.contains_key(p));
        let todo: Vec<SourceFile> = current
            .iter()
            .filter(|(p, _)| self.stale.contains(**p) || !self.cache.contains_key(**p))
            .map(|(p, t)| SourceFile {
                path: (*p).clone(),
                text: (*t).to_owned(),
            })
            .collect();
        self.stale.clear();
        let results: Vec<(PathBuf, FileLint)> = {
            use rayon::prelude::*;
            todo.par_iter()
                .map(|s| (s.path.clone(), lint_one(s, &opts)))
                .collect()
        };
        self.cache.extend(results);
        let summaries = self.cache.values().flat_map(|f| &f.summaries);
        let repo = repository_findings(summaries, &opts);

        // Only open documents are published: their findings, as `lint` would report them.
        let is_open = |p: &Path| self.open.contains_key(p);
        let mut findings: Vec<Finding> = self
            .open
            .keys()
            .filter_map(|p| self.cache.get(p))
            .flat_map(|f| f.findings.iter().cloned())
            .chain(repo.into_iter().filter(|f| is_open(&f.path)))
            .collect();
        let selection = match RuleSelection::new(&config, &[], &[], &config.root) {
            Ok(s) => s,
            Err(_) => RuleSelection::all(&config.root),
        };
        findings.retain(|f| selection.is_enabled(f.code));
        let applied = suppress::apply(
            findings,
            self.open
                .iter()
                .map(|(p, d)| (p.as_path(), d.text.as_str())),
            &|code| selection.is_enabled(code),
        );
        let (mut findings, _) = selection.apply(applied.findings);
        sort_findings(&mut findings);

        let mut by_path: HashMap<PathBuf, Vec<Finding>> = HashMap::new();
        for f in findings {
            by_path.entry(f.path.clone()).or_default().push(f);
        }
        let texts: HashMap<&Path, &str> = current.iter().map(|(p, t)| (p.as_path(), *t)).collect();
        let mut published = Vec::new();
        for (path, doc) in &self.open {
            let findings = by_path.get(path).map_or(&[][..], Vec::as_slice);
            let diagnostics = diagnostics(&doc.text, findings, &texts);
            self.notify::<notif::PublishDiagnostics>(PublishDiagnosticsParams {
                uri: doc.uri.clone(),
                diagnostics,
                version: doc.version,
            });
            published.push(path.clone());
        }
        for gone in std::mem::take(&mut self.published) {
            if !self.open.contains_key(&gone)
                && let Ok(uri) = Url::from_file_path(&gone)
            {
                self.notify::<notif::PublishDiagnostics>(PublishDiagnosticsParams {
                    uri,
                    diagnostics: Vec::new(),
                    version: None,
                });
            }
        }
        self.published = published;
        self.findings = by_path;
        self.vocab = vocab;
    }
}

/// The documentation address of a check.
pub fn docs_url(code: &str) -> Option<Url> {
    Url::parse(&format!("{RULE_DOCS_URL}#{}", code.to_ascii_lowercase())).ok()
}

fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

/// The diagnostic of one finding in `text`; `texts` holds the other files, for the
/// positions of related locations.
pub fn diagnostic(text: &str, f: &Finding, texts: &HashMap<&Path, &str>) -> Diagnostic {
    let idx = LineIndex::new(text);
    let mut message = f.message.clone();
    if let Some(help) = &f.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = f
        .related
        .iter()
        .filter_map(|r| {
            let uri = Url::from_file_path(&r.path).ok()?;
            let other = texts.get(r.path.as_path()).copied().unwrap_or("");
            let range = LineIndex::new(other).range(r.pos, None);
            Some(DiagnosticRelatedInformation {
                location: Location { uri, range },
                message: r.message.clone(),
            })
        })
        .collect();
    Diagnostic {
        range: idx.range(f.pos, f.end),
        severity: Some(severity(f.severity)),
        code: Some(NumberOrString::String(f.code.to_owned())),
        code_description: docs_url(f.code).map(|href| lsp_types::CodeDescription { href }),
        source: Some("sigsmith".to_owned()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: Some(serde_json::json!({ "name": f.name })),
    }
}

fn diagnostics(text: &str, findings: &[Finding], texts: &HashMap<&Path, &str>) -> Vec<Diagnostic> {
    findings
        .iter()
        .map(|f| diagnostic(text, f, texts))
        .collect()
}
