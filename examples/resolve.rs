//! Print the top answers for a prompt, with their bound parameters.
//!
//! cargo run --example resolve -- "kick user_2ab out of org_9x"

fn main() {
    let prompt = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
    let res = match clerk::resolve::resolve(&prompt, None) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    println!(
        "mode {:?}, version {}, confidence {:?}",
        res.mode, res.version.date, res.confidence
    );
    for c in res.candidates.iter().take(3) {
        println!(
            "{:>6.2}  {}  ({})",
            c.score,
            c.operation.display(),
            c.reason
        );
        for (k, v) in &c.bound.path {
            println!("          {k} = {v}");
        }
    }
}
