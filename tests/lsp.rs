//! `sigsmith lsp` driven over standard input and output as an editor drives it: initialize,
//! didOpen, didChange, didSave, publishDiagnostics, hover, completion, codeAction, shutdown.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use serde_json::{Value, json};

/// A client talking to a running `sigsmith lsp`.
struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
    /// Notifications received while waiting for something else.
    backlog: Vec<Value>,
}

const TIMEOUT: Duration = Duration::from_secs(60);

impl Client {
    /// Starts the server and completes the initialize handshake with `root` as the workspace.
    fn start(root: &Path) -> (Client, Value) {
        Client::start_with(root, json!({}))
    }

    /// [`Client::start`] announcing the client capabilities `capabilities`.
    fn start_with(root: &Path, capabilities: Value) -> (Client, Value) {
        let mut child = Command::new(common::bin())
            .arg("lsp")
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start sigsmith lsp");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut len = None;
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 {
                        return;
                    }
                    let header = header.trim_end();
                    if header.is_empty() {
                        break;
                    }
                    if let Some(v) = header.strip_prefix("Content-Length: ") {
                        len = v.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; len.expect("Content-Length header")];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let msg: Value = serde_json::from_slice(&body).expect("JSON body");
                if tx.send(msg).is_err() {
                    return;
                }
            }
        });
        let mut client = Client {
            child,
            stdin,
            incoming: rx,
            next_id: 1,
            backlog: Vec::new(),
        };
        let uri = raw_file_uri(root);
        let init = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri,
                "workspaceFolders": [{"uri": uri, "name": "rules"}],
                "capabilities": capabilities,
            }),
        );
        client.notify("initialized", json!({}));
        (client, init)
    }

    fn send(&mut self, msg: &Value) {
        let body = serde_json::to_string(msg).expect("serialise");
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn recv(&mut self) -> Value {
        self.incoming
            .recv_timeout(TIMEOUT)
            .expect("the server answered in time")
    }

    /// Sends a request and returns its result (panics on an error response).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let msg = self.recv();
            if msg.get("id") == Some(&json!(id)) && msg.get("method").is_none() {
                assert!(msg.get("error").is_none(), "{method} failed: {msg}");
                return msg["result"].clone();
            }
            self.backlog.push(msg);
        }
    }

    /// The next publishDiagnostics for `uri` (from the backlog first).
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let is_for = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        };
        if let Some(i) = self.backlog.iter().position(is_for) {
            let m = self.backlog.remove(i);
            return m["params"]["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default();
        }
        loop {
            let m = self.recv();
            if is_for(&m) {
                return m["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
            }
            self.backlog.push(m);
        }
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
        );
    }

    fn change(&mut self, uri: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    /// shutdown, exit, and the server's exit status.
    fn finish(mut self) -> std::process::ExitStatus {
        let result = self.request("shutdown", Value::Null);
        assert!(result.is_null());
        self.notify("exit", Value::Null);
        self.child.wait().expect("server exits")
    }
}

fn file_uri(path: &Path) -> String {
    raw_file_uri(&std::fs::canonicalize(path).expect("canonical path"))
}

/// The `file:` URI of `path` as given (symbolic links kept).
fn raw_file_uri(path: &Path) -> String {
    let mut s = String::from("file://");
    for part in path
        .to_str()
        .expect("utf8 path")
        .split('/')
        .filter(|p| !p.is_empty())
    {
        s.push('/');
        for b in part.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                s.push(b as char);
            } else {
                s.push_str(&format!("%{b:02X}"));
            }
        }
    }
    s
}

fn codes(diags: &[Value]) -> Vec<&str> {
    diags.iter().filter_map(|d| d["code"].as_str()).collect()
}

fn with_code<'a>(diags: &'a [Value], code: &str) -> Vec<&'a Value> {
    diags.iter().filter(|d| d["code"] == code).collect()
}

/// The text a range covers, with UTF-16 columns as the protocol counts them.
fn covered(text: &str, range: &Value) -> String {
    let line = |n: &Value| n.as_u64().expect("number") as usize;
    let (sl, sc) = (
        line(&range["start"]["line"]),
        line(&range["start"]["character"]),
    );
    let (el, ec) = (
        line(&range["end"]["line"]),
        line(&range["end"]["character"]),
    );
    let lines: Vec<Vec<u16>> = text
        .split('\n')
        .map(|l| l.encode_utf16().collect())
        .collect();
    let mut out: Vec<u16> = Vec::new();
    for (i, units) in lines.iter().enumerate().take(el + 1).skip(sl) {
        let from = if i == sl { sc } else { 0 };
        let to = if i == el { ec } else { units.len() };
        out.extend(&units[from.min(units.len())..to.min(units.len())]);
        if i != el {
            out.push(u16::from(b'\n'));
        }
    }
    String::from_utf16(&out).expect("whole characters")
}

const UNDEFINED: &str = "title: Undefined identifier\nid: 8c2ad0a7-1b8e-4f55-9e3c-2b7c1c0e4d21\nstatus: test\ndescription: d\nauthor: a\ndate: 2024-01-01\nlevel: low\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  selection:\n    eventName: CreateUser\n    userIdentity.arn: arn:aws:iam::1:user/é𝒳\n  condition: selection and not filter_unknown\n";

#[test]
fn undefined_identifier_range_covers_exactly_the_identifier() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (mut client, init) = Client::start(tmp.path());
    assert_eq!(init["serverInfo"]["name"], "sigsmith");
    assert_eq!(init["capabilities"]["textDocumentSync"]["change"], 1);
    let uri = file_uri(tmp.path()) + "/rule.yml";
    client.open(&uri, UNDEFINED);
    let diags = client.diagnostics(&uri);
    let sig006 = with_code(&diags, "SIG006");
    assert_eq!(sig006.len(), 1, "{diags:?}");
    let d = sig006[0];
    assert_eq!(covered(UNDEFINED, &d["range"]), "filter_unknown");
    assert_eq!(d["range"]["start"]["line"], 14);
    assert_eq!(d["severity"], 1);
    assert_eq!(d["source"], "sigsmith");
    assert!(
        d["codeDescription"]["href"]
            .as_str()
            .is_some_and(|h| h.ends_with("docs/rules.md#sig006")),
        "{d}"
    );
    assert!(
        d["message"]
            .as_str()
            .is_some_and(|m| m.contains("filter_unknown"))
    );

    // A wide character before the identifier: the column counts UTF-16 code units.
    let head = UNDEFINED.split("detection:").next().expect("head");
    let wide = format!(
        "{head}detection: {{selection: {{eventName: 'é𝒳'}}, condition: selection and not filter_unknown}}\n"
    );
    client.change(&uri, 2, &wide);
    let diags = client.diagnostics(&uri);
    let d = with_code(&diags, "SIG006")
        .into_iter()
        .find(|d| covered(&wide, &d["range"]) == "filter_unknown");
    assert!(d.is_some(), "{diags:?}");

    // Fixed: the diagnostic goes away on the next change.
    let fixed = UNDEFINED.replace(" and not filter_unknown", "");
    client.change(&uri, 3, &fixed);
    let diags = client.diagnostics(&uri);
    assert!(with_code(&diags, "SIG006").is_empty(), "{diags:?}");
    assert!(client.finish().success());
}

#[test]
fn repository_checks_see_the_workspace_and_the_open_text() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let id = "0f4c2b8e-5f7a-4d0a-9a43-3b1f1f6d2c11";
    let rule = |title: &str| {
        format!(
            "title: {title}\nid: {id}\nstatus: test\ndescription: d\nauthor: a\ndate: 2024-01-01\nlevel: low\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  selection:\n    Image|endswith: '\\x.exe'\n  condition: selection\n"
        )
    };
    std::fs::write(tmp.path().join("on_disk.yml"), rule("On disk")).expect("write");
    let corr = "title: Correlation\nid: 4b1b0c3e-8f7d-4c55-a1c2-9d3e5f6a7b8c\nstatus: test\nlevel: low\ncorrelation:\n  type: event_count\n  rules:\n    - no_such_rule\n  group-by:\n    - User\n  timespan: 5m\n  condition:\n    gte: 5\n";
    std::fs::write(tmp.path().join("corr.yml"), corr).expect("write");
    let (mut client, _) = Client::start(tmp.path());
    let uri = file_uri(tmp.path()) + "/open.yml";
    client.open(&uri, &rule("Open"));
    let diags = client.diagnostics(&uri);
    let dup = with_code(&diags, "SIG004");
    assert_eq!(dup.len(), 1, "{diags:?}");
    let related = dup[0]["relatedInformation"].as_array().expect("related");
    assert!(
        related[0]["location"]["uri"]
            .as_str()
            .is_some_and(|u| u.ends_with("/on_disk.yml")),
        "{related:?}"
    );
    // The duplicate id is on the `id` value, line 2.
    assert_eq!(dup[0]["range"]["start"]["line"], 1);
    // A fresh id in the editor (unsaved) ends the duplicate.
    client.change(
        &uri,
        2,
        &rule("Open").replace(id, "9d7c6b5a-4e3f-4a1b-8c2d-1e0f9a8b7c6d"),
    );
    let diags = client.diagnostics(&uri);
    assert!(with_code(&diags, "SIG004").is_empty(), "{diags:?}");

    // The correlation names a rule nobody defines (SIG011), until the open rule is named so.
    let corr_uri = file_uri(tmp.path()) + "/corr.yml";
    client.open(&corr_uri, corr);
    let diags = client.diagnostics(&corr_uri);
    assert!(codes(&diags).contains(&"SIG011"), "{diags:?}");
    let named =
        rule("Open").replace(id, "9d7c6b5a-4e3f-4a1b-8c2d-1e0f9a8b7c6d") + "name: no_such_rule\n";
    client.change(&uri, 3, &named);
    let mut diags = client.diagnostics(&corr_uri);
    // The first publication after the change may be for the other document; wait for the
    // correlation's.
    while codes(&diags).contains(&"SIG011") {
        diags = client.diagnostics(&corr_uri);
    }
    assert!(!codes(&diags).contains(&"SIG011"), "{diags:?}");
    assert!(client.finish().success());
}

#[test]
fn configuration_and_suppression_comments_apply_as_in_lint() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(tmp.path().join(".git")).expect("git marker");
    std::fs::write(
        tmp.path().join("sigsmith.toml"),
        "[rules.SIG006]\nseverity = \"warning\"\n",
    )
    .expect("config");
    let (mut client, _) = Client::start(tmp.path());
    let uri = file_uri(tmp.path()) + "/rule.yml";
    client.open(&uri, UNDEFINED);
    let diags = client.diagnostics(&uri);
    let d = with_code(&diags, "SIG006");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["severity"], 2, "sigsmith.toml makes SIG006 a warning");

    // The code action's edit, applied, silences the finding and leaves no unused suppression.
    let range = d[0]["range"].clone();
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": range, "context": {"diagnostics": [d[0]]}}),
    );
    let actions = actions.as_array().expect("actions").clone();
    let line_action = actions
        .iter()
        .find(|a| a["title"] == "Suppress SIG006 (undefined-identifier) on this line")
        .unwrap_or_else(|| panic!("{actions:?}"));
    assert_eq!(line_action["kind"], "quickfix");
    assert!(
        actions
            .iter()
            .any(|a| a["title"] == "Suppress SIG006 (undefined-identifier) in this document")
    );
    let edits = line_action["edit"]["changes"][&uri]
        .as_array()
        .expect("edits");
    let text = apply(UNDEFINED, edits);
    assert!(
        text.contains("filter_unknown # sigsmith: ignore[SIG006]"),
        "{text}"
    );
    client.change(&uri, 2, &text);
    let diags = client.diagnostics(&uri);
    assert!(with_code(&diags, "SIG006").is_empty(), "{diags:?}");
    assert!(with_code(&diags, "SIG000").is_empty(), "{diags:?}");

    // The document-wide action works the same way.
    let doc_action = actions
        .iter()
        .find(|a| a["title"] == "Suppress SIG006 (undefined-identifier) in this document")
        .expect("document action");
    let text = apply(
        UNDEFINED,
        doc_action["edit"]["changes"][&uri]
            .as_array()
            .expect("edits"),
    );
    assert!(
        text.starts_with("# sigsmith: ignore[SIG006]\ntitle:"),
        "{text}"
    );
    client.change(&uri, 3, &text);
    let diags = client.diagnostics(&uri);
    assert!(with_code(&diags, "SIG006").is_empty(), "{diags:?}");
    assert!(client.finish().success());
}

/// Applies single-line insertions and replacements (UTF-16 columns), last first.
fn apply(text: &str, edits: &[Value]) -> String {
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    let mut edits: Vec<&Value> = edits.iter().collect();
    edits.sort_by_key(|e| {
        (
            e["range"]["start"]["line"].as_u64(),
            e["range"]["start"]["character"].as_u64(),
        )
    });
    for e in edits.into_iter().rev() {
        let l = e["range"]["start"]["line"].as_u64().expect("line") as usize;
        assert_eq!(e["range"]["end"]["line"], e["range"]["start"]["line"]);
        let units: Vec<u16> = lines[l].encode_utf16().collect();
        let sc = e["range"]["start"]["character"].as_u64().expect("col") as usize;
        let ec = e["range"]["end"]["character"].as_u64().expect("col") as usize;
        let new = format!(
            "{}{}{}",
            String::from_utf16(&units[..sc]).expect("utf16"),
            e["newText"].as_str().expect("text"),
            String::from_utf16(&units[ec..]).expect("utf16")
        );
        lines[l] = new;
    }
    lines.join("\n")
}

const CLOUDTRAIL: &str = "title: t\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  selection:\n    eventName|contains: CreateAccessKey\n    userIdentity.arn: x\n  condition: selection\n";

#[test]
fn hover_shows_check_docs_modifiers_and_field_classes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (mut client, _) = Client::start(tmp.path());
    let uri = file_uri(tmp.path()) + "/ct.yml";
    let text = format!("# sigsmith: ignore[API001] reviewed\n{CLOUDTRAIL}");
    client.open(&uri, &text);
    let _ = client.diagnostics(&uri);
    let hover = |client: &mut Client, line: u32, character: u32| {
        client.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
        )
    };
    let code = hover(&mut client, 0, 21);
    let value = code["contents"]["value"].as_str().expect("markdown");
    assert!(value.contains("**API001** `api-presence-only`"), "{value}");
    assert!(value.contains("## What it does"), "{value}");
    assert_eq!(code["range"]["start"]["character"], 19);
    assert_eq!(code["range"]["end"]["character"], 25);

    let field = hover(&mut client, 8, 8);
    let value = field["contents"]["value"].as_str().expect("markdown");
    assert!(value.contains("**identity** field"), "{value}");
    assert!(value.contains("aws-cloudtrail"), "{value}");
    let modifier = hover(&mut client, 7, 16);
    let value = modifier["contents"]["value"].as_str().expect("markdown");
    assert!(value.starts_with("`|contains`"), "{value}");
    assert_eq!(modifier["range"]["start"]["character"], 14);
    assert_eq!(modifier["range"]["end"]["character"], 22);
    // Nothing to say about a title.
    assert!(hover(&mut client, 1, 2).is_null());
    assert!(client.finish().success());
}

#[test]
fn completion_offers_modifiers_fields_and_logsource_values() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (mut client, _) = Client::start(tmp.path());
    let uri = file_uri(tmp.path()) + "/ct.yml";
    let typed = CLOUDTRAIL.replace("eventName|contains: CreateAccessKey", "eventName|sta");
    client.open(&uri, &typed);
    let _ = client.diagnostics(&uri);
    let complete = |client: &mut Client, text: Option<&str>, line: u32, character: u32| {
        if let Some(text) = text {
            client.change(&uri, 2, text);
        }
        let r = client.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
        );
        r.as_array().expect("items").clone()
    };
    let labels = |items: &[Value]| -> Vec<String> {
        items
            .iter()
            .filter_map(|i| i["label"].as_str().map(str::to_owned))
            .collect()
    };
    let items = complete(&mut client, None, 6, 17);
    let l = labels(&items);
    assert!(
        l.contains(&"startswith".to_owned()) && l.contains(&"cidr".to_owned()),
        "{l:?}"
    );
    let sw = items
        .iter()
        .find(|i| i["label"] == "startswith")
        .expect("startswith");
    // The edit replaces the partly typed modifier.
    assert_eq!(sw["textEdit"]["range"]["start"]["character"], 14);
    assert_eq!(sw["textEdit"]["range"]["end"]["character"], 17);

    let fields = CLOUDTRAIL.replace("eventName|contains: CreateAccessKey", "sourceIP");
    let items = complete(&mut client, Some(&fields), 6, 12);
    let l = labels(&items);
    assert!(
        l.contains(&"sourceIPAddress".to_owned()) && l.contains(&"eventName".to_owned()),
        "{l:?}"
    );
    let ip = items
        .iter()
        .find(|i| i["label"] == "sourceIPAddress")
        .expect("field");
    assert!(
        ip["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("source field")),
        "{ip}"
    );

    let product = CLOUDTRAIL.replace("product: aws", "product: ok");
    let items = complete(&mut client, Some(&product), 2, 13);
    let l = labels(&items);
    assert!(
        l.contains(&"okta".to_owned()) && l.contains(&"aws".to_owned()),
        "{l:?}"
    );
    assert!(client.finish().success());
}

#[test]
fn code_action_applies_the_fix_a_check_attaches() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (mut client, _) = Client::start(tmp.path());
    let uri = file_uri(tmp.path()) + "/typo.yml";
    // A misspelled modifier with one close match (SIG008), after a wide character.
    let text = CLOUDTRAIL.replace("userIdentity.arn: x", "userIdentity.arn|endwith: '𝒳-bot'");
    client.open(&uri, &text);
    let diags = client.diagnostics(&uri);
    let d = with_code(&diags, "SIG008");
    assert_eq!(d.len(), 1, "{diags:?}");
    assert_eq!(covered(&text, &d[0]["range"]), "endwith");
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": d[0]["range"], "context": {"diagnostics": [d[0]]}}),
    );
    let actions = actions.as_array().expect("actions").clone();
    let fix = actions
        .iter()
        .find(|a| a["isPreferred"] == true)
        .unwrap_or_else(|| panic!("no preferred fix: {actions:?}"));
    assert_eq!(
        fix["title"],
        "Rename modifier `endwith` to `endswith` (SIG008)"
    );
    assert_eq!(fix["diagnostics"][0]["code"], "SIG008");
    // The fix comes first, the suppressions after it.
    assert_eq!(actions[0]["title"], fix["title"]);
    let fixed = apply(
        &text,
        fix["edit"]["changes"][&uri].as_array().expect("edits"),
    );
    assert!(
        fixed.contains("userIdentity.arn|endswith: '𝒳-bot'"),
        "{fixed}"
    );
    assert_eq!(fixed.len(), text.len() + 1, "only the modifier changed");
    client.change(&uri, 2, &fixed);
    let diags = client.diagnostics(&uri);
    assert!(with_code(&diags, "SIG008").is_empty(), "{diags:?}");
    assert!(client.finish().success());
}

/// An unused suppression gets the action that removes it (SIG000's fix), and no action that
/// would suppress it.
#[test]
fn unused_suppression_action_removes_the_comment() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (mut client, _) = Client::start(tmp.path());
    let uri = file_uri(tmp.path()) + "/stale.yml";
    let text = CLOUDTRAIL.replace(
        "userIdentity.arn: x",
        "userIdentity.arn: '𝒳' # sigsmith: ignore[SIG016] stale",
    );
    assert_ne!(text, CLOUDTRAIL);
    client.open(&uri, &text);
    let diags = client.diagnostics(&uri);
    let d = with_code(&diags, "SIG000");
    assert_eq!(d.len(), 1, "{diags:?}");
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": d[0]["range"], "context": {"diagnostics": [d[0]]}}),
    );
    let actions = actions.as_array().expect("actions").clone();
    // Other findings' ranges may meet this one; SIG000's own actions are the fix alone.
    let mine: Vec<&Value> = actions
        .iter()
        .filter(|a| a["title"].as_str().is_some_and(|t| t.contains("SIG000")))
        .collect();
    assert_eq!(mine.len(), 1, "{actions:?}");
    assert_eq!(
        mine[0]["title"],
        "Remove the unused suppression comment (SIG000)"
    );
    let fixed = apply(
        &text,
        mine[0]["edit"]["changes"][&uri].as_array().expect("edits"),
    );
    assert_eq!(
        fixed,
        CLOUDTRAIL.replace("userIdentity.arn: x", "userIdentity.arn: '𝒳'")
    );
    client.change(&uri, 2, &fixed);
    let diags = client.diagnostics(&uri);
    assert!(with_code(&diags, "SIG000").is_empty(), "{diags:?}");
    assert!(client.finish().success());
}

#[test]
fn files_changed_on_disk_reach_repository_checks_through_watchers() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let capabilities =
        json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}});
    let (mut client, _) = Client::start_with(tmp.path(), capabilities);
    let uri = file_uri(tmp.path()) + "/open.yml";
    let id = "8c2ad0a7-1b8e-4f55-9e3c-2b7c1c0e4d21";
    let fixed = UNDEFINED.replace(" and not filter_unknown", "");
    client.open(&uri, &fixed);
    let diags = client.diagnostics(&uri);
    assert!(with_code(&diags, "SIG004").is_empty(), "{diags:?}");
    // The server asked to watch YAML files.
    let registration = client
        .backlog
        .iter()
        .find(|m| m["method"] == "client/registerCapability")
        .cloned()
        .expect("a registerCapability request");
    let reg = &registration["params"]["registrations"][0];
    assert_eq!(reg["method"], "workspace/didChangeWatchedFiles");
    assert_eq!(
        reg["registerOptions"]["watchers"][0]["globPattern"],
        "**/*.yml"
    );
    client.send(&json!({"jsonrpc": "2.0", "id": registration["id"], "result": null}));

    // Another tool writes a rule with the same id: the open rule now has a duplicate id.
    let other = tmp.path().join("other.yml");
    std::fs::write(&other, fixed.replace("Undefined identifier", "Other")).expect("write");
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&other), "type": 1}]}),
    );
    let diags = client.diagnostics(&uri);
    assert_eq!(with_code(&diags, "SIG004").len(), 1, "{diags:?}");
    assert!(fixed.contains(id));
    // Deleted again: the duplicate is gone.
    std::fs::remove_file(&other).expect("remove");
    let gone = format!("{}/other.yml", file_uri(tmp.path()));
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": gone, "type": 3}]}),
    );
    let diags = client.diagnostics(&uri);
    assert!(with_code(&diags, "SIG004").is_empty(), "{diags:?}");
    assert!(client.finish().success());
}

/// A workspace reached through a symbolic link and a document through its real path are one
/// file: no duplicate id of the rule with itself.
#[cfg(unix)]
#[test]
fn a_file_seen_through_a_link_is_not_its_own_duplicate() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let real = tmp.path().join("real");
    std::fs::create_dir(&real).expect("dir");
    std::os::unix::fs::symlink(&real, tmp.path().join("link")).expect("symlink");
    std::fs::write(real.join("rule.yml"), UNDEFINED).expect("write");
    let linked = tmp.path().join("link");
    let (mut client, _) = Client::start(&linked);
    let uri = file_uri(&real) + "/rule.yml";
    client.open(&uri, UNDEFINED);
    let diags = client.diagnostics(&uri);
    assert!(codes(&diags).contains(&"SIG006"), "{diags:?}");
    assert!(with_code(&diags, "SIG004").is_empty(), "{diags:?}");
    assert!(with_code(&diags, "SIG016").is_empty(), "{diags:?}");
    assert!(client.finish().success());
}

#[test]
fn exit_without_shutdown_is_exit_code_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (mut client, _) = Client::start(tmp.path());
    client.notify("exit", Value::Null);
    let status = client.child.wait().expect("server exits");
    assert_eq!(status.code(), Some(1));
}

#[test]
fn configured_attack_bundles_check_technique_tags() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(tmp.path().join(".git")).expect("git marker");
    let bundle = common::repo_root().join("tests/fixtures/attack/mini-mobile-bundle.json");
    let uri = file_uri(tmp.path()) + "/rule.yml";
    let text = UNDEFINED.replace("level: low\n", "level: low\ntags:\n  - attack.t1999\n");
    // Without ATT&CK data the tag is only checked for its form: no SIG010.
    let (mut client, _) = Client::start(tmp.path());
    client.open(&uri, &text);
    let diags = client.diagnostics(&uri);
    assert!(with_code(&diags, "SIG010").is_empty(), "{diags:?}");
    assert!(client.finish().success());
    // With the bundle named in sigsmith.toml, the unknown technique is reported.
    std::fs::write(
        tmp.path().join("sigsmith.toml"),
        format!("attack = [{:?}]\n", bundle.display().to_string()),
    )
    .expect("config");
    let (mut client, _) = Client::start(tmp.path());
    client.open(&uri, &text);
    let diags = client.diagnostics(&uri);
    let d = with_code(&diags, "SIG010");
    assert_eq!(d.len(), 1, "{diags:?}");
    assert_eq!(covered(&text, &d[0]["range"]), "attack.t1999");
    assert!(client.finish().success());
}
