//! Plans: prompts that need more than one call.
//!
//! - **Each**: one operation, several values for the slot that takes one
//!   ("unlock user_a user_b user_c"). The steps are independent. Where the
//!   spec has a bulk sibling that takes them all (`POST /users/ban`,
//!   `…/invitations/bulk`), that one call is preferred instead.
//! - **Sequence**: "create organization Acme and invite bob@acme.com as
//!   admin". Each clause is resolved on its own; a later clause that needs
//!   what an earlier one creates gets a [`Ref`] to that step's response.

use serde::Serialize;
use serde_json::Value;

use super::bind::Analysis;
use super::entities::{Kind, Token};
use super::lexicon::Lexicon;
use super::{Bound, Candidate};
use crate::catalog::{Method, Operation};

/// How a plan's steps relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PlanKind {
    /// The same call once per value: independent steps, all attempted.
    Each,
    /// Calls in order, later ones using earlier results; a failure stops it.
    Sequence,
}

/// Several calls for one prompt, shown and confirmed together.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// How the steps relate.
    pub kind: PlanKind,
    /// The calls, in the order they are sent.
    pub steps: Vec<Step>,
}

/// One call of a plan.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// The operation.
    #[serde(serialize_with = "super::ser_op")]
    pub operation: &'static Operation,
    /// Its values; a [`Ref`]'s slot holds the placeholder until the run.
    pub bound: Bound,
    /// What the step acts on (a value, or the operation), for the summary.
    pub item: String,
    /// Values taken from earlier steps' responses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub uses: Vec<Ref>,
}

/// A value a step takes from an earlier step's response.
#[derive(Debug, Clone, Serialize)]
pub struct Ref {
    /// The earlier step (0-based).
    pub step: usize,
    /// The field of its JSON response (`id`).
    pub field: &'static str,
    /// Where the value goes.
    pub into: Slot,
    /// What stands in its place until then, e.g. `{step1.id}`.
    pub placeholder: String,
}

/// A place in a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "in", content = "name", rename_all = "lowercase")]
pub enum Slot {
    /// A path parameter.
    Path(&'static str),
    /// A top-level body field.
    Body(String),
    /// A query parameter that takes one value.
    Query(String),
}

impl Step {
    /// The step's values with each [`Ref`] filled from `results` (the JSON
    /// responses of the steps run so far, by index); an error names what is
    /// missing.
    pub fn with_results(&self, results: &[Option<Value>]) -> Result<Bound, String> {
        let mut b = self.bound.clone();
        for r in &self.uses {
            let v = results
                .get(r.step)
                .and_then(Option::as_ref)
                .and_then(|j| j.get(r.field))
                .and_then(Value::as_str)
                .ok_or_else(|| format!("step {} returned no `{}`", r.step + 1, r.field))?;
            r.into.set(&mut b, v);
        }
        Ok(b)
    }
}

impl Slot {
    fn set(&self, b: &mut Bound, v: &str) {
        match self {
            Slot::Path(n) => b.set_path(n, v.to_string()),
            Slot::Body(f) => {
                b.body.insert(f.clone(), Value::String(v.to_string()));
            }
            Slot::Query(q) => match b.query.iter_mut().find(|(k, _)| k == q) {
                Some(slot) => slot.1 = v.to_string(),
                None => b.query.push((q.clone(), v.to_string())),
            },
        }
    }

    fn name(&self) -> &str {
        match self {
            Slot::Path(n) => n,
            Slot::Body(f) | Slot::Query(f) => f,
        }
    }
}

/// Every string value a binding holds (path, query, body at any depth, bulk items).
fn bound_strings(b: &Bound) -> Vec<&str> {
    fn walk<'v>(v: &'v Value, out: &mut Vec<&'v str>) {
        match v {
            Value::String(s) => out.push(s),
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            Value::Object(m) => m.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out: Vec<&str> = b.path.iter().map(|(_, v)| v.as_str()).collect();
    out.extend(b.query.iter().flat_map(|(_, v)| v.split(',')));
    b.body.values().for_each(|v| walk(v, &mut out));
    b.items
        .iter()
        .flat_map(|m| m.values())
        .for_each(|v| walk(v, &mut out));
    out
}

/// Words that join the items of a list.
pub(super) fn is_joiner(w: &str) -> bool {
    matches!(w, "and" | "&" | "plus" | "," | ";" | "+")
}

fn is_listed_value(t: &Token) -> bool {
    matches!(t.kind, Kind::Id(_) | Kind::Email | Kind::Phone)
}

/// Whether the prompt lists two or more values of one kind (IDs of one
/// kind, emails, phone numbers).
pub(super) fn lists_values(a: &Analysis) -> bool {
    let vals: Vec<&Token> = a.tokens.iter().filter(|t| is_listed_value(t)).collect();
    vals.iter().enumerate().any(|(i, t)| {
        vals[i + 1..]
            .iter()
            .any(|u| u.kind == t.kind && u.text != t.text)
    })
}

/// The prompt's IDs, emails and phone numbers that `c` has no place for.
pub(super) fn unbound(c: &Candidate, a: &Analysis) -> Vec<usize> {
    let held = bound_strings(&c.bound);
    (0..a.tokens.len())
        .filter(|&i| is_listed_value(&a.tokens[i]) && !held.contains(&a.tokens[i].text.as_str()))
        .collect()
}

/// A slot of `c` that holds one value while the prompt names more of the
/// same kind that `c` leaves unbound: the slot, and where each such value
/// stands in the prompt (in order).
fn same_kind(c: &Candidate, a: &Analysis) -> Option<(Slot, Vec<usize>)> {
    let left = unbound(c, a);
    let toks = &a.tokens;
    let slots = c
        .bound
        .path
        .iter()
        .map(|(n, v)| (Slot::Path(n), v.as_str()))
        .chain(c.bound.body.iter().filter_map(|(k, v)| {
            let s = v.as_str()?;
            Some((Slot::Body(k.clone()), s))
        }))
        .chain(c.bound.query.iter().filter_map(|(k, v)| {
            // A parameter that takes several repeats its name; one that is
            // bound once and takes one is a slot.
            let many = c.operation.param(k).is_some_and(|p| p.ty.ends_with("[]"));
            (!many).then(|| (Slot::Query(k.clone()), v.as_str()))
        }));
    for (slot, value) in slots {
        let Some(first) = toks
            .iter()
            .position(|t| t.text == value && is_listed_value(t))
        else {
            continue;
        };
        let kind = &toks[first].kind;
        let mut at: Vec<usize> = left
            .iter()
            .copied()
            .filter(|&i| &toks[i].kind == kind)
            .collect();
        if at.is_empty() {
            continue;
        }
        at.push(first);
        at.sort_unstable();
        at.dedup();
        if at.len() < 2 {
            continue;
        }
        return Some((slot, at));
    }
    None
}

/// The distinct texts at `at`, in order.
fn texts(a: &Analysis, at: &[usize]) -> Vec<String> {
    let mut values: Vec<String> = Vec::new();
    for &i in at {
        if !values.contains(&a.tokens[i].text) {
            values.push(a.tokens[i].text.clone());
        }
    }
    values
}

/// [`same_kind`] when the values form a list: "user_a, user_b and
/// user_c", not "user_a vs user_b" or "rename role_set:beta to
/// role_set:pilot". The slot and the values, in prompt order.
pub(super) fn repeated(c: &Candidate, a: &Analysis) -> Option<(Slot, Vec<String>)> {
    let (slot, at) = same_kind(c, a)?;
    let toks = &a.tokens;
    let joined = at
        .windows(2)
        .all(|w| toks[w[0] + 1..w[1]].iter().all(|t| is_joiner(&t.norm)));
    joined.then(|| (slot, texts(a, &at)))
}

/// Values of the kind `c` takes one of, named but not a list and so not
/// used: said, so the user sees which one the call acts on.
pub(super) fn unused_note(c: &Candidate, a: &Analysis) -> Option<String> {
    let (slot, at) = same_kind(c, a)?;
    let values = texts(a, &at);
    let used = match &slot {
        Slot::Path(n) => c.bound.path_value(n),
        Slot::Body(f) => c.bound.body.get(f).and_then(Value::as_str),
        Slot::Query(q) => c
            .bound
            .query
            .iter()
            .find(|(k, _)| k == q)
            .map(|(_, v)| v.as_str()),
    }?;
    let others: Vec<&str> = values
        .iter()
        .map(String::as_str)
        .filter(|v| *v != used)
        .collect();
    Some(format!(
        "the prompt names {} values for `{}`; {} takes one and uses `{used}`, not {} (name only the one you mean, or list them to act on each)",
        values.len(),
        slot.name(),
        c.operation.display(),
        others.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")
    ))
}

/// Whether `other` is the bulk form of `single` for values in `slot`:
/// `/users/{user_id}/ban` → `/users/ban`, `…/invitations` → `…/invitations/bulk`.
fn bulk_of(single: &Operation, other: &Operation, slot: &Slot) -> bool {
    if other.method != single.method {
        return false;
    }
    let plain = match slot {
        Slot::Path(n) => single.path.replace(&format!("/{{{n}}}"), ""),
        Slot::Body(_) | Slot::Query(_) => single.path.to_string(),
    };
    other.path == plain || other.path == format!("{plain}/bulk")
}

/// "invite a@x.com and b@y.com to org_1": the first candidate takes one of
/// the values, and a bulk sibling among the candidates takes them all: the
/// sibling goes first (one call instead of several), with a note.
pub(super) fn prefer_bulk(candidates: &mut Vec<Candidate>, a: &Analysis, notes: &mut Vec<String>) {
    let Some((slot, values)) = candidates.first().and_then(|c| repeated(c, a)) else {
        return;
    };
    let single = candidates[0].operation;
    let Some(j) = candidates
        .iter()
        .position(|c| bulk_of(single, c.operation, &slot) && unbound(c, a).is_empty())
    else {
        return;
    };
    let c = candidates.remove(j);
    notes.push(format!(
        "{} values: one call to {} instead of {} calls to {}",
        values.len(),
        c.operation.display(),
        values.len(),
        single.display()
    ));
    candidates.insert(0, c);
}

/// One value ("invite bob@acme.com to org_1"), and the first candidate is a
/// single-value call whose bulk sibling is also a candidate: the doubt
/// between the two is no doubt about what to do, so the first takes the
/// sibling's probability. (Several values are [`prefer_bulk`]'s.)
pub(super) fn single_or_bulk(candidates: &mut [Candidate], a: &Analysis) {
    if lists_values(a) {
        return;
    }
    let Some(best) = candidates.first() else {
        return;
    };
    let toks = &a.tokens;
    let holds_value = |v: &str| toks.iter().any(|t| t.text == v && is_listed_value(t));
    let slots: Vec<Slot> = best
        .bound
        .path
        .iter()
        .filter(|(_, v)| holds_value(v))
        .map(|(n, _)| Slot::Path(n))
        .chain(
            best.bound
                .body
                .iter()
                .filter(|(_, v)| v.as_str().is_some_and(holds_value))
                .map(|(k, _)| Slot::Body(k.clone())),
        )
        .collect();
    let single = best.operation;
    let sibling = candidates
        .iter()
        .skip(1)
        .find(|c| slots.iter().any(|s| bulk_of(single, c.operation, s)))
        .map(|c| c.score);
    if let Some(p) = sibling {
        candidates[0].score += p;
    }
}

/// The best candidate once per listed value, when it takes only one.
pub(super) fn each(c: &Candidate, a: &Analysis) -> Option<Plan> {
    let (slot, values) = repeated(c, a)?;
    let steps = values
        .into_iter()
        .map(|v| {
            let mut bound = c.bound.clone();
            slot.set(&mut bound, &v);
            Step {
                operation: c.operation,
                bound,
                item: v,
                uses: Vec::new(),
            }
        })
        .collect();
    Some(Plan {
        kind: PlanKind::Each,
        steps,
    })
}

/// Where a prompt may be two requests: at "and" or "then" with words on both sides.
pub(super) fn joints(tokens: &[Token]) -> Vec<usize> {
    (1..tokens.len().saturating_sub(1))
        .filter(|&i| matches!(tokens[i].norm.as_str(), "and" | "then" | "&" | ";"))
        .filter(|&i| tokens[i + 1..].iter().any(|t| t.kind == Kind::Word))
        .collect()
}

/// The clause after a joint, without a leading "then"/"also".
pub(super) fn after(tokens: &[Token], joint: usize) -> Vec<Token> {
    let mut rest = &tokens[joint + 1..];
    while rest
        .first()
        .is_some_and(|t| matches!(t.norm.as_str(), "then" | "also" | "and"))
    {
        rest = &rest[1..];
    }
    rest.to_vec()
}

/// What a create call makes, as an ID kind: `POST /organizations` makes an
/// `organization` (the kind of `organization_id`).
pub(super) fn creates(op: &Operation, lex: &Lexicon) -> Option<String> {
    if op.method != Method::Post {
        return None;
    }
    let last = op.path.rsplit('/').next()?;
    if last.starts_with('{') || last.is_empty() {
        return None;
    }
    let param = format!("{}_id", crate::catalog::singular(last));
    let kind = lex.param_kinds(&param).iter().next()?.to_string();
    Some(kind)
}

/// The placeholder standing for step `n`'s ID (0-based `n`).
pub(super) fn placeholder(n: usize) -> String {
    format!("{{step{}.id}}", n + 1)
}

/// A token for the ID an earlier step will create, so the later clause is
/// resolved knowing it acts on that resource.
pub(super) fn created_token(n: usize, kind: &str) -> Token {
    let text = placeholder(n);
    Token {
        norm: text.clone(),
        text,
        kind: Kind::Id(kind.to_string()),
        question: false,
    }
}

/// The two-step plan when the second clause's best call takes the first
/// one's created ID somewhere (path parameter or body field).
pub(super) fn sequence(first: &Candidate, second: &Candidate) -> Option<Plan> {
    let ph = placeholder(0);
    let b = &second.bound;
    let slot = b
        .path
        .iter()
        .find(|(_, v)| *v == ph)
        .map(|(n, _)| Slot::Path(n))
        .or_else(|| {
            b.body
                .iter()
                .find(|(_, v)| v.as_str() == Some(&ph))
                .map(|(k, _)| Slot::Body(k.clone()))
        })?;
    let item = |c: &Candidate| c.operation.display();
    Some(Plan {
        kind: PlanKind::Sequence,
        steps: vec![
            Step {
                operation: first.operation,
                bound: first.bound.clone(),
                item: item(first),
                uses: Vec::new(),
            },
            Step {
                operation: second.operation,
                bound: second.bound.clone(),
                item: item(second),
                uses: vec![Ref {
                    step: 0,
                    field: "id",
                    into: slot,
                    placeholder: ph,
                }],
            },
        ],
    })
}

/// One line saying what the plan does.
pub(super) fn describe(plan: &Plan) -> String {
    let first = plan.steps[0].operation;
    if plan.kind == PlanKind::Each {
        let items: Vec<&str> = plan.steps.iter().map(|s| s.item.as_str()).collect();
        return format!(
            "{} acts on one value at a time: {} calls, one for each of {}",
            first.display(),
            plan.steps.len(),
            items.join(", ")
        );
    }
    let mut parts = Vec::new();
    for (i, s) in plan.steps.iter().enumerate() {
        let uses: String = s
            .uses
            .iter()
            .map(|r| {
                format!(
                    " ({} = the {} step {} returns)",
                    r.into.name(),
                    r.field,
                    r.step + 1
                )
            })
            .collect();
        parts.push(format!("{}. {}{uses}", i + 1, s.operation.display()));
    }
    format!("{} calls: {}", plan.steps.len(), parts.join("; "))
}
