//! Response rendering on arbitrary bytes: the first byte picks the status and
//! the style (terminal or piped, colour, --include), the next up to NUL a
//! header value, the rest is the body. Terminal output must hold no control
//! character; piped non-JSON output must be the bytes received.
#![no_main]

use clerk::render::response::{self, Style};
use clerk::transport::Response;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let (header, body) = match rest.iter().position(|b| *b == 0) {
        Some(i) => (
            String::from_utf8_lossy(&rest[..i]).into_owned(),
            &rest[i + 1..],
        ),
        None => (String::new(), rest),
    };
    let resp = Response {
        status: [200, 201, 400, 404, 422, 429, 500][usize::from(pick & 7) % 7],
        headers: vec![("x-fuzz".into(), header)],
        body: body.to_vec(),
    };
    let style = Style {
        raw: pick & 8 != 0,
        color: pick & 16 != 0,
        include: pick & 32 != 0,
    };
    let mut out = Vec::new();
    response::body(&mut out, &resp, style).unwrap();
    let is_json = serde_json::from_slice::<serde_json::Value>(body).is_ok();
    if style.raw && !style.include && !is_json {
        assert!(
            out.starts_with(body),
            "piped output is not the bytes received"
        );
    }
    if !style.raw && !style.color {
        clerk_fuzz::terminal_safe("terminal body", &String::from_utf8_lossy(&out));
    }
    for line in response::error_lines(&resp) {
        clerk_fuzz::terminal_safe("error line", &line);
    }
});
