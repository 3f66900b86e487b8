//! Every files operation of CRM and Bigin, as [`Operation`](crate::Operation) and
//! [`Download`](crate::Download) values.
//!
//! Each operation holds the [`Api`](crate::Api) it speaks, so one type serves both products;
//! the checks that differ (modules, parameters by version) read it.

pub mod attachments;
pub mod emails;
pub mod fields;
pub mod files;
pub mod photo;
pub mod records;

use serde::Deserializer;

use crate::error::{InputError, printable};

/// Upload limits checked before anything is sent. The defaults are Zoho's documented limits,
/// read in decimal megabytes so that a file under the limit is under it in either reading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest attachment (Zoho: 100 MB). Default 100,000,000 bytes.
    pub attachment_max_bytes: u64,
    /// Extensions refused as attachments, lower-case without the dot (Zoho: `.exe`).
    pub blocked_extensions: Vec<String>,
    /// Largest record photo (Zoho v8: 10 MB). Default 10,000,000 bytes.
    pub photo_max_bytes: u64,
    /// Largest file per part in the CRM file store (Zoho: 20 MB). Default 20,000,000 bytes.
    pub store_file_max_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            attachment_max_bytes: 100_000_000,
            blocked_extensions: vec![String::from("exe")],
            photo_max_bytes: 10_000_000,
            store_file_max_bytes: 20_000_000,
        }
    }
}

/// The length of a file to upload, given what the file system said: a directory, a FIFO or a
/// device is refused before any byte is sent.
pub fn regular_file_len(
    path: &std::path::Path,
    is_file: bool,
    len: u64,
) -> Result<u64, crate::Error> {
    if !is_file {
        return Err(crate::Error::Input(InputError::InvalidFileName {
            name: path.display().to_string(),
            why: "it is not a regular file",
        }));
    }
    Ok(len)
}

/// The base name of `path`, checked to be a usable upload name: after the last `/`, and on
/// Windows the last `\\` too. Elsewhere a backslash is part of a file's name
/// (`back\\slash.pdf`) and is sent as it is, raw in the part's quoted `filename` as browsers
/// send it (the HTML standard escapes only `"`, CR and LF). A server may keep it, or cut the
/// name there as Windows-era servers do, and Zoho's Python SDK (urllib3) doubles it; so a
/// re-run compares names with [`same_file_name`], which accepts all three readings.
pub(crate) fn upload_name(path: &str) -> Result<String, InputError> {
    let separators: &[char] = if cfg!(windows) { &['/', '\\'] } else { &['/'] };
    let name = path.rsplit(separators).next().unwrap_or_default().trim();
    let bad = |why| InputError::InvalidFileName {
        name: printable(path),
        why,
    };
    if name.is_empty() || name == "." || name == ".." {
        return Err(bad("it has no file name part"));
    }
    if name.chars().any(char::is_control) {
        return Err(bad("it contains control characters"));
    }
    if name.len() > 255 {
        return Err(bad("it is longer than 255 bytes"));
    }
    Ok(name.to_owned())
}

/// True when `listed` (a name the server lists) is the file uploaded as `sent`: the same name,
/// or, when `sent` holds a backslash, the part after the last one (a server that cuts there)
/// or the name with each backslash doubled (one that kept an escaping client's `\\\\`).
pub fn same_file_name(sent: &str, listed: &str) -> bool {
    sent == listed
        || (sent.contains('\\')
            && (sent.rsplit('\\').next() == Some(listed) || sent.replace('\\', "\\\\") == listed))
}

/// The lower-case extension of a file name, without the dot; trailing dots and spaces do not
/// count (`a.exe.` and `a.exe ` are `a.exe` on Windows, where such a file would run).
pub(crate) fn extension(name: &str) -> Option<String> {
    let (stem, ext) = name.trim_end_matches(['.', ' ']).rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_ascii_lowercase())
}

/// A `Content-Type` for a file name, from its extension; `application/octet-stream` otherwise.
pub fn guess_content_type(name: &str) -> &'static str {
    match extension(name).as_deref() {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("bmp") => "image/bmp",
        Some("webp") => "image/webp",
        Some("svg") => "image/svg+xml",
        Some("pdf") => "application/pdf",
        Some("txt" | "log") => "text/plain",
        Some("csv") => "text/csv",
        Some("htm" | "html") => "text/html",
        Some("json") => "application/json",
        Some("xml") => "application/xml",
        Some("zip") => "application/zip",
        Some("gz") => "application/gzip",
        Some("doc") => "application/msword",
        Some("docx") => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Some("xls") => "application/vnd.ms-excel",
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some("ppt") => "application/vnd.ms-powerpoint",
        Some("pptx") => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        Some("mp4") => "video/mp4",
        Some("mp3") => "audio/mpeg",
        _ => "application/octet-stream",
    }
}

/// Checks a caller-given `Content-Type` for a part header.
pub(crate) fn check_content_type(ct: &str) -> Result<(), InputError> {
    let ok = ct.contains('/')
        && ct.len() <= 255
        && ct.bytes().all(|b| b.is_ascii_graphic() || b == b' ');
    if ok {
        Ok(())
    } else {
        Err(InputError::Invalid {
            what: "content type",
            value: printable(ct),
            why: "expected a media type such as application/pdf",
        })
    }
}

/// Reads a number that Zoho may send as a JSON string (`"Size": "362207"`) or as a number;
/// `null` and `""` read as `None`.
pub(crate) fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Option<u64>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a non-negative whole number, as a number or a string")
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
            u64::try_from(v)
                .map(Some)
                .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(v), &self))
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
            if v >= 0.0 && v.fract() == 0.0 && v < 1.8e19 {
                Ok(Some(v as u64))
            } else {
                Err(E::invalid_value(serde::de::Unexpected::Float(v), &self))
            }
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            let t = v.trim();
            if t.is_empty() {
                return Ok(None);
            }
            t.parse()
                .map(Some)
                .map_err(|_| E::invalid_value(serde::de::Unexpected::Str(v), &self))
        }
    }
    d.deserialize_option(V)
}

/// One record of one module, spoken in one API: what attachment and photo operations act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordRef {
    /// Product and version.
    pub api: crate::Api,
    /// The module API name.
    pub module: crate::ModuleName,
    /// The record id.
    pub record: crate::RecordId,
}

impl RecordRef {
    /// A record reference from typed parts.
    pub fn new(api: crate::Api, module: crate::ModuleName, record: crate::RecordId) -> Self {
        Self {
            api,
            module,
            record,
        }
    }

    /// A record reference from text, checking the module name and the id.
    pub fn parse(api: crate::Api, module: &str, record: &str) -> Result<Self, InputError> {
        Ok(Self::new(
            api,
            crate::ModuleName::new(module)?,
            crate::RecordId::new(record)?,
        ))
    }

    /// Checks that the module supports `feature` in this API.
    pub(crate) fn check(&self, feature: crate::Feature) -> Result<(), InputError> {
        crate::module::check_support(self.api, &self.module, feature)
    }

    /// `{base}{prefix}/{module}/{record}/{tail...}?{query}`
    pub(crate) fn uri(
        &self,
        base: &crate::BaseUrl,
        tail: &[&str],
        query: &[(&str, &str)],
    ) -> Result<http::Uri, InputError> {
        let mut segs = vec![self.module.as_str(), self.record.as_str()];
        segs.extend_from_slice(tail);
        base.join(&self.api.prefix(), &segs, query)
    }
}

/// A checked file part: the base name to send and its `Content-Type`.
pub(crate) struct FilePart {
    pub name: String,
    pub content_type: String,
}

/// Checks an upload's name, size and type, the same way for attachments, photos and the file
/// store: the base name of `path` must be usable, its extension not blocked, its size within
/// `max`; the content type is the caller's or guessed from the extension.
pub(crate) fn file_part(
    path: &str,
    len: u64,
    content_type: Option<&str>,
    max: u64,
    blocked: &[String],
    what: &'static str,
) -> Result<FilePart, InputError> {
    let name = upload_name(path)?;
    if let Some(ext) = extension(&name)
        && blocked.iter().any(|b| b.eq_ignore_ascii_case(&ext))
    {
        return Err(InputError::BlockedFileType {
            name,
            extension: ext,
        });
    }
    if len > max {
        return Err(InputError::FileTooLarge {
            name,
            size: len,
            limit: max,
            what,
        });
    }
    let content_type =
        content_type.map_or_else(|| guess_content_type(&name).to_owned(), str::to_owned);
    check_content_type(&content_type)?;
    Ok(FilePart { name, content_type })
}

/// The attachments of one record: a handle that makes each attachments operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachments(RecordRef);

impl Attachments {
    /// The attachments of `record` in `module`, spoken in `api`.
    pub fn new(api: crate::Api, module: crate::ModuleName, record: crate::RecordId) -> Self {
        Self(RecordRef::new(api, module, record))
    }

    /// The attachments of a record given as text (module name and id are checked).
    pub fn parse(api: crate::Api, module: &str, record: &str) -> Result<Self, InputError> {
        RecordRef::parse(api, module, record).map(Self)
    }

    /// One page of the list (see [`attachments::ListAttachments`] for paging and filters).
    pub fn list(&self) -> attachments::ListAttachments {
        attachments::ListAttachments::new(self.0.clone())
    }

    /// Upload `len` bytes as a file named after the base name of `file_name`.
    pub fn upload(&self, file_name: &str, len: u64) -> attachments::UploadAttachment {
        attachments::UploadAttachment::new(self.0.clone(), file_name, len)
    }

    /// Attach a link.
    pub fn upload_link(&self, url: impl Into<String>) -> attachments::UploadLink {
        attachments::UploadLink::new(self.0.clone(), url)
    }

    /// Download one attachment.
    pub fn download(&self, id: crate::AttachmentId) -> attachments::DownloadAttachment {
        attachments::DownloadAttachment::new(self.0.clone(), id)
    }

    /// Delete one attachment.
    pub fn delete(&self, id: crate::AttachmentId) -> attachments::DeleteAttachment {
        attachments::DeleteAttachment::new(self.0.clone(), id)
    }

    /// Delete several attachments, in batches.
    pub fn delete_many(
        &self,
        ids: impl IntoIterator<Item = crate::AttachmentId>,
    ) -> attachments::DeleteAttachments {
        attachments::DeleteAttachments::new(self.0.clone(), ids)
    }
}

/// The photo of one record: a handle that makes each photo operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Photo(RecordRef);

impl Photo {
    /// The photo of `record` in `module`, spoken in `api`.
    pub fn new(api: crate::Api, module: crate::ModuleName, record: crate::RecordId) -> Self {
        Self(RecordRef::new(api, module, record))
    }

    /// The photo of a record given as text (module name and id are checked).
    pub fn parse(api: crate::Api, module: &str, record: &str) -> Result<Self, InputError> {
        RecordRef::parse(api, module, record).map(Self)
    }

    /// Upload `len` bytes of an image named after the base name of `file_name`.
    pub fn upload(&self, file_name: &str, len: u64) -> photo::UploadPhoto {
        photo::UploadPhoto::new(self.0.clone(), file_name, len)
    }

    /// Download the photo.
    pub fn download(&self) -> photo::DownloadPhoto {
        photo::DownloadPhoto::new(self.0.clone())
    }

    /// Delete the photo.
    pub fn delete(&self) -> photo::DeletePhoto {
        photo::DeletePhoto::new(self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_names_are_base_names() {
        assert_eq!(upload_name("/tmp/x/report.pdf").unwrap(), "report.pdf");
        // A backslash separates only on Windows; elsewhere it is part of the name.
        let expected = if cfg!(windows) {
            "slash.pdf"
        } else {
            "back\\slash.pdf"
        };
        assert_eq!(upload_name("/tmp/back\\slash.pdf").unwrap(), expected);
        assert!(same_file_name("back\\slash.pdf", "back\\slash.pdf"));
        assert!(same_file_name("back\\slash.pdf", "slash.pdf"));
        assert!(same_file_name("back\\slash.pdf", "back\\\\slash.pdf"));
        assert!(!same_file_name("back\\slash.pdf", "back.pdf"));
        assert!(!same_file_name("a.pdf", "b/a.pdf"));
        assert!(upload_name("/tmp/").is_err());
        assert!(upload_name("..").is_err());
        assert!(upload_name("a\nb").is_err());
    }

    #[test]
    fn extensions_and_types() {
        assert_eq!(extension("a.EXE").as_deref(), Some("exe"));
        assert_eq!(extension("a.exe.").as_deref(), Some("exe"));
        assert_eq!(extension("a.Exe . .").as_deref(), Some("exe"));
        assert_eq!(extension(".bashrc"), None);
        assert_eq!(extension("noext"), None);
        assert_eq!(guess_content_type("x.JPG"), "image/jpeg");
        assert_eq!(guess_content_type("x.unknown"), "application/octet-stream");
        assert!(check_content_type("text/plain; charset=utf-8").is_ok());
        assert!(check_content_type("text\r\nX-Evil: 1").is_err());
    }

    #[derive(serde::Deserialize)]
    struct Sized {
        #[serde(default, deserialize_with = "lenient_u64")]
        size: Option<u64>,
    }

    #[test]
    fn sizes_as_strings_or_numbers() {
        let size = |j: &str| serde_json::from_str::<Sized>(j).map(|s| s.size);
        assert_eq!(size(r#"{"size":"362207"}"#).unwrap(), Some(362_207));
        assert_eq!(size(r#"{"size":362207}"#).unwrap(), Some(362_207));
        assert_eq!(size(r#"{"size":362207.0}"#).unwrap(), Some(362_207));
        assert_eq!(size(r#"{"size":null}"#).unwrap(), None);
        assert_eq!(size(r#"{"size":""}"#).unwrap(), None);
        assert_eq!(size(r#"{}"#).unwrap(), None);
        assert!(size(r#"{"size":-1}"#).is_err());
        assert!(
            size(r#"{"size":"12kB"}"#)
                .unwrap_err()
                .to_string()
                .contains("whole number")
        );
    }
}
