//! The MCP tools: their definitions (input and output schemas, annotations)
//! and the read-only ones (search, describe, list, resolve). Calls that reach
//! the API are in [`super::call`].

use serde_json::{json, Map, Value};

use super::schema::{body_schema, check_args};
use super::{RpcError, Server};
use crate::catalog::{self, Method, Operation, Version};
use crate::request::{self, BuildError, Inputs};
use crate::resolve::{self, Candidate, Confidence, Mode};
use crate::safety::{self, Class};

/// Sent in `initialize`: what the server is and the rules it enforces.
pub const INSTRUCTIONS: &str = "clerk resolves plain-language requests to Clerk Backend API \
operations offline and runs them under fixed safety rules. Start with search_endpoints (or \
resolve_prompt), check the operation with describe_endpoint, then run it with read_endpoint \
(GET) or call_endpoint. Every write is checked against CLERK_BAPI_SCOPES before anything is \
sent and then confirmed by the person (elicitation), or previewed with a one-time \
confirmation_token that must be passed back unchanged. The secret key never appears in any \
result. The resource clerk://guide/safety has the rules and the metadata guide.";

/// The safety rules and the metadata guide, as a resource and a prompt.
const GUIDE: &str = "# Using Clerk's Backend API through clerk\n\n\
## Safety rules (enforced by the server)\n\
- Reads (GET) run at once.\n\
- Writes (POST, PUT, PATCH, DELETE) need CLERK_BAPI_SCOPES to contain `write` (DELETE also \
`delete`) unless the server was started with --admin. A refusal sends nothing and says what to set.\n\
- Every write is confirmed: the person is asked directly when the client supports elicitation \
(default No); otherwise the first call returns a preview and a one-time confirmation_token, \
bound to the exact method, URL and body, valid for a few minutes. Show the preview and the \
warnings to the person before passing the token back.\n\
- DELETE is irreversible; the warning says what is destroyed. Bans, locks and revocations take \
effect at once.\n\
- The secret key comes from the server's environment or .env files. Never pass a key in an \
argument: such a call is refused.\n\n\
## Metadata\n\
- public_metadata: readable by the frontend (in session tokens and the user object); only the \
backend can write it. Use it for non-sensitive, display-level data (plan name, role label).\n\
- private_metadata: backend only; never sent to the browser. Use it for internal IDs, billing \
references, anything sensitive.\n\
- unsafe_metadata: readable and writable from the frontend by the signed-in user. Never trust it \
for authorization.\n\
- The PATCH .../metadata endpoints deep-merge: given keys are updated, others kept; a key set \
to null is removed. Any other write that sets a metadata object (PATCH /users/{user_id}, \
POST /users) replaces that whole object: keys not sent are lost.\n";

/// Kept small for an agent's context; `limit` asks for more.
const DEFAULT_LIMIT: usize = 5;
const MAX_LIMIT: usize = 20;

struct Tool {
    name: &'static str,
    title: &'static str,
    description: &'static str,
    input: Value,
    output: Value,
    /// MCP annotations: readOnlyHint, destructiveHint, idempotentHint.
    hints: (bool, bool, bool),
}

fn version_prop() -> Value {
    let dates: Vec<&str> = catalog::versions().iter().map(|v| v.date).collect();
    json!({"type": "string", "enum": dates, "description": "Spec version (Clerk-API-Version); default the latest."})
}

fn object(props: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": props, "required": required, "additionalProperties": false})
}

fn out(required: &[&str]) -> Value {
    json!({"type": "object", "required": required})
}

fn call_input(methods: &[&str]) -> Value {
    object(
        json!({
            "method": {"type": "string", "enum": methods},
            "path": {"type": "string", "description": "A path template (/users/{user_id}) with path_params, or a concrete path (/users/user_2ab)."},
            "path_params": {"type": "object", "additionalProperties": {"type": ["string", "integer"]}, "description": "Values of the template's {parameters}."},
            "query": {"type": "object", "description": "Query parameters; arrays repeat the parameter."},
            "body": {"type": ["object", "array"], "description": "The JSON body (see describe_endpoint for its schema)."},
            "version": version_prop(),
            "confirmation_token": {"type": "string", "description": "From a previous call's preview: sends exactly that request, once."},
        }),
        &["method", "path"],
    )
}

fn tools() -> Vec<Tool> {
    let read = (true, false, true);
    vec![
        Tool {
            name: "search_endpoints",
            title: "Search endpoints",
            description: "Ranks Clerk Backend API operations for a plain-language query (\"ban user_2ab\", \"how many orgs\"), offline. Each candidate has method, path, operationId, summary, confidence, the values bound from the query and the required parameters still missing.",
            input: object(
                json!({"query": {"type": "string", "minLength": 1}, "version": version_prop(), "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}}),
                &["query"],
            ),
            output: out(&["version", "candidates"]),
            hints: read,
        },
        Tool {
            name: "describe_endpoint",
            title: "Describe an endpoint",
            description: "An operation's parameters, its body as JSON Schema, its responses, and whether it reads, writes or destroys. Give method and path, or operation_id.",
            input: object(
                json!({"method": {"type": "string", "enum": ["GET", "POST", "PUT", "PATCH", "DELETE"]}, "path": {"type": "string"}, "operation_id": {"type": "string"}, "version": version_prop()}),
                &[],
            ),
            output: out(&["version", "method", "path", "operation_id", "effect"]),
            hints: read,
        },
        Tool {
            name: "list_tags",
            title: "List tags",
            description: "Every tag (group of endpoints) of the spec version, with its endpoint count.",
            input: object(json!({"version": version_prop()}), &[]),
            output: out(&["version", "tags"]),
            hints: read,
        },
        Tool {
            name: "list_endpoints",
            title: "List a tag's endpoints",
            description: "The operations of one tag (\"Users\", \"Organization Memberships\").",
            input: object(json!({"tag": {"type": "string", "minLength": 1}, "version": version_prop()}), &["tag"]),
            output: out(&["version", "tag", "operations"]),
            hints: read,
        },
        Tool {
            name: "resolve_prompt",
            title: "Resolve a prompt",
            description: "The whole resolution of a prompt, as `clerk --dry-run --json` gives it: mode, candidates, bound values, the request it would send (key masked) and, when the prompt needs several calls, the plan. Sends nothing.",
            input: object(json!({"prompt": {"type": "string", "minLength": 1}, "version": version_prop()}), &["prompt"]),
            output: out(&["mode", "version"]),
            hints: read,
        },
        Tool {
            name: "read_endpoint",
            title: "Run a read (GET)",
            description: "Sends a GET request, built and validated as the CLI does. List responses carry their pagination state; long ones are cut at an item boundary and say so.",
            input: call_input(&["GET"]),
            output: out(&["sent"]),
            hints: read,
        },
        Tool {
            name: "call_endpoint",
            title: "Call an endpoint (reads and writes)",
            description: "Sends any request, built and validated as the CLI does. Writes are checked against CLERK_BAPI_SCOPES first, then confirmed: the person is asked (elicitation), or the first call returns a preview, the warnings and a one-time confirmation_token; calling again with the same arguments and the token sends it once.",
            input: call_input(&["GET", "POST", "PUT", "PATCH", "DELETE"]),
            output: out(&["sent"]),
            hints: (false, true, false),
        },
    ]
}

/// `tools/list`: every tool, without the write tool under `--read-only`.
pub fn definitions(read_only: bool) -> Vec<Value> {
    tools()
        .into_iter()
        .filter(|t| t.hints.0 || !read_only)
        .map(|t| {
            json!({
                "name": t.name, "title": t.title, "description": t.description,
                "inputSchema": t.input, "outputSchema": t.output,
                "annotations": {"title": t.title, "readOnlyHint": t.hints.0, "destructiveHint": t.hints.1, "idempotentHint": t.hints.2, "openWorldHint": t.name.ends_with("_endpoint") && t.name != "describe_endpoint"},
            })
        })
        .collect()
}

/// A tool's answer: structured content, and whether it is an error the
/// model should read (a refusal, a bad endpoint, an API error).
pub struct Outcome {
    /// The structured result.
    pub value: Value,
    /// `isError`.
    pub is_error: bool,
}

impl Outcome {
    /// A result.
    pub fn ok(value: Value) -> Outcome {
        Outcome {
            value,
            is_error: false,
        }
    }
    /// A tool error with one line for the model (and `extra` fields).
    pub fn error(message: &str, extra: Value) -> Outcome {
        let mut value = json!({"error": safety::redact(message)});
        if let (Some(v), Value::Object(e)) = (value.as_object_mut(), extra) {
            v.extend(e);
        }
        Outcome {
            value,
            is_error: true,
        }
    }
}

/// `tools/call`: checks the arguments against the tool's schema (a misfit is a
/// protocol error, -32602), then runs it.
pub fn call(server: &mut Server, params: &Value) -> Result<Value, RpcError> {
    let name = params.get("name").and_then(Value::as_str).unwrap_or("");
    let all = tools();
    let tool = all
        .iter()
        .find(|t| t.name == name && (t.hints.0 || !server.config.read_only))
        .ok_or_else(|| RpcError::params(format!("unknown tool `{name}`")))?;
    let empty = Map::new();
    let args = match params.get("arguments") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(m)) => m,
        Some(_) => return Err(RpcError::params("arguments must be an object")),
    };
    check_args(&tool.input, args)?;
    // A key is never data, in any argument of any tool (as on the command line).
    let all = Value::Object(args.clone()).to_string();
    let outcome = match safety::refuse_secret("an argument", &all) {
        Err(e) => Outcome::error(&e.message, json!({"sent": false})),
        Ok(()) => run(server, name, args)?,
    };
    // An error's fields are not the tool's output schema: they go as text
    // only, which clients do not validate against that schema.
    let text = outcome.value.to_string();
    let mut result =
        json!({"content": [{"type": "text", "text": text}], "isError": outcome.is_error});
    if !outcome.is_error {
        result["structuredContent"] = outcome.value;
    }
    Ok(result)
}

fn run(server: &mut Server, name: &str, args: &Map<String, Value>) -> Result<Outcome, RpcError> {
    Ok(match name {
        "search_endpoints" => search(server, args),
        "describe_endpoint" => describe(server, args)?,
        "list_tags" => with_version(server, args, list_tags),
        "list_endpoints" => with_version(server, args, |v| list_endpoints(v, str_arg(args, "tag"))),
        "resolve_prompt" => resolve_prompt(server, args),
        "read_endpoint" => super::call::run(server, args, false),
        _ => super::call::run(server, args, true),
    })
}

pub(crate) fn str_arg<'a>(args: &'a Map<String, Value>, name: &str) -> &'a str {
    args.get(name).and_then(Value::as_str).unwrap_or("")
}

/// The version a call uses: the server's `--version`, else the argument,
/// else the latest.
pub(crate) fn version_of(
    server: &Server,
    args: &Map<String, Value>,
) -> Result<&'static Version, Outcome> {
    let asked = args.get("version").and_then(Value::as_str);
    match (server.config.version, asked) {
        (Some(fixed), Some(a)) if a != fixed.date => Err(Outcome::error(
            &format!(
                "this server is fixed to version {} (--version); `{a}` is not offered",
                fixed.date
            ),
            json!({}),
        )),
        (Some(fixed), _) => Ok(fixed),
        (None, Some(a)) => catalog::version(a)
            .ok_or_else(|| Outcome::error(&catalog::unknown_version(a), json!({}))),
        (None, None) => Ok(catalog::latest()),
    }
}

fn with_version(
    server: &Server,
    args: &Map<String, Value>,
    f: impl FnOnce(&'static Version) -> Outcome,
) -> Outcome {
    match version_of(server, args) {
        Ok(v) => f(v),
        Err(e) => e,
    }
}

/// The classification the CLI uses, as MCP annotations.
pub(crate) fn effect_of(op: &'static Operation) -> Value {
    let class = safety::classify(op);
    let what = safety::effect(op).map(|(_, w)| w);
    json!({
        "class": class,
        "reads": class == Class::Read,
        "writes": class != Class::Read,
        "destroys": class == Class::Irreversible,
        "what": what,
        "required_scopes": safety::required_scopes(op),
        "annotations": {"readOnlyHint": class == Class::Read, "destructiveHint": class >= Class::Disruptive, "idempotentHint": matches!(op.method, Method::Get | Method::Put | Method::Delete)},
    })
}

fn bound_json(c: &Candidate) -> Value {
    let path: Map<String, Value> = c
        .bound
        .path
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let mut query = Map::new();
    for (k, v) in &c.bound.query {
        match query.get_mut(k) {
            Some(Value::Array(a)) => a.push(json!(v)),
            Some(prev) => *prev = json!([prev.clone(), v]),
            None => {
                query.insert(k.clone(), json!(v));
            }
        }
    }
    let mut b = json!({"path": path, "query": query, "body": c.bound.body});
    if !c.bound.items.is_empty() {
        b["items"] = json!(c.bound.items);
    }
    b
}

/// Every required value the candidate still lacks: path, query and body.
fn missing_of(c: &Candidate, version: &Version) -> Vec<Value> {
    let inputs = Inputs {
        base_url: request::DEFAULT_BASE_URL.into(),
        api_version: version.date.into(),
        ..Inputs::default()
    };
    match request::build(c.operation, &c.bound, &inputs) {
        Err(BuildError::Missing(m)) => m.iter().map(|m| json!(m)).collect(),
        _ => vec![],
    }
}

fn candidate_json(c: &Candidate, i: usize, res: &resolve::Resolution) -> Value {
    let op = c.operation;
    let confidence = if i == 0 {
        res.confidence
    } else {
        Confidence::Low
    };
    json!({
        "method": op.method, "path": op.path, "operation_id": op.operation_id, "summary": op.summary,
        "confidence": confidence, "probability": c.score,
        "bound": bound_json(c), "missing": missing_of(c, res.version),
        "effect": effect_of(op), "deprecated": op.deprecated,
    })
}

/// Resolves the argument `field` in the call's version: the resolution, and
/// its first `limit` candidates as JSON.
fn resolved(
    server: &Server,
    args: &Map<String, Value>,
    field: &str,
    limit: usize,
) -> Result<(resolve::Resolution, Vec<Value>), Outcome> {
    let version = version_of(server, args)?;
    let res = resolve::resolve(str_arg(args, field), Some(version))
        .map_err(|e| Outcome::error(&e.to_string(), json!({})))?;
    let candidates = res
        .candidates
        .iter()
        .take(limit)
        .enumerate()
        .map(|(i, c)| candidate_json(c, i, &res))
        .collect();
    Ok((res, candidates))
}

fn search(server: &Server, args: &Map<String, Value>) -> Outcome {
    let limit = args
        .get("limit")
        .and_then(Value::as_u64)
        .map_or(DEFAULT_LIMIT, |n| n as usize);
    let (res, candidates) = match resolved(server, args, "query", limit) {
        Ok(r) => r,
        Err(e) => return e,
    };
    Outcome::ok(json!({
        "version": res.version.date, "mode": res.mode, "confidence": res.confidence,
        "candidates": candidates, "notes": res.notes,
    }))
}

/// The operation named by method and path (a template, or a concrete path
/// read as the CLI reads `GET /users/user_2ab`), or by operationId.
pub(crate) fn find_operation(
    version: &'static Version,
    method: &str,
    path: &str,
    operation_id: &str,
) -> Result<(&'static Operation, Option<Candidate>), String> {
    if !operation_id.is_empty() {
        return version
            .by_operation_id(operation_id)
            .map(|op| (op, None))
            .ok_or_else(|| format!("no operation `{operation_id}` in version {}", version.date));
    }
    let m =
        Method::parse(method).ok_or_else(|| "give method and path, or operation_id".to_string())?;
    let path = path.trim();
    if let Some(op) = version.operation(m, path) {
        return Ok((op, None));
    }
    let res = resolve::resolve(&format!("{m} {path}"), Some(version)).map_err(|e| e.to_string())?;
    match res.candidates.into_iter().next() {
        Some(c) if res.confidence == Confidence::Exact => Ok((c.operation, Some(c))),
        _ => Err(format!(
            "no operation {m} {path} in version {}; search_endpoints finds the right one",
            version.date
        )),
    }
}

fn describe(server: &Server, args: &Map<String, Value>) -> Result<Outcome, RpcError> {
    let (method, path, id) = (
        str_arg(args, "method"),
        str_arg(args, "path"),
        str_arg(args, "operation_id"),
    );
    if id.is_empty() && (method.is_empty() || path.is_empty()) {
        return Err(RpcError::params("give method and path, or operation_id"));
    }
    let version = match version_of(server, args) {
        Ok(v) => v,
        Err(e) => return Ok(e),
    };
    let op = match find_operation(version, method, path, id) {
        Ok((op, _)) => op,
        Err(e) => return Ok(Outcome::error(&e, json!({}))),
    };
    let params: Vec<Value> = op.params.iter().map(|p| json!(p)).collect();
    Ok(Outcome::ok(json!({
        "version": version.date, "method": op.method, "path": op.path, "operation_id": op.operation_id,
        "summary": op.summary, "description": op.description, "tags": op.tags, "deprecated": op.deprecated,
        "sdk": op.group.zip(op.name).map(|(g, n)| format!("{g}.{n}")),
        "effect": effect_of(op), "warnings": safety::warnings(op, None),
        "parameters": params,
        "body": op.body.map(|b| json!({"content_type": b.content_type, "required": b.required, "schema": body_schema(b)})),
        "responses": op.responses,
    })))
}

fn list_tags(v: &'static Version) -> Outcome {
    let tags: Vec<Value> = v
        .tags()
        .iter()
        .map(|t| json!({"name": t.name, "description": t.description, "operations": v.tag_operations(t.name).count()}))
        .collect();
    Outcome::ok(json!({"version": v.date, "tags": tags}))
}

fn list_endpoints(v: &'static Version, tag: &str) -> Outcome {
    let found = v.find_tag(tag).or_else(|| {
        resolve::resolve(tag, Some(v))
            .ok()
            .and_then(|r| match r.browse {
                Some(resolve::Browse::Tag(t)) => Some(t),
                _ => None,
            })
    });
    let Some(t) = found else {
        let names: Vec<&str> = v.tags().iter().map(|t| t.name).collect();
        return Outcome::error(
            &format!("no tag `{tag}` in version {}", v.date),
            json!({"tags": names}),
        );
    };
    let ops: Vec<Value> = v
        .tag_operations(t.name)
        .map(|op| json!({"method": op.method, "path": op.path, "operation_id": op.operation_id, "summary": op.summary, "deprecated": op.deprecated, "class": safety::classify(op)}))
        .collect();
    Outcome::ok(
        json!({"version": v.date, "tag": t.name, "description": t.description, "operations": ops}),
    )
}

fn resolve_prompt(server: &Server, args: &Map<String, Value>) -> Outcome {
    let (res, candidates) = match resolved(server, args, "prompt", DEFAULT_LIMIT) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let mut j = json!({
        "mode": res.mode, "version": res.version.date, "confidence": res.confidence,
        "guess": res.confidence == Confidence::Low, "candidates": candidates, "notes": res.notes,
        "dry_run": true,
    });
    if let Some(b) = &res.browse {
        j["browse"] = json!(b);
    }
    let inputs = Inputs {
        base_url: server.config.base_url.clone(),
        api_version: res.version.date.into(),
        ..Inputs::default()
    };
    if let Some(plan) = &res.plan {
        j["plan"] = match crate::runner::preview(plan, &inputs) {
            Ok(reqs) => {
                json!({"kind": plan.kind, "steps": reqs.iter().map(|r| r.to_json(None)).collect::<Vec<_>>()})
            }
            Err(e) => json!({"kind": plan.kind, "error": safety::redact(&e.message)}),
        };
    } else if let (Mode::Execute, Some(best)) = (res.mode, res.best()) {
        j["request"] = match request::build(best.operation, &best.bound, &inputs) {
            Ok(r) => {
                let mut rj = r.to_json(None);
                rj["warnings"] = json!(safety::warnings(best.operation, r.body.as_ref()));
                rj
            }
            Err(e) => json!({"error": safety::redact(&e.into_error(best.operation).message)}),
        };
    }
    Outcome::ok(j)
}

/// `resources/list`: the guide.
pub fn resources() -> Value {
    json!({"resources": [{"uri": "clerk://guide/safety", "name": "safety-and-metadata", "title": "Safety rules and the metadata guide", "mimeType": "text/markdown"}]})
}

/// `resources/read`.
pub fn read_resource(params: &Value) -> Result<Value, RpcError> {
    match params.get("uri").and_then(Value::as_str) {
        Some(uri @ "clerk://guide/safety") => {
            Ok(json!({"contents": [{"uri": uri, "mimeType": "text/markdown", "text": GUIDE}]}))
        }
        Some(uri) => Err(RpcError {
            code: -32002,
            message: format!("resource not found: {uri}"),
        }),
        None => Err(RpcError::params("missing `uri`")),
    }
}

/// `prompts/list`: the guide as a prompt an agent can load.
pub fn prompts() -> Value {
    json!({"prompts": [{"name": "clerk-safety", "title": "How to use clerk safely", "description": "The safety rules clerk enforces and what each kind of metadata is for."}]})
}

/// `prompts/get`.
pub fn get_prompt(params: &Value) -> Result<Value, RpcError> {
    match params.get("name").and_then(Value::as_str) {
        Some("clerk-safety") => Ok(
            json!({"description": "clerk's safety rules and the metadata guide", "messages": [{"role": "user", "content": {"type": "text", "text": GUIDE}}]}),
        ),
        Some(n) => Err(RpcError::params(format!("unknown prompt `{n}`"))),
        None => Err(RpcError::params("missing `name`")),
    }
}
