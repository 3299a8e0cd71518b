//! The resolver: any prompt to a mode, ranked candidate operations and the
//! parameters the prompt states. Pure and offline: it reads only the embedded
//! catalog and index.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::catalog::{Operation, Tag, Version};

/// What the user wants done with the prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Usage examples.
    Help,
    /// List tags, or one tag's endpoints.
    Browse,
    /// Show an endpoint's definition; never executes.
    Detail,
    /// Resolve, check and run a call.
    Execute,
}

/// Values the prompt states for one operation, already placed where they go.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Bound {
    /// Path parameters, by spec name, unencoded.
    pub path: Vec<(&'static str, String)>,
    /// Query parameters, by spec name. Repeated names are arrays.
    pub query: Vec<(String, String)>,
    /// Body fields (top level), typed per the schema where the prompt allowed.
    pub body: Map<String, Value>,
}

impl Bound {
    /// The value of a path parameter, if bound.
    pub fn path_value(&self, name: &str) -> Option<&str> {
        self.path
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One ranked answer.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    #[serde(serialize_with = "ser_op")]
    pub operation: &'static Operation,
    /// Final score after reranking (higher is better; comparable within one resolution).
    pub score: f32,
    /// A short human reason for the rank.
    pub reason: String,
    /// The prompt's values bound to this operation.
    pub bound: Bound,
    /// Required path parameters the prompt did not supply.
    pub missing: Vec<&'static str>,
}

fn ser_op<S: serde::Serializer>(op: &&'static Operation, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct;
    let mut st = s.serialize_struct("op", 4)?;
    st.serialize_field("method", &op.method)?;
    st.serialize_field("path", op.path)?;
    st.serialize_field("operation_id", op.operation_id)?;
    st.serialize_field("summary", op.summary)?;
    st.end()
}

/// What browse mode lists.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(tag = "kind", content = "tag", rename_all = "lowercase")]
pub enum Browse {
    /// Every tag of the version.
    Tags,
    /// One tag's endpoints.
    Tag(&'static Tag),
}

/// How sure the resolver is about its first answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// The user named the endpoint (`GET /users`, a URL, a curl line).
    Exact,
    /// A clear winner.
    High,
    /// The first two are close or differ in method: show alternatives, and never run a write
    /// without the user choosing.
    Low,
    /// Nothing matched.
    None,
}

/// The resolver's answer for one prompt.
#[derive(Debug, Clone, Serialize)]
pub struct Resolution {
    pub mode: Mode,
    /// The spec version used.
    #[serde(serialize_with = "ser_version")]
    pub version: &'static Version,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browse: Option<Browse>,
    /// Ranked candidates, best first (empty for help and browse).
    pub candidates: Vec<Candidate>,
    pub confidence: Confidence,
    /// Notes for the user (version mapping, ignored words, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

fn ser_version<S: serde::Serializer>(v: &&'static Version, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.date)
}

impl Resolution {
    /// The first candidate, if any.
    pub fn best(&self) -> Option<&Candidate> {
        self.candidates.first()
    }
}

/// Errors of the resolver itself (everything else is a ranked answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveError {
    /// `version DATE` in the prompt names no embedded version.
    UnknownVersion(String),
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResolveError::UnknownVersion(v) => {
                let have: Vec<&str> = crate::catalog::versions().iter().map(|v| v.date).collect();
                write!(
                    f,
                    "unknown version `{v}`; embedded versions: {}",
                    have.join(", ")
                )
            }
        }
    }
}

impl std::error::Error for ResolveError {}

/// Resolves a prompt against `version` (default: the latest embedded one, or a
/// `version DATE` in the prompt).
pub fn resolve(
    prompt: &str,
    version: Option<&'static Version>,
) -> Result<Resolution, ResolveError> {
    let _ = prompt;
    Ok(Resolution {
        mode: Mode::Help,
        version: version.unwrap_or_else(crate::catalog::latest),
        browse: None,
        candidates: Vec::new(),
        confidence: Confidence::None,
        notes: Vec::new(),
    })
}

/// A `; did you mean ...` hint naming the nearest tag or endpoint, or "".
pub fn nearest_hint(version: &Version, prompt: &str) -> String {
    let _ = (version, prompt);
    String::new()
}
