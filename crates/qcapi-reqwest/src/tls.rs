//! The rustls configuration reqwest is handed: ring as the crypto provider, the
//! WebPKI verifier over the shared root list, or no verification at all.
//!
//! reqwest's own `rustls` feature would compile aws-lc-rs (a C library built with
//! cmake) next to the ring that ureq already uses; with `rustls-no-provider` the
//! configuration is built here instead, the way reqwest builds it for the same
//! builder settings (every TLS version rustls has, SNI on, ALPN `http/1.1`), so only
//! the provider differs: the cipher suites and key-exchange groups offered are
//! ring's, as ureq's are (no X25519MLKEM768, which only aws-lc-rs implements). No
//! process-wide default provider is installed: an application's own choice stays its own.

use std::sync::Arc;

use qcapi_core::Error;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

/// A client configuration trusting exactly `roots`, or any certificate when
/// `roots` is `None` (`danger_accept_invalid_certs`).
pub(crate) fn client_config(
    roots: Option<Vec<CertificateDer<'static>>>,
) -> Result<rustls::ClientConfig, Error> {
    let invalid = |e: rustls::Error| Error::invalid_input("tls configuration", e.to_string());
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(rustls::ALL_VERSIONS)
    .map_err(invalid)?;
    let mut config = match roots {
        Some(roots) => {
            let mut store = rustls::RootCertStore::empty();
            for root in roots {
                store.add(root).map_err(invalid)?;
            }
            builder.with_root_certificates(store).with_no_client_auth()
        }
        None => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate))
            .with_no_client_auth(),
    };
    // What reqwest offers without its http2 feature, which qcapi does not enable.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Accepts every certificate and signature, as reqwest's own verifier does for
/// `tls_danger_accept_invalid_certs(true)`.
#[derive(Debug)]
struct AcceptAnyCertificate;

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        // reqwest's list for the same verifier: the same signature schemes offered as before.
        vec![
            SignatureScheme::RSA_PKCS1_SHA1,
            SignatureScheme::ECDSA_SHA1_Legacy,
            SignatureScheme::RSA_PKCS1_SHA256,
            SignatureScheme::ECDSA_NISTP256_SHA256,
            SignatureScheme::RSA_PKCS1_SHA384,
            SignatureScheme::ECDSA_NISTP384_SHA384,
            SignatureScheme::RSA_PKCS1_SHA512,
            SignatureScheme::ECDSA_NISTP521_SHA512,
            SignatureScheme::RSA_PSS_SHA256,
            SignatureScheme::RSA_PSS_SHA384,
            SignatureScheme::RSA_PSS_SHA512,
            SignatureScheme::ED25519,
            SignatureScheme::ED448,
        ]
    }
}
