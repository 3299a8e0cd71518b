//! `clerk mcp [OPTIONS]`: the options of the MCP server, parsed apart from the
//! main command's so that no other command pays for them, and the server's
//! configuration built from them and the environment.

use std::time::Duration;

use clap::Parser;

use super::term::{self, Level};
use crate::error::{Error, ExitCode};
use crate::transport;

const AFTER_HELP: &str = "\
Add it to an agent:
  claude mcp add clerk -- clerk mcp
  claude mcp add clerk-ro -- clerk mcp --read-only
  (Cursor and others: {\"mcpServers\": {\"clerk\": {\"command\": \"clerk\", \"args\": [\"mcp\"]}}})

The key comes from CLERK_SECRET_KEY or .env.local/.env in the directory the server starts in,
never from a tool argument. Writes need CLERK_BAPI_SCOPES (write; DELETE also delete) unless
--admin, and every write is confirmed by the person: through the client (elicitation) when it
can ask, else by a one-time token returned with a preview of the exact request.";

/// Serve the Model Context Protocol on stdio: the offline resolver, the catalog and
/// the executor, with clerk's safety rules enforced by the server.
#[derive(Parser, Debug)]
#[command(name = "clerk-mcp", bin_name = "clerk mcp", after_help = AFTER_HELP, disable_version_flag = true)]
struct McpArgs {
    /// Offer no write tool at all: search, describe, list and GET only.
    #[arg(long = "read-only")]
    read_only: bool,

    /// Fix the spec version for every call (default: each call's `version`, else the latest).
    #[arg(long = "version", value_name = "DATE")]
    version: Option<String>,

    /// Bypass the CLERK_BAPI_SCOPES check (never the confirmation).
    #[arg(long)]
    admin: bool,

    /// Base URL of the API (default `https://api.clerk.com/v1`; env CLERK_API_URL).
    #[arg(long = "api-url", value_name = "URL")]
    api_url: Option<String>,

    /// Cut response bodies longer than this many bytes, at an item boundary.
    #[arg(long = "max-result-bytes", value_name = "N", default_value_t = 60_000)]
    max_result_bytes: usize,

    /// How long a write's confirmation token stays valid, in seconds.
    #[arg(long = "confirm-ttl", value_name = "SECS", default_value_t = 300)]
    confirm_ttl: u64,

    /// Overall request timeout in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    timeout: u64,

    /// Connect timeout in seconds.
    #[arg(long = "connect-timeout", value_name = "SECS", default_value_t = 10)]
    connect_timeout: u64,

    /// Retries of idempotent requests on 429, 502-504 and dropped connections.
    #[arg(long, value_name = "N", default_value_t = 3)]
    retry: u32,
}

/// Runs `clerk mcp` with the whole argv (`clerk`, `mcp`, options...).
pub fn main(argv: Vec<String>) -> i32 {
    let args = match McpArgs::try_parse_from(argv.into_iter().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            let code = if e.kind() == clap::error::ErrorKind::DisplayHelp {
                0
            } else {
                ExitCode::Usage as i32
            };
            let _ = e.print();
            return code;
        }
    };
    match run(&args) {
        Ok(()) => 0,
        Err(e) => {
            term::say(Level::Error, &e.to_string());
            e.code as i32
        }
    }
}

fn run(args: &McpArgs) -> Result<(), Error> {
    let version = match &args.version {
        Some(v) => Some(super::select_version(v)?),
        None => None,
    };
    let dir = std::env::current_dir().unwrap_or_default();
    let config = crate::mcp::Config {
        read_only: args.read_only,
        version,
        policy: crate::safety::Policy::from_env(args.admin, false),
        base_url: crate::request::base_url(args.api_url.as_deref())?,
        secret: crate::safety::load_secret(None, &dir),
        max_result_bytes: args.max_result_bytes.max(1024),
        confirm_ttl: Duration::from_secs(args.confirm_ttl),
        net: transport::Options {
            connect_timeout: Duration::from_secs(args.connect_timeout.max(1)),
            timeout: Duration::from_secs(args.timeout.max(1)),
            retries: args.retry,
            max_retry_wait: Duration::from_secs(30),
        },
        dir,
    };
    match crate::mcp::serve_stdio(config) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::usage(format!("the MCP session ended: {e}")))
        }
        _ => Ok(()), // the client closed its end
    }
}
