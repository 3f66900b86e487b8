//! Nothing to use: this package holds the parity suite (`tests/parity.rs`), which runs one
//! table of scenarios against the blocking transport, the async transport and a closure
//! transport, and checks that each gives the same outcome with the same requests and token
//! requests, as counted by the emulator.
