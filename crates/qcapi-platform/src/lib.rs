//! What qcapi's transports share about the platform, written once so that the
//! blocking and the async client cannot drift apart: today, the root certificates
//! they trust ([`root_certificates`]).

mod roots;

pub use roots::root_certificates;
pub use rustls::pki_types::CertificateDer;
