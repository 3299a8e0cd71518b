//! Request building from an arbitrary prompt (its `key=value`, `key:=json`
//! and `key==query` items included) plus an arbitrary `-d` body: the input is
//! `prompt NUL body`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let f = clerk_fuzz::fields(data, 2);
    let body = f.get(1).and_then(|b| serde_json::from_str(b).ok());
    clerk_fuzz::prompt(&f[0], body.as_ref());
});
