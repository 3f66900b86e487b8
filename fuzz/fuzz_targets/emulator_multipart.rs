//! The emulator's multipart reading, end to end: the input is the body of an upload (boundary
//! `zfz`) sent over loopback to an emulator in this process, to each upload endpoint in turn
//! (an attachment, a photo, the file store). It must always answer, and never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

const ENDPOINTS: [&str; 4] = [
    "/crm/v8/Leads/5725767000000010001/Attachments",
    "/crm/v8/Leads/5725767000000010001/photo",
    "/crm/v8/files",
    "/bigin/v2/Contacts/5725768000000010001/Attachments",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let path = ENDPOINTS[usize::from(pick) % ENDPOINTS.len()];
    let head = format!("POST {path} HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=zfz");
    let answer = zoho_fuzz::exchange(&head, body);
    assert!(answer.starts_with(b"HTTP/1.1 "), "no answer to {path}");
});
