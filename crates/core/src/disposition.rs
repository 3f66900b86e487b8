//! `Content-Disposition` parsing (RFC 6266 with RFC 5987 `filename*`) and safe local file names.
//!
//! Zoho's own SDKs take "the text after the last `'`" or "after the last `=`", which breaks names
//! with apostrophes or equals signs and leaves `filename*` percent-encoded. This parser reads the
//! header as the RFCs define it, prefers `filename*` when both are present, and never lets a
//! server-supplied name become a path.

use percent_encoding::percent_decode;

/// The file name a `Content-Disposition` header value carries, decoded, or `None`.
///
/// Accepts `filename*=UTF-8''r%C3%A9sum%C3%A9.pdf` (and ISO-8859-1), `filename="quoted \"name\""`,
/// and unquoted `filename=name.txt`. The result is the server's text, not yet safe to use as a
/// path: pass it through [`safe_file_name`].
pub fn file_name(header: &[u8]) -> Option<String> {
    let text = decode_header_text(header);
    let mut plain = None;
    let mut extended = None;
    for (key, value) in params(&text) {
        if key.eq_ignore_ascii_case("filename*") {
            if let Some(v) = decode_ext_value(&value) {
                extended.get_or_insert(v);
            }
        } else if key.eq_ignore_ascii_case("filename") {
            plain.get_or_insert(value);
        }
    }
    extended.or(plain).filter(|n| !n.is_empty())
}

/// Header bytes as text: UTF-8 when valid (servers do send raw UTF-8), else ISO-8859-1.
fn decode_header_text(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_owned(),
        Err(_) => b.iter().map(|&c| char::from(c)).collect(),
    }
}

/// The `key=value` parameters after the disposition type, with quoted strings unescaped.
fn params(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    // Skip the disposition type.
    for c in chars.by_ref() {
        if c == ';' {
            break;
        }
    }
    loop {
        while chars.next_if(|c| c.is_whitespace() || *c == ';').is_some() {}
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && *c != ';') {
            key.push(c);
        }
        if chars.peek().is_none() && key.trim().is_empty() {
            return out;
        }
        if chars.next_if_eq(&'=').is_none() {
            if chars.peek().is_none() {
                return out;
            }
            continue; // a bare word: not a parameter
        }
        while chars.next_if(|c| *c == ' ' || *c == '\t').is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'"').is_some() {
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            value.push(n);
                        }
                    }
                    '"' => break,
                    c => value.push(c),
                }
            }
            // Ignore anything between the closing quote and the next `;`.
            while chars.next_if(|c| *c != ';').is_some() {}
        } else {
            while let Some(c) = chars.next_if(|c| *c != ';') {
                value.push(c);
            }
            value = value.trim_end().to_owned();
        }
        out.push((key.trim().to_owned(), value));
    }
}

/// Decodes an RFC 5987 `ext-value`: `charset'[language]'percent-encoded`.
fn decode_ext_value(v: &str) -> Option<String> {
    let mut it = v.splitn(3, '\'');
    let charset = it.next()?;
    let _language = it.next()?;
    let encoded = it.next()?;
    let bytes: Vec<u8> = percent_decode(encoded.as_bytes()).collect();
    if charset.eq_ignore_ascii_case("utf-8") {
        String::from_utf8(bytes).ok()
    } else if charset.eq_ignore_ascii_case("iso-8859-1") {
        Some(bytes.iter().map(|&c| char::from(c)).collect())
    } else {
        None
    }
}

/// A hidden, unique file name beside `path` (`.{name}.{pid}.{random}.part`) for a download in
/// progress: in the same directory, so renaming it over `path` at the end is atomic.
pub fn temp_path_beside(path: &std::path::Path) -> std::path::PathBuf {
    use std::hash::{BuildHasher, Hasher};
    // A target name may be as long as the file system allows (255 bytes); the temporary name
    // adds up to 31, so it keeps at most 200 bytes of it (it need only be unique).
    let full = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("download");
    let mut cut = full.len().min(200);
    while !full.is_char_boundary(cut) {
        cut -= 1;
    }
    let name = &full[..cut];
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    path.with_file_name(format!(
        ".{name}.{}.{:016x}.part",
        std::process::id(),
        h.finish()
    ))
}

/// Names Windows reserves whatever the extension.
const RESERVED: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Turns a server-supplied name into one safe to create inside a chosen directory on any OS.
///
/// Keeps only the last path component, drops control characters, replaces characters Windows
/// forbids with `_`, turns leading dots into `_` (no `..`, no hidden files), trims trailing dots
/// and spaces, prefixes Windows device names with `_`, and keeps at most 200 bytes while keeping
/// the extension. Returns `fallback` when nothing usable remains.
pub fn safe_file_name(name: &str, fallback: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let mut s: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_format_char(*c))
        .map(|c| if "<>:\"|?*".contains(c) { '_' } else { c })
        .collect();
    s = s.trim().trim_end_matches(['.', ' ']).to_owned();
    let dots = s.len() - s.trim_start_matches('.').len();
    if dots > 0 {
        s = format!("{}{}", "_".repeat(dots), &s[dots..]);
    }
    let stem = s.split('.').next().unwrap_or_default();
    if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(stem.trim())) {
        s.insert(0, '_');
    }
    let s = truncate_keeping_extension(&s, 200);
    if s.is_empty() || s.chars().all(|c| c == '_') {
        fallback.to_owned()
    } else {
        s
    }
}

/// Unicode format characters that change how a name reads without being seen: bidirectional
/// overrides and isolates (`invoice\u{202e}fdp.exe` shows as "invoiceexe.pdf"), zero-width
/// characters, the soft hyphen, the byte-order mark.
fn is_format_char(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}'
    )
}

fn truncate_keeping_extension(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let (stem, ext) = match s.rfind('.') {
        Some(i) if s.len() - i <= 16 && i > 0 => (&s[..i], &s[i..]),
        _ => (s, ""),
    };
    let mut cut = max.saturating_sub(ext.len());
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{ext}", &stem[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(h: &str) -> Option<String> {
        file_name(h.as_bytes())
    }

    #[test]
    fn content_disposition_table() {
        let cases: &[(&str, Option<&str>)] = &[
            ("attachment; filename=\"report.pdf\"", Some("report.pdf")),
            (
                "attachment; filename=\"O'Brien's report.pdf\"",
                Some("O'Brien's report.pdf"),
            ),
            ("attachment; filename=plain.txt", Some("plain.txt")),
            ("attachment; filename=plain.txt ; size=3", Some("plain.txt")),
            ("attachment;filename=a=b.txt", Some("a=b.txt")),
            (
                "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf",
                Some("résumé.pdf"),
            ),
            (
                "attachment; filename*=utf-8'en'%E2%82%AC%20rates.txt",
                Some("€ rates.txt"),
            ),
            (
                "attachment; filename*=ISO-8859-1''caf%E9.txt",
                Some("café.txt"),
            ),
            (
                "attachment; filename=\"fallback.pdf\"; filename*=UTF-8''r%C3%A9el.pdf",
                Some("réel.pdf"),
            ),
            (
                "attachment; filename*=UTF-8''r%C3%A9el.pdf; filename=\"fallback.pdf\"",
                Some("réel.pdf"),
            ),
            (
                "attachment; filename*=UTF-8''%FF%FE; filename=\"ok.txt\"",
                Some("ok.txt"),
            ),
            (
                "attachment; filename=\"a \\\"quoted\\\" name.txt\"",
                Some("a \"quoted\" name.txt"),
            ),
            (
                "attachment; filename=\"../../etc/passwd\"",
                Some("../../etc/passwd"),
            ),
            ("inline; FILENAME=\"upper.png\"", Some("upper.png")),
            ("attachment", None),
            ("attachment; filename=\"\"", None),
            ("attachment; name=\"file\"", None),
            ("", None),
            ("attachment; filename=\"unterminated", Some("unterminated")),
            (";;;=;=\"", None),
        ];
        for (h, want) in cases {
            assert_eq!(f(h).as_deref(), *want, "header: {h}");
        }
    }

    #[test]
    fn temp_paths_are_hidden_unique_siblings() {
        let p = std::path::Path::new("/data/out/report.pdf");
        let a = temp_path_beside(p);
        let b = temp_path_beside(p);
        assert_ne!(a, b);
        assert_eq!(a.parent(), p.parent());
        let name = a.file_name().unwrap().to_str().unwrap();
        assert!(
            name.starts_with(".report.pdf.") && name.ends_with(".part"),
            "{name}"
        );
        // A target name at the file system's limit still has a temporary name within it.
        let long = format!("/d/{}é.bin", "x".repeat(250));
        let t = temp_path_beside(std::path::Path::new(&long));
        let len = t.file_name().unwrap().len();
        assert!(len <= 255, "{len}");
    }

    #[test]
    fn raw_utf8_and_latin1_headers() {
        assert_eq!(
            file_name("attachment; filename=\"日本.txt\"".as_bytes()).unwrap(),
            "日本.txt"
        );
        assert_eq!(
            file_name(b"attachment; filename=\"caf\xe9.txt\"").unwrap(),
            "café.txt"
        );
    }

    #[test]
    fn safe_names() {
        let cases: &[(&str, &str)] = &[
            ("report.pdf", "report.pdf"),
            ("../../etc/passwd", "passwd"),
            ("..\\..\\windows\\system32", "system32"),
            ("..", "download"),
            (".", "download"),
            ("...", "download"),
            ("", "download"),
            (".bashrc", "_bashrc"),
            ("a\u{0}b\nc\u{7f}.txt", "abc.txt"),
            ("what?<>|*:\".txt", "what_______.txt"),
            ("CON", "_CON"),
            ("nul.txt", "_nul.txt"),
            ("trailing. . ", "trailing"),
            ("résumé.pdf", "résumé.pdf"),
            ("dir/", "download"),
            ("invoice\u{202e}fdp.exe", "invoicefdp.exe"),
            ("a\u{200b}b\u{feff}\u{2066}c.txt", "abc.txt"),
        ];
        for (input, want) in cases {
            assert_eq!(safe_file_name(input, "download"), *want, "input: {input:?}");
        }
        let long = format!("{}.pdf", "é".repeat(300));
        let s = safe_file_name(&long, "x");
        assert!(s.len() <= 200 && s.ends_with(".pdf"), "{s}");
    }
}
