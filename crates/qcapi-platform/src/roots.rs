//! The root certificates a client trusts, from qcapi-core's [`TrustPlan`]: the
//! system's (or `SSL_CERT_FILE`'s) plus the extra ones, parsed and checked here.
//!
//! Both transports call it, so both clients trust exactly the same root list and
//! reject the same bad input; each then gives the list to rustls' WebPKI verifier.

use std::sync::OnceLock;

use qcapi_core::Error;
use qcapi_core::trust::{PemSource, TrustPlan};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;

/// Every root `plan` asks for, DER-encoded, each one usable as a trust anchor; or
/// `None` when certificate checks are off. The PEM sources are parsed either way, so
/// bad input is an error whether or not it would be used.
pub fn root_certificates(plan: &TrustPlan) -> Result<Option<Vec<CertificateDer<'static>>>, Error> {
    let mut extra = Vec::new();
    for source in &plan.pems {
        extra.extend(parse(source)?);
    }
    if plan.accept_invalid_certs {
        return Ok(None);
    }
    let mut roots = if plan.system_roots {
        system_roots().to_vec()
    } else {
        Vec::new()
    };
    roots.extend(extra);
    Ok(Some(roots))
}

/// The certificates of one PEM source; bad PEM, a certificate rustls cannot
/// anchor on, or no certificate at all is an error naming the source.
fn parse(source: &PemSource) -> Result<Vec<CertificateDer<'static>>, Error> {
    let mut certs = Vec::new();
    for item in CertificateDer::pem_slice_iter(&source.pem) {
        let cert = item.map_err(|e| source.invalid(format!("not valid PEM: {e}")))?;
        // ureq would silently drop a certificate it cannot use and reqwest would
        // refuse it: refuse it here, the same way for both.
        rustls::RootCertStore::empty()
            .add(cert.clone())
            .map_err(|e| source.invalid(format!("not a usable root certificate: {e}")))?;
        certs.push(cert);
    }
    if certs.is_empty() {
        return Err(source.invalid("no certificate (no -----BEGIN CERTIFICATE----- block)"));
    }
    Ok(certs)
}

/// The OS trust store, loaded once per process: it is hundreds of certificates,
/// and a client is cheap to build only if they are not read and parsed each time.
fn system_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        for error in &found.errors {
            tracing::debug!(%error, "a system root certificate could not be loaded");
        }
        // Unusable system certificates are skipped, as rustls-platform-verifier does:
        // one bad file in /etc/ssl/certs must not stop every connection.
        let roots: Vec<_> = found
            .certs
            .into_iter()
            .filter(|cert| rustls::RootCertStore::empty().add(cert.clone()).is_ok())
            .collect();
        if roots.is_empty() {
            tracing::warn!(
                "no root certificates in the system trust store: https:// servers are refused unless roots are added (add_root_certificates, SSL_CERT_FILE)"
            );
        }
        roots
    })
}
