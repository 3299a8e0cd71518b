//! List a tag's endpoints from the embedded catalog, with each one's required inputs.
//!
//! cargo run --example catalog -- Organizations

use clerk::catalog;

fn main() {
    let name = std::env::args().nth(1).unwrap_or_else(|| "Users".into());
    let v = catalog::latest();
    let Some(tag) = v.find_tag(&name) else {
        eprintln!("no tag `{name}` in {}", v.date);
        std::process::exit(2);
    };
    println!("{} ({})", tag.name, v.date);
    for op in v.tag_operations(tag.name) {
        let mut needs: Vec<&str> = op
            .params
            .iter()
            .filter(|p| p.required)
            .map(|p| p.name)
            .collect();
        if let Some(b) = op.body {
            needs.extend(b.top_fields().filter(|f| f.required).map(|f| f.path));
        }
        println!(
            "  {:<6} {:<50} needs: {}",
            op.method,
            op.path,
            if needs.is_empty() {
                "-".to_string()
            } else {
                needs.join(", ")
            }
        );
    }
}
