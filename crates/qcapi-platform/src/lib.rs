//! The clients and the machine they run on, written once so that the blocking
//! and the async client cannot drift apart: [`BlockingClient`] and [`AsyncClient`]
//! (drivers of core's state machines over any transport), the real machine as
//! core's platform ([`System`]: clock, CSPRNG, environment), and the root
//! certificates both transports trust ([`root_certificates`]).

mod client;
mod roots;
mod system;

pub use client::{AsyncClient, BlockingClient, Pages, TransportFactory};
pub use roots::root_certificates;
pub use rustls::pki_types::CertificateDer;
pub use system::{System, SystemEnvironment, random_nonce, unix_time};
