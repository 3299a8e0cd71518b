//! `cargo xtask specs`: bring Clerk's BAPI OpenAPI files into `specs/`.
//!
//! Each file is read (from a local copy of clerk/openapi-specs or downloaded),
//! parsed as YAML, checked to be OpenAPI 3.0 with every local `$ref` resolvable,
//! converted to JSON (so build.rs needs only serde_json: ~50 ms to parse all six
//! versions instead of ~125 ms for YAML), and only then written, through a
//! temporary file and a rename, so an interrupted or corrupt download never
//! leaves a broken spec behind.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Shared with the clerk crate (pure std), like build.rs shares the index schema.
#[allow(dead_code)] // days_from is for the resolver
#[path = "../../src/render/civil.rs"]
mod civil;

/// GitHub's contents API listing of the `bapi/` folder of clerk/openapi-specs.
pub const DEFAULT_URL: &str = "https://api.github.com/repos/clerk/openapi-specs/contents/bapi";

enum Source {
    Dir(PathBuf),
    Url(String),
}

struct Entry {
    version: String,
    file_name: String,
    /// Local path or download URL.
    location: String,
    /// Size announced by the listing, when known.
    size: Option<u64>,
}

pub fn run(args: &[String]) -> Result<(), String> {
    let mut source = Source::Url(DEFAULT_URL.to_string());
    let mut only: Option<Vec<String>> = None;
    let mut out = crate::workspace_root().join("specs");
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match a.as_str() {
            "--from" => source = Source::Dir(PathBuf::from(value("--from")?)),
            "--url" => source = Source::Url(value("--url")?),
            "--only" => {
                only = Some(
                    value("--only")?
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect(),
                )
            }
            "--out" => out = PathBuf::from(value("--out")?),
            other => {
                return Err(format!(
                    "unknown argument `{other}` (see `cargo xtask --help`)"
                ))
            }
        }
    }

    let mut entries = match &source {
        Source::Dir(dir) => list_dir(dir)?,
        Source::Url(url) => list_url(url)?,
    };
    entries.sort_by(|a, b| a.version.cmp(&b.version));
    if let Some(only) = &only {
        for v in only {
            if !entries.iter().any(|e| &e.version == v) {
                let have: Vec<&str> = entries.iter().map(|e| e.version.as_str()).collect();
                return Err(format!(
                    "version {v} is not in the source (it has: {})",
                    have.join(", ")
                ));
            }
        }
        entries.retain(|e| only.contains(&e.version));
    }
    if entries.is_empty() {
        return Err("the source has no bapi/YYYY-MM-DD.yml files".into());
    }

    let bapi = out.join("bapi");
    fs::create_dir_all(&bapi).map_err(|e| format!("{}: {e}", bapi.display()))?;
    let manifest_path = out.join("manifest.json");
    let mut manifest: Vec<Value> = fs::read(&manifest_path)
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .and_then(|v| v.get("versions").and_then(Value::as_array).cloned())
        .unwrap_or_default();

    let mut failures = Vec::new();
    for e in &entries {
        let bytes = match &source {
            Source::Dir(_) => fs::read(&e.location).map_err(|err| format!("{}: {err}", e.location)),
            Source::Url(_) => download(&e.location, &e.file_name),
        };
        let result = bytes.and_then(|bytes| {
            if let Some(size) = e.size {
                if bytes.len() as u64 != size {
                    return Err(format!(
                        "{}: got {} bytes, the listing announced {size}",
                        e.file_name,
                        bytes.len()
                    ));
                }
            }
            let json =
                convert(&bytes, &e.version).map_err(|err| format!("{}: {err}", e.file_name))?;
            let dest = bapi.join(format!("{}.json", e.version));
            write_atomic(&dest, json.as_bytes())?;
            Ok((bytes, json.len()))
        });
        match result {
            Ok((bytes, json_len)) => {
                let digest = Sha256::digest(&bytes);
                let sha: String = digest.iter().map(|b| format!("{b:02x}")).collect();
                manifest.retain(|m| m.get("version").and_then(Value::as_str) != Some(&e.version));
                manifest.push(json!({
                    "version": e.version,
                    "file": format!("bapi/{}.json", e.version),
                    "source": e.location,
                    "sha256": sha,
                    "bytes": bytes.len(),
                    "json_bytes": json_len,
                    "fetched_at": rfc3339(SystemTime::now()),
                }));
                eprintln!(
                    "  ok {} ({} KB yaml -> {} KB json)",
                    e.version,
                    bytes.len() / 1024,
                    json_len / 1024
                );
            }
            Err(err) => {
                eprintln!("  FAILED {err}");
                failures.push(err);
            }
        }
    }
    manifest.sort_by(|a, b| a["version"].as_str().cmp(&b["version"].as_str()));
    let license = match &source {
        Source::Dir(dir) => {
            let l = dir.join("LICENSE");
            if let Ok(text) = fs::read(&l) {
                write_atomic(&out.join("LICENSE"), &text)?;
            }
            "MIT (clerk/openapi-specs LICENSE)"
        }
        Source::Url(_) => "MIT (clerk/openapi-specs LICENSE)",
    };
    let doc = json!({ "license": license, "versions": manifest });
    write_atomic(
        &manifest_path,
        serde_json::to_string_pretty(&doc).unwrap().as_bytes(),
    )?;

    if failures.is_empty() {
        eprintln!("specs: {} version(s) in {}", entries.len(), bapi.display());
        Ok(())
    } else {
        Err(format!(
            "{} spec file(s) rejected; the previous copies were kept",
            failures.len()
        ))
    }
}

fn version_of(file_name: &str) -> Option<String> {
    let stem = file_name
        .strip_suffix(".yml")
        .or_else(|| file_name.strip_suffix(".yaml"))?;
    let b = stem.as_bytes();
    let ok = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    ok.then(|| stem.to_string())
}

fn list_dir(dir: &Path) -> Result<Vec<Entry>, String> {
    let bapi = dir.join("bapi");
    let rd = fs::read_dir(&bapi).map_err(|e| {
        format!(
            "{}: {e} (expected a copy of clerk/openapi-specs)",
            bapi.display()
        )
    })?;
    let mut out = Vec::new();
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if let Some(version) = version_of(&name) {
            out.push(Entry {
                version,
                file_name: name,
                location: e.path().display().to_string(),
                size: None,
            });
        }
    }
    Ok(out)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(10)))
        .timeout_global(Some(Duration::from_secs(120)))
        .user_agent(concat!("clerk-xtask/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

fn list_url(url: &str) -> Result<Vec<Entry>, String> {
    eprintln!("listing {url}");
    let listing: Value = agent()
        .get(url)
        .header("Accept", "application/vnd.github+json")
        .call()
        .map_err(|e| format!("{url}: {e}"))?
        .body_mut()
        .read_json()
        .map_err(|e| format!("{url}: not a JSON listing: {e}"))?;
    let items = listing
        .as_array()
        .ok_or_else(|| format!("{url}: expected a JSON array of files"))?;
    let mut out = Vec::new();
    for item in items {
        let name = item.get("name").and_then(Value::as_str).unwrap_or_default();
        let Some(version) = version_of(name) else {
            continue;
        };
        let Some(dl) = item.get("download_url").and_then(Value::as_str) else {
            continue;
        };
        out.push(Entry {
            version,
            file_name: name.to_string(),
            location: dl.to_string(),
            size: item.get("size").and_then(Value::as_u64),
        });
    }
    Ok(out)
}

fn download(url: &str, name: &str) -> Result<Vec<u8>, String> {
    eprint!("  downloading {name} ... ");
    let mut resp = agent().get(url).call().map_err(|e| {
        eprintln!();
        format!("{url}: {e}")
    })?;
    let mut bytes = Vec::new();
    resp.body_mut()
        .as_reader()
        .read_to_end(&mut bytes)
        .map_err(|e| {
            eprintln!();
            format!("{url}: interrupted after {} bytes: {e}", bytes.len())
        })?;
    eprintln!("{} KB", bytes.len() / 1024);
    Ok(bytes)
}

/// YAML -> checked OpenAPI 3.0 -> compact JSON.
fn convert(bytes: &[u8], version: &str) -> Result<String, String> {
    let value: Value =
        serde_yaml_ng::from_slice(bytes).map_err(|e| format!("not valid YAML: {e}"))?;
    let openapi = value.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !openapi.starts_with("3.0") {
        return Err(format!(
            "not an OpenAPI 3.0 document (openapi: {openapi:?})"
        ));
    }
    let parsed: openapiv3::OpenAPI = serde_json::from_value(value.clone())
        .map_err(|e| format!("not a valid OpenAPI 3.0 document: {e}"))?;
    if parsed.paths.paths.is_empty() {
        return Err("the document has no paths".into());
    }
    if parsed.info.version != version {
        eprintln!(
            "  note: {version} declares info.version {:?}",
            parsed.info.version
        );
    }
    let mut dangling = Vec::new();
    check_refs(&value, &value, &mut dangling);
    if !dangling.is_empty() {
        dangling.sort();
        dangling.dedup();
        return Err(format!(
            "{} unresolvable $ref(s), e.g. {} (truncated or corrupt file?)",
            dangling.len(),
            dangling[0]
        ));
    }
    serde_json::to_string(&value).map_err(|e| e.to_string())
}

fn check_refs(root: &Value, v: &Value, dangling: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                if let Some(ptr) = r.strip_prefix('#') {
                    if root.pointer(ptr).is_none() {
                        dangling.push(r.clone());
                    }
                }
            }
            for x in m.values() {
                check_refs(root, x, dangling);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| check_refs(root, x, dangling)),
        _ => {}
    }
}

fn write_atomic(dest: &Path, bytes: &[u8]) -> Result<(), String> {
    // Unchanged content keeps its timestamp, so build.rs does not rerun for nothing.
    if fs::read(dest).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    let tmp = dest.with_extension("tmp");
    fs::write(&tmp, bytes).map_err(|e| format!("{}: {e}", tmp.display()))?;
    fs::rename(&tmp, dest).map_err(|e| format!("{}: {e}", dest.display()))
}

/// `SystemTime` as an RFC 3339 UTC timestamp, without a date-time dependency.
fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (y, m, d, hh, mm, ss) = civil::from_unix(secs);
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
}
