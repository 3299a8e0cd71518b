//! The C ABI (`include/clerk.h`): UTF-8 C strings in, JSON C strings out.
//!
//! Every function returns a newly allocated, NUL-terminated JSON string that
//! the caller frees with [`clerk_string_free`]. Failures are JSON too:
//! `{"error":{"code":"...","message":"..."}}`. Null pointers, invalid UTF-8
//! and unknown versions are errors, never crashes, and no panic crosses the
//! boundary. A NULL `version` means the latest embedded version.

use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use serde_json::{json, Value};

use crate::catalog::{self, Method, Version};
use crate::request::{self, Inputs};

fn error(code: &str, message: impl Into<String>) -> Value {
    json!({"error": {"code": code, "message": message.into()}})
}

fn into_c(v: Value) -> *mut c_char {
    // serde_json never emits NUL bytes (they are escaped), so this cannot fail.
    CString::new(v.to_string())
        .map(CString::into_raw)
        .unwrap_or(std::ptr::null_mut())
}

/// Runs `f`, turning a panic into an error object.
fn guard(f: impl FnOnce() -> Result<Value, Value>) -> *mut c_char {
    let out = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) | Ok(Err(v)) => v,
        Err(_) => error("panic", "internal error (a bug in clerk); nothing was done"),
    };
    into_c(out)
}

/// A required string argument.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string valid for the call.
unsafe fn arg<'a>(p: *const c_char, name: &str) -> Result<&'a str, Value> {
    if p.is_null() {
        return Err(error("null_pointer", format!("`{name}` is NULL")));
    }
    // SAFETY: non-null and NUL-terminated per the contract above.
    unsafe { CStr::from_ptr(p) }
        .to_str()
        .map_err(|_| error("invalid_utf8", format!("`{name}` is not valid UTF-8")))
}

/// An optional version argument: NULL means latest.
///
/// # Safety
/// As for [`arg`].
unsafe fn version_arg(p: *const c_char) -> Result<&'static Version, Value> {
    if p.is_null() {
        return Ok(catalog::latest());
    }
    // SAFETY: forwarded contract.
    let date = unsafe { arg(p, "version") }?;
    catalog::version(date).ok_or_else(|| error("unknown_version", catalog::unknown_version(date)))
}

/// Resolves a prompt. Returns the resolution: `mode`, `version`, `candidates`
/// (each with `operation`, `score`, `reason`, `bound`, `missing`),
/// `confidence`, `notes`, and `browse` for browse mode.
///
/// # Safety
/// `prompt` must be a NUL-terminated string; `version` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn clerk_resolve(
    prompt: *const c_char,
    version: *const c_char,
) -> *mut c_char {
    guard(|| {
        // SAFETY: forwarded contract.
        let (prompt, version) = unsafe { (arg(prompt, "prompt")?, version_arg(version)?) };
        let res = crate::resolve::resolve(prompt, Some(version))
            .map_err(|e| error("unknown_version", e.to_string()))?;
        serde_json::to_value(&res).map_err(|e| error("internal", e.to_string()))
    })
}

/// The embedded versions: `{"versions":[{"date","latest","operations","tags"}]}`.
#[no_mangle]
pub extern "C" fn clerk_versions() -> *mut c_char {
    guard(|| {
        let latest = catalog::latest().date;
        let v: Vec<Value> = catalog::versions()
            .iter()
            .map(|v| json!({"date": v.date, "latest": v.date == latest, "operations": v.operations().len(), "tags": v.tags().len()}))
            .collect();
        Ok(json!({ "versions": v }))
    })
}

/// A version's tags: `{"version","tags":[{"name","description","operations"}]}`.
///
/// # Safety
/// `version` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn clerk_tags(version: *const c_char) -> *mut c_char {
    guard(|| {
        // SAFETY: forwarded contract.
        let v = unsafe { version_arg(version)? };
        let tags: Vec<Value> = v
            .tags()
            .iter()
            .map(|t| json!({"name": t.name, "description": t.description, "operations": v.tag_operations(t.name).count()}))
            .collect();
        Ok(json!({"version": v.date, "tags": tags}))
    })
}

/// One tag's endpoints (the tag name is matched forgivingly: `users`, `orgs`):
/// `{"version","tag":{"name","description"},"operations":[{"method","path","summary","operation_id","deprecated"}]}`.
///
/// # Safety
/// `tag` NUL-terminated; `version` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn clerk_tag_operations(
    version: *const c_char,
    tag: *const c_char,
) -> *mut c_char {
    guard(|| {
        // SAFETY: forwarded contract.
        let (v, name) = unsafe { (version_arg(version)?, arg(tag, "tag")?) };
        let t = v.find_tag(name).ok_or_else(|| {
            error(
                "unknown_tag",
                format!("no tag `{name}` in version {}", v.date),
            )
        })?;
        let ops: Vec<Value> = v
            .tag_operations(t.name)
            .map(|o| json!({"method": o.method, "path": o.path, "summary": o.summary, "operation_id": o.operation_id, "deprecated": o.deprecated}))
            .collect();
        Ok(
            json!({"version": v.date, "tag": {"name": t.name, "description": t.description}, "operations": ops}),
        )
    })
}

/// Everything the catalog knows about one endpoint (`method` like `GET`,
/// `path` a template like `/users/{user_id}`): `{"version","operation":{...}}`.
///
/// # Safety
/// `method` and `path` NUL-terminated; `version` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn clerk_operation(
    version: *const c_char,
    method: *const c_char,
    path: *const c_char,
) -> *mut c_char {
    guard(|| {
        // SAFETY: forwarded contract.
        let (v, m, p) = unsafe {
            (
                version_arg(version)?,
                arg(method, "method")?,
                arg(path, "path")?,
            )
        };
        let method = Method::parse(m)
            .ok_or_else(|| error("usage", format!("`{m}` is not an HTTP method")))?;
        let op = v.operation(method, p).ok_or_else(|| {
            error(
                "not_found",
                format!("no {method} {p} in version {}", v.date),
            )
        })?;
        Ok(json!({"version": v.date, "operation": op}))
    })
}

/// Resolves a prompt and builds the request for the best candidate without
/// sending it (a dry run): `{"request":{"method","url","headers","body"},"operation":{...},"confidence"}`.
/// The Authorization header is a placeholder: no key is involved. `base_url`
/// NULL means `https://api.clerk.com/v1`. Missing parameters come back as
/// `{"error":{"code":"missing","message","missing":[{"name","location","type"}]}}`.
///
/// # Safety
/// `prompt` NUL-terminated; `version` and `base_url` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn clerk_build_request(
    prompt: *const c_char,
    version: *const c_char,
    base_url: *const c_char,
) -> *mut c_char {
    guard(|| {
        // SAFETY: forwarded contract.
        let (prompt, v) = unsafe { (arg(prompt, "prompt")?, version_arg(version)?) };
        let base = if base_url.is_null() {
            None
        } else {
            // SAFETY: forwarded contract.
            Some(unsafe { arg(base_url, "base_url")? })
        };
        let base = request::base_url(base.or(Some(request::DEFAULT_BASE_URL)))
            .map_err(|e| error(e.kind(), e.message))?;
        let res = crate::resolve::resolve(prompt, Some(v))
            .map_err(|e| error("unknown_version", e.to_string()))?;
        let best = res.best().ok_or_else(|| {
            error(
                "not_found",
                crate::safety::redact(&format!("no endpoint matches `{prompt}`")),
            )
        })?;
        let inputs = Inputs {
            base_url: base,
            api_version: res.version.date.to_string(),
            ..Inputs::default()
        };
        match request::build(best.operation, &best.bound, &inputs) {
            Ok(req) => Ok(json!({
                "request": req.to_json(None),
                "operation": {"method": best.operation.method, "path": best.operation.path, "operation_id": best.operation.operation_id},
                "class": crate::safety::classify(best.operation),
                "confidence": res.confidence,
            })),
            Err(request::BuildError::Missing(m)) => Err(json!({"error": {
                "code": "missing",
                "message": format!("{} {} needs {}", best.operation.method, best.operation.path,
                    m.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", ")),
                "missing": m,
            }})),
            Err(request::BuildError::Invalid(e)) => Err(error(e.kind(), e.message)),
        }
    })
}

/// Frees a string returned by any `clerk_*` function. NULL is ignored.
///
/// # Safety
/// `s` must come from a `clerk_*` function and not have been freed already.
#[no_mangle]
pub unsafe extern "C" fn clerk_string_free(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: per the contract, `s` came from CString::into_raw.
        drop(unsafe { CString::from_raw(s) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(p: *mut c_char) -> Value {
        let v = serde_json::from_str(unsafe { CStr::from_ptr(p) }.to_str().unwrap()).unwrap();
        unsafe { clerk_string_free(p) };
        v
    }

    #[test]
    fn errors_not_crashes() {
        let v = call(unsafe { clerk_resolve(std::ptr::null(), std::ptr::null()) });
        assert_eq!(v["error"]["code"], "null_pointer");
        let bad = [0xff_u8, 0xfe, 0];
        let v = call(unsafe { clerk_resolve(bad.as_ptr() as *const c_char, std::ptr::null()) });
        assert_eq!(v["error"]["code"], "invalid_utf8");
        let v = call(unsafe { clerk_tags(c"1999-01-01".as_ptr()) });
        assert_eq!(v["error"]["code"], "unknown_version");
        unsafe { clerk_string_free(std::ptr::null_mut()) };
    }

    #[test]
    fn resolves_and_builds() {
        let v = call(unsafe { clerk_resolve(c"ban user user_1".as_ptr(), std::ptr::null()) });
        assert_eq!(
            v["candidates"][0]["operation"]["path"],
            "/users/{user_id}/ban"
        );
        let v = call(unsafe {
            clerk_build_request(
                c"ban user user_1".as_ptr(),
                std::ptr::null(),
                std::ptr::null(),
            )
        });
        assert_eq!(
            v["request"]["url"],
            "https://api.clerk.com/v1/users/user_1/ban"
        );
        let v = call(unsafe {
            clerk_build_request(
                c"DELETE /users/{user_id}".as_ptr(),
                std::ptr::null(),
                std::ptr::null(),
            )
        });
        assert_eq!(v["error"]["code"], "missing");
    }
}
