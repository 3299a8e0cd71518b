//! `clerk mcp`: a Model Context Protocol server on stdio, so that AI coding
//! agents get the offline resolver, the catalog and the executor with the
//! CLI's safety rules enforced here, in code, not by the prompt.
//!
//! The protocol layer is this file: JSON-RPC 2.0, one message per line on
//! stdin and stdout, the `initialize` handshake (revisions 2025-06-18 and
//! 2025-11-25), and the one request the server sends itself,
//! `elicitation/create`, which blocks until the client answers. It is
//! synchronous on purpose: no async runtime, no thread, and nothing of it runs
//! unless `clerk mcp` does (ARCHITECTURE.md has the rmcp measurement that
//! decided it). [`tools`] defines the tools and answers the read-only ones;
//! [`call`] builds, checks, confirms and sends requests; [`schema`] checks
//! arguments and turns a body into JSON Schema.

pub mod call;
pub mod schema;
pub mod tools;

use std::collections::VecDeque;
use std::io::{self, BufRead, Write};
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{json, Value};

use crate::catalog::Version;
use crate::safety::{Policy, Secret};
use crate::transport;

/// Protocol revisions served, newest first. A client asking for another one
/// is answered with the newest, and decides whether to go on.
pub const PROTOCOL_VERSIONS: &[&str] = &["2025-11-25", "2025-06-18"];

/// What the person who starts the server decides (flags and environment);
/// nothing here can be changed by a tool call.
#[derive(Debug, Clone)]
pub struct Config {
    /// Offer no write tool at all (`--read-only`).
    pub read_only: bool,
    /// The spec version every call uses (`--version DATE`); else each call's
    /// `version` argument, default the latest.
    pub version: Option<&'static Version>,
    /// Scopes and `--admin`, as in the CLI (`CLERK_BAPI_SCOPES`).
    pub policy: Policy,
    /// API base URL (`--api-url` or `CLERK_API_URL`, validated).
    pub base_url: String,
    /// The key, from `CLERK_SECRET_KEY` or a `.env` file only.
    pub secret: Option<Secret>,
    /// Response bodies longer than this are cut at an item boundary.
    pub max_result_bytes: usize,
    /// How long a confirmation token stays valid.
    pub confirm_ttl: Duration,
    /// Timeouts and retries.
    pub net: transport::Options,
    /// Where `.env` files were looked for (shown in the "no key" error).
    pub dir: PathBuf,
}

/// A JSON-RPC error: code and one-line message.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    /// JSON-RPC error code (-32700 parse, -32600 request, -32601 method, -32602 params).
    pub code: i64,
    /// What was wrong.
    pub message: String,
}

impl RpcError {
    /// -32602: the parameters (or a tool's arguments) do not fit.
    pub fn params(message: impl Into<String>) -> RpcError {
        RpcError {
            code: -32602,
            message: message.into(),
        }
    }
}

/// What one read from the client gave.
enum Incoming {
    Eof,
    Message(Value),
    /// A line that is not JSON: answered with a parse error, then go on.
    Garbage,
}

/// The client's answer to a confirmation asked through elicitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The person accepted and ticked "send".
    Yes,
    /// Anything else, said in a few words (declined, cancelled, no answer).
    No(String),
}

/// The server: configuration, the client's stream, and the session's state.
pub struct Server<'a> {
    pub(crate) config: Config,
    input: Box<dyn BufRead + 'a>,
    output: Box<dyn Write + 'a>,
    /// Messages that arrived while an elicitation was awaited.
    queued: VecDeque<Value>,
    /// The client declared form elicitation in `initialize`.
    pub(crate) elicits: bool,
    /// The negotiated revision.
    protocol: &'static str,
    next_id: u64,
    pub(crate) tokens: call::Tokens,
}

impl<'a> Server<'a> {
    /// A server reading `input` and writing `output` (stdin and stdout for `clerk mcp`).
    pub fn new(config: Config, input: impl BufRead + 'a, output: impl Write + 'a) -> Server<'a> {
        Server {
            config,
            input: Box::new(input),
            output: Box::new(output),
            queued: VecDeque::new(),
            elicits: false,
            protocol: PROTOCOL_VERSIONS[0],
            next_id: 0,
            tokens: call::Tokens::default(),
        }
    }

    /// Serves until the client closes its end. Only a failed write to the
    /// client stops it early.
    pub fn run(&mut self) -> io::Result<()> {
        loop {
            let msg = match self.queued.pop_front() {
                Some(m) => m,
                None => match self.read()? {
                    Incoming::Eof => return Ok(()),
                    Incoming::Garbage => {
                        self.reply_error(Value::Null, -32700, "parse error: not JSON")?;
                        continue;
                    }
                    Incoming::Message(m) => m,
                },
            };
            self.handle(msg)?;
        }
    }

    fn read(&mut self) -> io::Result<Incoming> {
        loop {
            let mut line = String::new();
            if self.input.read_line(&mut line)? == 0 {
                return Ok(Incoming::Eof);
            }
            if line.trim().is_empty() {
                continue;
            }
            return Ok(match serde_json::from_str(&line) {
                Ok(v) => Incoming::Message(v),
                Err(_) => Incoming::Garbage,
            });
        }
    }

    /// Writes one message. The key never leaves: should any text carry it
    /// despite the checks upstream, it is masked here, the last door out.
    fn write(&mut self, msg: &Value) -> io::Result<()> {
        let mut text = msg.to_string();
        if let Some(s) = &self.config.secret {
            if !s.expose().is_empty() && text.contains(s.expose()) {
                text = text.replace(s.expose(), &s.masked());
            }
        }
        text.push('\n');
        self.output.write_all(text.as_bytes())?;
        self.output.flush()
    }

    fn reply_error(&mut self, id: Value, code: i64, message: &str) -> io::Result<()> {
        let msg = json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}});
        self.write(&msg)
    }

    fn handle(&mut self, msg: Value) -> io::Result<()> {
        let id = msg.get("id").cloned();
        let valid_id = matches!(id, None | Some(Value::String(_)) | Some(Value::Number(_)));
        // A response (to an elicitation nobody awaits any more) is never answered.
        let is_response = msg.get("method").is_none()
            && (msg.get("result").is_some() || msg.get("error").is_some());
        if is_response {
            return Ok(());
        }
        let Some(obj) = msg
            .as_object()
            .filter(|o| o.get("jsonrpc") == Some(&json!("2.0")))
        else {
            let what = "invalid request: expected a JSON-RPC 2.0 object (batches are not part of MCP since 2025-06-18)";
            return self.reply_error(Value::Null, -32600, what);
        };
        let Some(method) = obj.get("method").and_then(Value::as_str) else {
            // A late answer to an elicitation nobody awaits any more: dropped.
            if obj.contains_key("result") || obj.contains_key("error") {
                return Ok(());
            }
            return self.reply_error(
                id.unwrap_or(Value::Null),
                -32600,
                "invalid request: no method",
            );
        };
        let Some(id) = id.filter(|_| valid_id) else {
            if !valid_id {
                return self.reply_error(Value::Null, -32600, "invalid request: bad id");
            }
            return Ok(()); // notifications (initialized, cancelled, ...) need no answer
        };
        let params = obj.get("params").cloned().unwrap_or_else(|| json!({}));
        let method = method.to_string();
        match self.dispatch(&method, &params) {
            Ok(result) => self.write(&json!({"jsonrpc": "2.0", "id": id, "result": result})),
            Err(e) => self.reply_error(id, e.code, &e.message),
        }
    }

    fn dispatch(&mut self, method: &str, params: &Value) -> Result<Value, RpcError> {
        match method {
            "initialize" => Ok(self.initialize(params)),
            "ping" => Ok(json!({})),
            "tools/list" => Ok(json!({"tools": tools::definitions(self.config.read_only)})),
            "tools/call" => tools::call(self, params),
            "resources/list" => Ok(tools::resources()),
            "resources/read" => tools::read_resource(params),
            "prompts/list" => Ok(tools::prompts()),
            "prompts/get" => tools::get_prompt(params),
            _ => Err(RpcError {
                code: -32601,
                message: format!("method not found: {method}"),
            }),
        }
    }

    fn initialize(&mut self, params: &Value) -> Value {
        let asked = params.get("protocolVersion").and_then(Value::as_str);
        self.protocol = PROTOCOL_VERSIONS
            .iter()
            .copied()
            .find(|v| Some(*v) == asked)
            .unwrap_or(PROTOCOL_VERSIONS[0]);
        // `elicitation: {}` is form mode in both revisions; 2025-11-25 may
        // list the modes, and a client offering only `url` cannot show a form.
        let e = &params["capabilities"]["elicitation"];
        self.elicits = e.is_object() && (e.get("url").is_none() || e.get("form").is_some());
        json!({
            "protocolVersion": self.protocol,
            "capabilities": {"tools": {"listChanged": false}, "resources": {}, "prompts": {}},
            "serverInfo": {"name": "clerk", "title": "Clerk Backend API, offline", "version": env!("CARGO_PKG_VERSION")},
            "instructions": tools::INSTRUCTIONS,
        })
    }

    /// Asks the person at the client a yes/no question about a write, through
    /// elicitation, and waits for the answer. Other messages that arrive
    /// meanwhile are kept and served afterwards. The default is No.
    pub(crate) fn confirm(&mut self, message: &str) -> io::Result<Answer> {
        self.next_id += 1;
        let id = json!(format!("clerk-confirm-{}", self.next_id));
        let mut params = json!({
            "message": message,
            "requestedSchema": {
                "type": "object",
                "properties": {"send": {"type": "boolean", "title": "Send this request", "description": "Tick to send it; anything else sends nothing.", "default": false}},
                "required": ["send"],
            },
        });
        if self.protocol != "2025-06-18" {
            params["mode"] = json!("form");
        }
        let req =
            json!({"jsonrpc": "2.0", "id": id, "method": "elicitation/create", "params": params});
        self.write(&req)?;
        loop {
            let msg = match self.read()? {
                Incoming::Eof => return Ok(Answer::No("the client closed the session".into())),
                Incoming::Garbage => {
                    self.reply_error(Value::Null, -32700, "parse error: not JSON")?;
                    continue;
                }
                Incoming::Message(m) => m,
            };
            if msg.get("id") == Some(&id) && msg.get("method").is_none() {
                return Ok(answer_of(&msg));
            }
            // A client checking that the server is alive gets its answer now.
            if msg.get("method") == Some(&json!("ping")) && msg.get("id").is_some() {
                let pong = json!({"jsonrpc": "2.0", "id": msg["id"], "result": {}});
                self.write(&pong)?;
                continue;
            }
            self.queued.push_back(msg);
        }
    }
}

/// Reads an elicitation result: only `accept` with `send: true` is a yes.
fn answer_of(msg: &Value) -> Answer {
    if let Some(e) = msg.get("error") {
        let m = e.get("message").and_then(Value::as_str).unwrap_or("");
        return Answer::No(format!("the client could not ask ({m})"));
    }
    let r = &msg["result"];
    match r.get("action").and_then(Value::as_str) {
        Some("accept") if r["content"]["send"] == json!(true) => Answer::Yes,
        Some("accept") => Answer::No("answered no".into()),
        Some("decline") => Answer::No("declined".into()),
        Some("cancel") => Answer::No("cancelled".into()),
        _ => Answer::No("no valid answer".into()),
    }
}

/// `clerk mcp`: serves on stdin and stdout until the client closes stdin.
pub fn serve_stdio(config: Config) -> io::Result<()> {
    let stdin = io::stdin();
    let stdout = io::stdout();
    Server::new(config, stdin.lock(), stdout.lock()).run()
}
