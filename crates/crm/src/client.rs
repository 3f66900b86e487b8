//! The async CRM client (feature `async`, on by default).

use zoho_async_transport::{Attachments, FileStore, Photo, RecordFiles, Transport};
use zoho_core::{ClientConfig, CrmVersion, Error};

/// A Zoho CRM client on tokio: attachments and photos of records, and the file store.
///
/// ```no_run
/// # async fn run() -> Result<(), zoho_core::Error> {
/// use zoho_core::{ClientConfig, DataCenter, Environment, auth::Credentials};
///
/// let credentials = Credentials::refresh_token("1000.CLIENTID", "client-secret", "1000.refresh-token");
/// let crm = zoho_crm::Client::new(ClientConfig::for_data_center(DataCenter::Eu, Environment::Production, credentials))?;
/// let page = crm.attachments("Leads", "4150868000002728001")?.list().await?;
/// for a in page.attachments {
///     println!("{} {:?}", a.id, a.file_name);
/// }
/// # Ok(()) }
/// ```
///
/// Cheap to clone (clones share one transport: connections, token and limits), and its
/// handles own a clone, so both move into spawned tasks and threads.
#[derive(Clone, Debug)]
pub struct Client {
    transport: Transport,
    version: CrmVersion,
}

impl Client {
    /// A client speaking CRM API v8.
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        Ok(Self {
            transport: Transport::new(config)?,
            version: CrmVersion::default(),
        })
    }

    /// The same client speaking another API version.
    pub fn with_version(mut self, version: CrmVersion) -> Self {
        self.version = version;
        self
    }

    /// The attachments of a record.
    pub fn attachments(&self, module: &str, record: &str) -> Result<Attachments, Error> {
        let ops = crate::sans_io::Crm::new(self.version).attachments(module, record)?;
        Ok(Attachments::new(&self.transport, ops))
    }

    /// The photo of a record.
    pub fn photo(&self, module: &str, record: &str) -> Result<Photo, Error> {
        let ops = crate::sans_io::Crm::new(self.version).photo(module, record)?;
        Ok(Photo::new(&self.transport, ops))
    }

    /// The files of a record in its file-upload fields and its emails' attachments.
    pub fn record_files(&self, module: &str, record: &str) -> Result<RecordFiles, Error> {
        let (module, record) = (
            zoho_core::ModuleName::new(module)?,
            zoho_core::RecordId::new(record)?,
        );
        Ok(RecordFiles::new(
            &self.transport,
            self.version,
            module,
            record,
        ))
    }

    /// The file store.
    pub fn files(&self) -> FileStore {
        FileStore::new(&self.transport, self.version)
    }

    /// The transport, to run any zoho-core operation.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }
}
