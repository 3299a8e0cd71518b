//! The dotenv reader and the secret finder/redactor on arbitrary text: no
//! panic, no secret left after redaction, and a value read for
//! CLERK_SECRET_KEY is one line.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    clerk_fuzz::safe_text(&text);
    if let Some(v) = clerk::safety::dotenv_value(&text, "CLERK_SECRET_KEY") {
        assert!(
            !v.contains(['\n', '\r']),
            "a dotenv value spans lines: {v:?}"
        );
        assert!(text.contains(v.as_str()), "{v:?} is not in the file");
        assert!(!v.is_empty(), "an empty key was read");
    }
});
