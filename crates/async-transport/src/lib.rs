//! Runs zoho-core operations on reqwest (async, tokio). Placeholder until the transports issue lands.
//!
//! The transport contract it will fulfil is described in `docs/architecture.md`: build the
//! request with [`zoho_core::Operation::request`], authorize it, send it, and read the answer
//! with [`zoho_core::Operation::response`].

pub use zoho_core;
