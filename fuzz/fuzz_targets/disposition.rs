//! `Content-Disposition` parsing and the safe local name made of what it yields: never a path,
//! never empty, never `.`/`..`, never a control character, never beyond 255 bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zoho_core::disposition::{file_name, safe_file_name};

fuzz_target!(|data: &[u8]| {
    let name = file_name(data);
    let raw = name.unwrap_or_else(|| String::from_utf8_lossy(data).into_owned());
    let safe = safe_file_name(&raw, "download");
    assert!(!safe.is_empty(), "empty name from {raw:?}");
    assert!(safe != "." && safe != "..", "{safe:?} from {raw:?}");
    assert!(!safe.contains(['/', '\\', '\0']), "{safe:?} from {raw:?}");
    assert!(!safe.chars().any(char::is_control), "{safe:?} from {raw:?}");
    assert!(safe.len() <= 255, "{} bytes from {raw:?}", safe.len());
});
