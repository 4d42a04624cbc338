//! The emulator's integration tests over real loopback sockets, as one test binary
//! (one link of the generated code, not one per file). The signing and sending
//! helpers are `qcapi_tests::wire`.

mod binary;
mod control;
mod credentials;
mod faults;
mod hostile;
mod lifecycle;
mod persistence;
mod protocol;
mod readme;
mod scenarios;
