//! `clerk`: turn a plain-language prompt into the right [Clerk](https://clerk.com)
//! Backend API call, offline, and run it safely.
//!
//! Every version of Clerk's BAPI spec is compiled into the crate: the
//! [`catalog`] (operations, parameters, body fields, responses) and a tantivy
//! index per version. Resolving a prompt reads no file and touches no network.
//!
//! The pipeline, one module per stage:
//!
//! 1. [`resolve::resolve`]: prompt → [`resolve::Resolution`] (mode, ranked
//!    candidates with the prompt's values bound to their parameters, confidence);
//! 2. [`request::build`]: candidate → exact [`request::Request`], checked
//!    against the operation's schema (nothing is sent);
//! 3. [`safety`]: the key ([`safety::Secret`], never printed), scopes
//!    ([`safety::Policy`]), confirmation, warnings;
//! 4. [`execute`] (or [`transport::send`] after your own checks): send it.
//!
//! ```
//! use clerk::resolve::{resolve, Mode};
//!
//! let res = resolve("kick user_2ab out of org_9x", None).unwrap();
//! assert_eq!(res.mode, Mode::Execute);
//! let best = res.best().unwrap();
//! assert_eq!(best.operation.display(), "DELETE /organizations/{organization_id}/memberships/{user_id}");
//! assert_eq!(best.bound.path_value("user_id"), Some("user_2ab"));
//! ```
//!
//! Building the request without sending it:
//!
//! ```
//! use clerk::request::{build, Inputs};
//!
//! let res = clerk::resolve::resolve("ban user_2ab", None).unwrap();
//! let best = res.best().unwrap();
//! let inputs = Inputs {
//!     base_url: clerk::request::DEFAULT_BASE_URL.into(),
//!     api_version: res.version.date.into(),
//!     ..Inputs::default()
//! };
//! let req = build(best.operation, &best.bound, &inputs).unwrap();
//! assert_eq!(req.url, "https://api.clerk.com/v1/users/user_2ab/ban");
//! ```
//!
//! The same crate builds a static library with a C ABI; see `include/clerk.h`.

#![warn(missing_docs)]

pub mod catalog;
#[doc(hidden)]
pub mod cli;
pub mod error;
#[doc(hidden)]
pub mod ffi;
#[doc(hidden)]
pub mod index;
pub mod mcp;
#[doc(hidden)]
pub mod render;
pub mod request;
pub mod resolve;
pub mod runner;
pub mod safety;
pub mod transport;

use error::Error;
use request::Request;
use safety::{Decision, Policy, Secret};
use transport::{Options, Response};

/// Sends a built request under the same safety policy the CLI applies:
/// the scope check first (refused with exit code 3 unless `policy.admin`),
/// then, for every write, confirmation: `policy.assume_yes`, or `confirm`
/// returning true. Reads are sent directly. Nothing is sent when a rule refuses.
///
/// ```
/// use clerk::safety::{Policy, Secret};
///
/// let res = clerk::resolve::resolve("DELETE /users/user_1", None).unwrap();
/// let best = res.best().unwrap();
/// let inputs = clerk::request::Inputs {
///     base_url: "http://127.0.0.1:9".into(), // nothing listens: it must not get that far
///     api_version: res.version.date.into(),
///     ..Default::default()
/// };
/// let req = clerk::request::build(best.operation, &best.bound, &inputs).unwrap();
/// let policy = Policy { scopes: vec!["write".into()], admin: false, assume_yes: true, interactive: false };
/// let err = clerk::execute(&req, &Secret::new("sk_test_x"), &policy, &mut |_| true, &Default::default(), &mut |_| {})
///     .unwrap_err();
/// assert_eq!(err.code, clerk::error::ExitCode::Refused); // DELETE needs `write` and `delete`
/// ```
pub fn execute(
    req: &Request,
    secret: &Secret,
    policy: &Policy,
    confirm: &mut dyn FnMut(&Request) -> bool,
    opts: &Options,
    note: &mut dyn FnMut(&str),
) -> Result<Response, Error> {
    let op = req.operation.ok_or_else(|| {
        Error::usage("the request has no operation; build it with request::build")
    })?;
    if safety::check(policy, op)? == Decision::Confirm && !policy.assume_yes && !confirm(req) {
        return Err(Error::refused("not confirmed; nothing was sent"));
    }
    transport::send(req, secret, opts, note)
}

/// Runs a [`resolve::plan::Plan`] under the same policy as [`execute`]. Before
/// anything is sent, every step's scopes are checked and every request is
/// built ([`runner::preview`]); then, when any step writes, `confirm` sees all
/// the requests at once (skipped with `policy.assume_yes`). The steps run
/// paced ([`runner::run`]); the records say what each did.
pub fn execute_plan(
    plan: &resolve::plan::Plan,
    run: &runner::Run,
    policy: &Policy,
    confirm: &mut dyn FnMut(&[Request]) -> bool,
    progress: &mut dyn FnMut(&runner::StepResult),
    note: &mut dyn FnMut(&str),
) -> Result<Vec<runner::StepResult>, Error> {
    let mut ask = false;
    for s in &plan.steps {
        ask |= safety::check(policy, s.operation)? == Decision::Confirm;
    }
    let reqs = runner::preview(plan, run.inputs)?;
    if ask && !policy.assume_yes && !confirm(&reqs) {
        return Err(Error::refused("not confirmed; nothing was sent"));
    }
    Ok(runner::run(plan, run, progress, note))
}
