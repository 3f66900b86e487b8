//! The pager over 0, 1, 2 and N pages, page numbers and v8 page tokens, and cursors that do not
//! advance.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use zoho_core::ops::RecordRef;
use zoho_core::ops::attachments::{Attachment, AttachmentPage, ListAttachments, PageInfo};
use zoho_core::pager::Pager;
use zoho_core::{Api, AttachmentId, BiginVersion, Error};

fn first(api: Api) -> ListAttachments {
    ListAttachments::new(RecordRef::parse(api, "Contacts", "1").unwrap())
}

fn item(n: u64) -> Attachment {
    serde_json::from_value(serde_json::json!({ "id": n.to_string() })).unwrap()
}

fn page(
    items: std::ops::Range<u64>,
    page: Option<u64>,
    more: bool,
    token: Option<&str>,
) -> AttachmentPage {
    AttachmentPage {
        attachments: items.map(item).collect(),
        info: Some(PageInfo {
            page,
            more_records: more,
            next_page_token: token.map(str::to_owned),
            ..PageInfo::default()
        }),
        not_modified: false,
    }
}

/// Runs the pager against a fake server (`answer` maps a request to a page); returns the
/// requests made (as page / token) and the ids collected.
fn walk(
    mut pager: Pager,
    answer: impl Fn(&ListAttachments) -> AttachmentPage,
) -> (Vec<String>, Vec<AttachmentId>, Result<(), Error>) {
    let mut asked = Vec::new();
    let mut ids = Vec::new();
    while let Some(req) = pager.next_request() {
        asked.push(match req.current_page_token() {
            Some(t) => format!("token {t}"),
            None => format!("page {}", req.current_page()),
        });
        assert!(asked.len() < 100, "the pager looped");
        let p = answer(req);
        if let Err(e) = pager.advance(&p) {
            return (asked, ids, Err(e));
        }
        ids.extend(p.attachments.into_iter().map(|a| a.id));
    }
    (asked, ids, Ok(()))
}

#[test]
fn zero_pages_204() {
    let (asked, ids, r) = walk(Pager::new(first(Api::CRM)), |_| AttachmentPage::default());
    assert_eq!(asked, ["page 1"]);
    assert!(ids.is_empty() && r.is_ok());
}

#[test]
fn one_page() {
    let (asked, ids, r) = walk(Pager::new(first(Api::CRM)), |_| {
        page(0..3, Some(1), false, None)
    });
    assert_eq!(asked, ["page 1"]);
    assert_eq!(ids.len(), 3);
    assert!(r.is_ok());
}

#[test]
fn two_pages_by_number() {
    let api = Api::Bigin(BiginVersion::V2);
    let (asked, ids, r) = walk(Pager::new(first(api)), |req| match req.current_page() {
        1 => page(0..200, Some(1), true, None),
        2 => page(200..250, Some(2), false, None),
        n => panic!("page {n} asked"),
    });
    assert_eq!(asked, ["page 1", "page 2"]);
    assert_eq!(ids.len(), 250);
    assert!(r.is_ok());
}

#[test]
fn n_pages_by_token() {
    let n = 7u64;
    let (asked, ids, r) = walk(Pager::new(first(Api::CRM)), |req| {
        let k: u64 = req
            .current_page_token()
            .map_or(0, |t| t.trim_start_matches('t').parse().unwrap());
        let token = format!("t{}", k + 1);
        page(
            k * 10..k * 10 + 10,
            Some(1),
            k + 1 < n,
            (k + 1 < n).then_some(token.as_str()),
        )
    });
    assert_eq!(asked.len(), n as usize);
    assert_eq!(asked[0], "page 1");
    assert_eq!(asked[1], "token t1");
    assert_eq!(ids.len(), 70);
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), 70);
    assert!(r.is_ok());
}

#[test]
fn a_repeated_token_stops_with_an_error() {
    let (asked, _, r) = walk(Pager::new(first(Api::CRM)), |_| {
        page(0..10, Some(1), true, Some("same"))
    });
    assert_eq!(asked, ["page 1", "token same"]);
    assert!(matches!(
        r,
        Err(Error::PaginationStalled {
            cursor: "page_token",
            ..
        })
    ));
}

#[test]
fn a_token_seen_before_stops_with_an_error() {
    // a -> b -> a: a cycle of two.
    let (asked, _, r) = walk(Pager::new(first(Api::CRM)), |req| {
        let next = if req.current_page_token() == Some("a") {
            "b"
        } else {
            "a"
        };
        page(0..10, Some(1), true, Some(next))
    });
    assert_eq!(asked, ["page 1", "token a", "token b"]);
    assert!(matches!(
        r,
        Err(Error::PaginationStalled {
            cursor: "page_token",
            ..
        })
    ));
}

#[test]
fn a_page_number_that_does_not_advance_stops() {
    // The server ignores `page` and always answers page 1 with more_records.
    let (asked, _, r) = walk(Pager::new(first(Api::CRM)), |_| {
        page(0..10, Some(1), true, None)
    });
    assert_eq!(asked, ["page 1", "page 2"]);
    let e = r.unwrap_err();
    assert!(matches!(e, Error::PaginationStalled { cursor: "page", .. }));
    assert_eq!(
        e.to_string(),
        "pagination stopped: the server returned the same page twice (1)"
    );
}

#[test]
fn more_records_after_an_empty_page_stops() {
    let (_, _, r) = walk(Pager::new(first(Api::CRM)), |req| {
        page(0..0, Some(u64::from(req.current_page())), true, None)
    });
    assert!(matches!(r, Err(Error::PaginationStalled { .. })));
}

#[test]
fn not_modified_ends_the_walk() {
    let (asked, _, r) = walk(Pager::new(first(Api::CRM)), |_| AttachmentPage {
        not_modified: true,
        ..Default::default()
    });
    assert_eq!(asked, ["page 1"]);
    assert!(r.is_ok());
}
