//! The emulator's routing and query parsing, end to end: the input's first line is a method
//! byte and a path with its query, sent over loopback to an emulator in this process. Whatever
//! the path, ids, percent-escapes and parameters, it answers, and never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

const METHODS: [&str; 4] = ["GET", "POST", "DELETE", "PUT"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    // What an HTTP client can put in a request target: visible ASCII, `/` first.
    let target: String = rest
        .iter()
        .take_while(|&&b| b != b'\n')
        .filter(|b| b.is_ascii_graphic())
        .map(|&b| char::from(b))
        .collect();
    let target = if target.starts_with('/') {
        target
    } else {
        format!("/{target}")
    };
    let method = METHODS[usize::from(pick) % METHODS.len()];
    let answer = zoho_fuzz::exchange(&format!("{method} {target} HTTP/1.1"), b"");
    assert!(
        answer.starts_with(b"HTTP/1.1 "),
        "no answer to {method} {target}"
    );
});
