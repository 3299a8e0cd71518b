//! The C ABI: the header matches the exported symbols, and a C program built
//! with the system `cc` against libclerk.a gets real results, under valgrind
//! (no leaks, no invalid accesses) when it is installed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `clerk_*` names declared in include/clerk.h.
fn header_symbols() -> BTreeSet<String> {
    let h = std::fs::read_to_string(root().join("include/clerk.h")).unwrap();
    h.lines()
        .filter(|l| !l.trim_start().starts_with("/*") && !l.trim_start().starts_with('*'))
        .filter_map(|l| {
            let i = l.find("clerk_")?;
            let rest = &l[i..];
            let end = rest.find('(')?;
            Some(rest[..end].to_string())
        })
        .collect()
}

/// `extern "C" fn clerk_*` names defined in src/ffi.rs.
fn source_symbols() -> BTreeSet<String> {
    let s = std::fs::read_to_string(root().join("src/ffi.rs")).unwrap();
    s.lines()
        .filter_map(|l| {
            let i = l.find("extern \"C\" fn clerk_")?;
            let rest = &l[i + "extern \"C\" fn ".len()..];
            Some(rest[..rest.find('(')?].to_string())
        })
        .collect()
}

/// The staticlib next to this test binary (target/<profile>/libclerk.a).
/// `cargo test` builds the library as an rlib only, so build the archive with
/// the same cargo and profile (a no-op when it is already current).
fn staticlib() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let exe = std::env::current_exe().unwrap();
            let profile_dir = exe.parent().and_then(Path::parent).unwrap();
            let lib = profile_dir.join("libclerk.a");
            let release = profile_dir.file_name().is_some_and(|n| n == "release");
            let mut cmd = Command::new(env!("CARGO"));
            cmd.current_dir(root())
                .args(["build", "--lib", "--quiet", "--package", "clerk"]);
            if release {
                cmd.arg("--release");
            }
            let status = cmd.status().expect("run cargo build --lib");
            assert!(status.success(), "cargo build --lib failed");
            assert!(
                lib.exists(),
                "{} not found after cargo build --lib",
                lib.display()
            );
            lib
        })
        .clone()
}

#[test]
fn header_declares_exactly_the_exported_functions() {
    let h = header_symbols();
    let s = source_symbols();
    assert!(s.len() >= 7, "{s:?}");
    assert_eq!(h, s, "include/clerk.h and src/ffi.rs disagree");
    // And the archive really exports them.
    if let Ok(out) = Command::new("nm")
        .args(["-g", "--defined-only"])
        .arg(staticlib())
        .output()
    {
        let text = String::from_utf8_lossy(&out.stdout);
        for name in &s {
            assert!(
                text.lines().any(|l| l.ends_with(&format!(" T {name}"))),
                "{name} is not exported by libclerk.a"
            );
        }
    }
}

#[test]
fn c_program_gets_real_results_without_leaks() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("clerk-c-abi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bin = dir.join("smoke");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let status = Command::new(&cc)
        .arg(root().join("tests/c/smoke.c"))
        .arg("-I")
        .arg(root().join("include"))
        .arg(staticlib())
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(&bin)
        .status()
        .unwrap_or_else(|e| panic!("cannot run {cc}: {e}"));
    assert!(status.success(), "compiling tests/c/smoke.c failed");

    let valgrind = Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let out = if valgrind {
        Command::new("valgrind")
            .args([
                "--quiet",
                "--leak-check=full",
                "--errors-for-leak-kinds=definite,indirect",
                "--show-leak-kinds=definite,indirect",
                "--error-exitcode=97",
            ])
            .arg(&bin)
            .output()
            .unwrap()
    } else {
        eprintln!("valgrind not found: running the C program without a leak check");
        Command::new(&bin).output().unwrap()
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "exit {:?}\n{stdout}\n{stderr}",
        out.status.code()
    );
    assert!(stdout.contains("0 failures"), "{stdout}\n{stderr}");
    if valgrind {
        assert!(
            !stderr.contains("definitely lost") && !stderr.contains("Invalid read"),
            "{stderr}"
        );
        eprintln!("valgrind: no leaks, no invalid accesses");
    }
}
