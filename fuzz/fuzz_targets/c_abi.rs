//! The C ABI entry points on arbitrary NUL-separated strings: each answer is
//! valid JSON, freed with clerk_string_free, and a dry-run build never holds a
//! secret-shaped token.
#![no_main]

use std::ffi::{c_char, CStr, CString};

use clerk::ffi;
use libfuzzer_sys::fuzz_target;

/// Takes ownership of an answer: checks it is JSON, frees it.
fn answer(p: *mut c_char) -> serde_json::Value {
    assert!(!p.is_null(), "a C ABI call returned NULL");
    // SAFETY: the library returns NUL-terminated strings it allocated.
    let text = unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned();
    // SAFETY: returned by the library, freed once.
    unsafe { ffi::clerk_string_free(p) };
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fuzz_target!(|data: &[u8]| {
    let f: Vec<CString> = clerk_fuzz::fields(data, 4)
        .into_iter()
        .map(|s| CString::new(s.replace('\0', "")).unwrap())
        .collect();
    let arg = |i: usize| f.get(i).map_or(std::ptr::null(), |s| s.as_ptr());
    // An empty second field means "latest" (NULL), as C callers pass it.
    let version = match f.get(1) {
        Some(v) if !v.as_bytes().is_empty() => v.as_ptr(),
        _ => std::ptr::null(),
    };
    // SAFETY: every pointer is NULL or a live NUL-terminated string.
    unsafe {
        answer(ffi::clerk_resolve(arg(0), version));
        answer(ffi::clerk_tags(version));
        answer(ffi::clerk_tag_operations(version, arg(2)));
        answer(ffi::clerk_operation(version, arg(2), arg(3)));
        let built = answer(ffi::clerk_build_request(arg(0), version, std::ptr::null()));
        assert!(
            clerk::safety::find_secret(&built["request"].to_string()).is_none(),
            "a secret in a built request: {built}"
        );
    }
});
