//! Execute mode: check, build, confirm and send the resolved call.
//!
//! Placeholder until the executor lands: prints the resolved endpoint and says
//! execution is not available.

use crate::cli::Args;
use crate::error::{Error, ExitCode};
use crate::resolve::Resolution;

pub fn run(args: &Args, res: &Resolution) -> Result<ExitCode, Error> {
    let best = res.best().expect("execute mode has a candidate");
    if args.json {
        println!("{}", serde_json::to_string(res).unwrap_or_default());
    } else {
        println!(
            "{} {}  {}",
            best.operation.method, best.operation.path, best.operation.summary
        );
    }
    eprintln!("note: execution is not available yet; nothing was sent");
    Ok(ExitCode::Ok)
}
