//! The resolver, binding and request building on arbitrary UTF-8 prompts.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(prompt) = std::str::from_utf8(data) {
        clerk_fuzz::prompt(prompt, None);
    }
});
