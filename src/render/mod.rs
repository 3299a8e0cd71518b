//! Rendering of help, browse, detail, versions and `--explain` output, as text
//! for people or JSON (`--json`) for programs. Writers are passed in so tests
//! and the library can capture output.

pub(crate) mod civil;
pub mod response;

use std::io::{self, Write};

use serde_json::json;

use crate::catalog::{self, Operation, Version};
use crate::resolve::{Browse, Resolution};

/// Usage examples shown in help mode: (command, what it does).
pub const EXAMPLES: &[(&str, &str)] = &[
    ("clerk tags", "list every tag (group of endpoints)"),
    ("clerk Users", "list the endpoints of a tag"),
    (
        "clerk Users --version 2025-11-10",
        "the same in another spec version",
    ),
    ("clerk GET /users", "run an endpoint"),
    (
        "clerk \"get user john_doe\"",
        "say what you want; clerk finds the endpoint",
    ),
    (
        "clerk \"kick user_2ab out of org_9x\"",
        "writes are confirmed before anything is sent",
    ),
    (
        "clerk POST /invitations email_address=a@b.co",
        "body fields as key=value (key:=json, key==query)",
    ),
    (
        "clerk GET /users help",
        "show parameters, body fields and responses; never runs",
    ),
    ("clerk POST /invitations -h", "the same"),
    (
        "clerk \"ban user_2ab\" --dry-run",
        "print the exact request and send nothing",
    ),
    ("clerk versions", "list the embedded spec versions"),
];

const OPTIONS: &[(&str, &str)] = &[
    (
        "--version DATE",
        "use another spec version (or `version DATE` in the prompt)",
    ),
    (
        "--admin",
        "bypass the CLERK_BAPI_SCOPES check (never the confirmation)",
    ),
    (
        "--yes",
        "confirm writes without asking (needed without a terminal)",
    ),
    (
        "--dry-run / --curl",
        "show the request, or an equivalent curl command; send nothing",
    ),
    ("--json", "machine-readable output"),
    ("--explain", "show why the resolver chose its answer"),
    ("--help", "all options and exit codes"),
];

pub fn help(out: &mut dyn Write, as_json: bool) -> io::Result<()> {
    if as_json {
        let examples: Vec<_> = EXAMPLES
            .iter()
            .map(|(c, w)| json!({"command": c, "what": w}))
            .collect();
        let options: Vec<_> = OPTIONS
            .iter()
            .map(|(c, w)| json!({"option": c, "what": w}))
            .collect();
        return writeln!(
            out,
            "{}",
            json!({"mode": "help", "version": catalog::latest().date, "examples": examples, "options": options})
        );
    }
    writeln!(out, "clerk: say what you want from the Clerk Backend API; clerk finds the endpoint and runs it safely.")?;
    writeln!(
        out,
        "Works offline: {} spec versions are built in (latest {}).\n",
        catalog::versions().len(),
        catalog::latest().date
    )?;
    writeln!(out, "Examples:")?;
    let w = EXAMPLES.iter().map(|(c, _)| c.len()).max().unwrap_or(0);
    for (c, what) in EXAMPLES {
        writeln!(out, "  {c:<w$}  {what}")?;
    }
    writeln!(out, "\nOptions:")?;
    let w = OPTIONS.iter().map(|(c, _)| c.len()).max().unwrap_or(0);
    for (c, what) in OPTIONS {
        writeln!(out, "  {c:<w$}  {what}")?;
    }
    Ok(())
}

/// `clerk -V`: the tool's own version and the spec versions built in.
pub fn tool_version(out: &mut dyn Write, as_json: bool) -> io::Result<()> {
    let tool = env!("CARGO_PKG_VERSION");
    let specs: Vec<&str> = catalog::versions().iter().map(|v| v.date).collect();
    let latest = catalog::latest().date;
    if as_json {
        return writeln!(
            out,
            "{}",
            json!({"clerk": tool, "spec_versions": specs, "latest": latest})
        );
    }
    writeln!(out, "clerk {tool}")?;
    writeln!(
        out,
        "Clerk Backend API specs built in: {} (default {latest})",
        specs.join(", ")
    )
}

pub fn versions(out: &mut dyn Write, as_json: bool) -> io::Result<()> {
    let latest = catalog::latest().date;
    if as_json {
        let v: Vec<_> = catalog::versions()
            .iter()
            .map(|v| {
                json!({"date": v.date, "latest": v.date == latest, "operations": v.operations().len(), "tags": v.tags().len()})
            })
            .collect();
        return writeln!(out, "{}", json!({ "versions": v }));
    }
    for v in catalog::versions().iter().rev() {
        let mark = if v.date == latest {
            "  (latest, default)"
        } else {
            ""
        };
        writeln!(
            out,
            "{}  {:>3} endpoints  {:>2} tags{mark}",
            v.date,
            v.operations().len(),
            v.tags().len()
        )?;
    }
    Ok(())
}

pub fn browse(out: &mut dyn Write, res: &Resolution, as_json: bool) -> io::Result<()> {
    let v = res.version;
    match res.browse {
        Some(Browse::Tag(tag)) => {
            let ops: Vec<&Operation> = v.tag_operations(tag.name).collect();
            if as_json {
                let list: Vec<_> = ops.iter().map(|op| op_summary_json(op)).collect();
                return writeln!(
                    out,
                    "{}",
                    json!({"mode": "browse", "version": v.date, "tag": {"name": tag.name, "description": tag.description}, "operations": list})
                );
            }
            writeln!(
                out,
                "{} ({} endpoints, version {})",
                tag.name,
                ops.len(),
                v.date
            )?;
            if !tag.description.is_empty() {
                writeln!(out, "{}", tag.description)?;
            }
            writeln!(out)?;
            operations_table(out, &ops)?;
            if ops.is_empty() {
                writeln!(out, "  (no endpoints in this version)")?;
            }
            Ok(())
        }
        _ => {
            let counts: Vec<usize> = v
                .tags()
                .iter()
                .map(|t| v.tag_operations(t.name).count())
                .collect();
            if as_json {
                let list: Vec<_> = v
                    .tags()
                    .iter()
                    .zip(&counts)
                    .map(|(t, n)| json!({"name": t.name, "description": t.description, "operations": n}))
                    .collect();
                return writeln!(
                    out,
                    "{}",
                    json!({"mode": "browse", "version": v.date, "tags": list})
                );
            }
            writeln!(
                out,
                "{} tags, {} endpoints (version {})\n",
                v.tags().len(),
                v.operations().len(),
                v.date
            )?;
            let w = v.tags().iter().map(|t| t.name.len()).max().unwrap_or(0);
            for (t, n) in v.tags().iter().zip(&counts) {
                let about = if *n == 0 {
                    format!("(empty: no endpoints in this version) {}", t.description)
                } else {
                    t.description.to_string()
                };
                writeln!(out, "  {:<w$}  {:>3}  {}", t.name, n, truncate(&about, 90))?;
            }
            writeln!(
                out,
                "\nList a tag's endpoints with `clerk <tag>`, e.g. `clerk Users`."
            )
        }
    }
}

fn op_summary_json(op: &Operation) -> serde_json::Value {
    json!({"method": op.method, "path": op.path, "summary": op.summary, "operation_id": op.operation_id, "deprecated": op.deprecated})
}

/// An aligned METHOD / path / summary table.
pub fn operations_table(out: &mut dyn Write, ops: &[&Operation]) -> io::Result<()> {
    let w = ops.iter().map(|o| o.path.len()).max().unwrap_or(0);
    for op in ops {
        let dep = if op.deprecated { " (deprecated)" } else { "" };
        writeln!(
            out,
            "  {:<6} {:<w$}  {}{dep}",
            op.method.as_str(),
            op.path,
            op.summary
        )?;
    }
    Ok(())
}

/// How detail mode lays out descriptions.
#[derive(Debug, Clone, Copy, Default)]
pub struct Layout {
    /// Cut each description to one short line (`--short`).
    pub short: bool,
    /// Wrap to this many columns (0 = one long line each, for pipes).
    pub width: usize,
}

impl Layout {
    /// A description in a table whose description column starts at `col`.
    fn text(&self, s: &str, col: usize) -> String {
        if self.short {
            truncate(s, 100)
        } else {
            wrap(
                &s.split_whitespace().collect::<Vec<_>>().join(" "),
                col,
                self.width,
            )
        }
    }
}

pub fn detail(
    out: &mut dyn Write,
    v: &Version,
    op: &Operation,
    as_json: bool,
    layout: Layout,
) -> io::Result<()> {
    if as_json {
        return writeln!(
            out,
            "{}",
            json!({"mode": "detail", "version": v.date, "operation": op})
        );
    }
    writeln!(out, "{} {}  (version {})", op.method, op.path, v.date)?;
    writeln!(out, "{}", op.summary)?;
    let mut meta = vec![
        format!("operationId: {}", op.operation_id),
        format!("tags: {}", op.tags.join(", ")),
    ];
    if let (Some(g), Some(n)) = (op.group, op.name) {
        meta.push(format!("sdk: {g}.{n}"));
    }
    if op.deprecated {
        meta.push("DEPRECATED".into());
    }
    writeln!(out, "{}", meta.join("  ·  "))?;
    if !op.description.is_empty() && op.description != op.summary {
        writeln!(out)?;
        for line in op.description.lines() {
            writeln!(out, "  {line}")?;
        }
    }
    let path: Vec<_> = op.path_params().collect();
    let query: Vec<_> = op.query_params().collect();
    for (title, params) in [("Path parameters", path), ("Query parameters", query)] {
        if params.is_empty() {
            continue;
        }
        writeln!(out, "\n{title} (* = required):")?;
        let w = params.iter().map(|p| p.name.len()).max().unwrap_or(0);
        let tw = params.iter().map(|p| p.ty.len()).max().unwrap_or(0);
        for p in params {
            let req = if p.required { "*" } else { " " };
            let en = if p.enum_values.is_empty() {
                String::new()
            } else {
                format!(" [{}]", p.enum_values.join("|"))
            };
            writeln!(
                out,
                "  {req}{:<w$}  {:<tw$}  {}",
                p.name,
                p.ty,
                layout.text(&format!("{}{en}", p.description), w + tw + 7)
            )?;
        }
    }
    if let Some(b) = op.body {
        writeln!(
            out,
            "\nRequest body ({}{}, * = required):",
            b.content_type,
            if b.required { ", required" } else { "" }
        )?;
        if b.fields.is_empty() {
            writeln!(out, "  {}", b.ty)?;
        }
        let w = b
            .fields
            .iter()
            .map(|f| f.path.len() + 2 * f.depth as usize)
            .max()
            .unwrap_or(0);
        let tw = b
            .fields
            .iter()
            .map(|f| f.ty.len())
            .max()
            .unwrap_or(0)
            .min(24);
        for f in b.fields {
            let req = if f.required { "*" } else { " " };
            let indent = "  ".repeat(f.depth as usize);
            let name = format!("{indent}{}", f.path.rsplit('.').next().unwrap_or(f.path));
            let en = if f.enum_values.is_empty() {
                String::new()
            } else {
                format!(" [{}]", f.enum_values.join("|"))
            };
            let null = if f.nullable { " (nullable)" } else { "" };
            let any = if takes_any_keys(b, f) {
                " (any keys: a free-form object)"
            } else {
                ""
            };
            let text = format!("{}{en}{null}{any}", f.description);
            writeln!(
                out,
                "  {req}{name:<w$}  {:<tw$}  {}",
                f.ty,
                layout.text(&text, w + tw.max(f.ty.len()) + 7)
            )?;
        }
    }
    if !op.responses.is_empty() {
        writeln!(out, "\nResponses:")?;
        for r in op.responses {
            writeln!(
                out,
                "  {}  {}",
                r.status,
                layout.text(r.description, r.status.len() + 4)
            )?;
        }
    }
    Ok(())
}

/// `--explain`: why the resolver answered what it did (stderr).
pub fn explain(out: &mut dyn Write, res: &Resolution, prompt: &str) -> io::Result<()> {
    writeln!(
        out,
        "mode: {:?}  version: {}  confidence: {:?}",
        res.mode, res.version.date, res.confidence
    )?;
    for n in &res.notes {
        writeln!(out, "note: {n}")?;
    }
    for (i, c) in res.candidates.iter().take(5).enumerate() {
        writeln!(
            out,
            "{}. {:>7.2}  {} {}  — {}",
            i + 1,
            c.score,
            c.operation.method,
            c.operation.path,
            c.reason
        )?;
        if i < 3 && res.confidence != crate::resolve::Confidence::Exact {
            let index = res
                .version
                .operations()
                .iter()
                .position(|o| std::ptr::eq(o, c.operation));
            if let Some(index) = index {
                let why = crate::resolve::why(prompt, res.version, index);
                let parts: Vec<String> = why.iter().map(|(n, w)| format!("{n} {w:+.2}")).collect();
                writeln!(
                    out,
                    "      because {}",
                    crate::safety::redact(&parts.join(", "))
                )?;
            }
        }
        for (k, v) in &c.bound.path {
            writeln!(out, "      path  {k} = {v}")?;
        }
        for (k, v) in &c.bound.query {
            writeln!(out, "      query {k} = {v}")?;
        }
        for (k, v) in &c.bound.body {
            writeln!(out, "      body  {k} = {v}")?;
        }
    }
    Ok(())
}

/// Shortens to at most `n` characters, on a char boundary, with an ellipsis.
/// An object field with no fields of its own listed (metadata, settings):
/// the spec lets it hold any keys.
fn takes_any_keys(b: &catalog::Body, f: &catalog::Field) -> bool {
    f.ty == "object"
        && !b.fields.iter().any(|g| {
            g.path.len() > f.path.len()
                && g.path.starts_with(f.path)
                && g.path[f.path.len()..].starts_with(['.', '['])
        })
}

/// Wraps `text` at spaces to `width` columns, the first line already holding
/// `indent` columns and later lines indented by as much. Lines of the text
/// (a numbered list) keep their breaks. Width 0 leaves the text as it is.
pub fn wrap(text: &str, indent: usize, width: usize) -> String {
    if width == 0 || width <= indent + 20 {
        return text.to_string();
    }
    let pad = " ".repeat(indent);
    let mut out = String::with_capacity(text.len() + 16);
    for (n, line) in text.lines().enumerate() {
        if n > 0 {
            out.push('\n');
            out.push_str(&pad);
        }
        let mut col = indent;
        for (i, word) in line.split(' ').enumerate() {
            let w = word.chars().count();
            if i > 0 && col + 1 + w > width {
                out.push('\n');
                out.push_str(&pad);
                col = indent;
            } else if i > 0 {
                out.push(' ');
                col += 1;
            }
            out.push_str(word);
            col += w;
        }
    }
    out
}

pub fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}
