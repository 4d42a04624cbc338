//! Which server certificates a transport trusts: the decision, made once for
//! both clients so they cannot drift apart.
//!
//! Core does no I/O and parses no certificates: [`TrustPlan::resolve`] reads
//! `SSL_CERT_FILE` through the transport's [`Environment`] (as the credential chain
//! does) and hands back PEM bytes with the name of the setting they came from.
//! Each transport then parses them with the same parser (rustls-pki-types) and
//! gives the resulting root list to rustls' WebPKI verifier.
//!
//! The root set, in both clients:
//!
//! - the system's roots (rustls-native-certs: the OS trust store, where a private
//!   cloud's CA is usually installed), **or**, when [`ENV_SSL_CERT_FILE`] names a
//!   file, that file's certificates instead (OpenSSL's meaning, which the system
//!   loader itself already applies, so any other meaning would be overridden by it);
//! - plus every certificate given to
//!   [`ConfigBuilder::add_root_certificates`](crate::ConfigBuilder::add_root_certificates),
//!   on top of either.
//!
//! [`ConfigBuilder::danger_accept_invalid_certs`](crate::ConfigBuilder::danger_accept_invalid_certs)
//! replaces the verifier with one that accepts anything; every client built with
//! it logs a warning.

use std::path::Path;

use crate::chain::Environment;
use crate::{Config, Error};

/// Environment variable naming a PEM file whose certificates replace the system's roots.
pub const ENV_SSL_CERT_FILE: &str = "SSL_CERT_FILE";

/// The setting name in errors about certificates given to the builder.
pub const ADD_ROOT_CERTIFICATES: &str = "add_root_certificates";

/// The TLS settings of a [`Config`]: extra roots as given (PEM) and the opt-out.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct TlsSettings {
    pub(crate) root_certificates: Vec<Vec<u8>>,
    pub(crate) danger_accept_invalid_certs: bool,
}

impl std::fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The PEM bytes themselves say nothing useful in a debug dump.
        f.debug_struct("TlsSettings")
            .field("root_certificate_pems", &self.root_certificates.len())
            .field(
                "danger_accept_invalid_certs",
                &self.danger_accept_invalid_certs,
            )
            .finish()
    }
}

/// PEM bytes a transport must parse, and the setting they came from (named in its errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PemSource {
    /// `add_root_certificates` or `SSL_CERT_FILE`.
    pub origin: &'static str,
    /// For a file, where it is (for the error message).
    pub path: Option<String>,
    /// One or more `-----BEGIN CERTIFICATE-----` blocks (other blocks are ignored).
    pub pem: Vec<u8>,
}

impl PemSource {
    /// The error for PEM that does not parse or holds no certificate, naming its origin.
    pub fn invalid(&self, reason: impl std::fmt::Display) -> Error {
        match &self.path {
            Some(path) => Error::invalid_input(self.origin, format!("`{path}`: {reason}")),
            None => Error::invalid_input(self.origin, reason.to_string()),
        }
    }
}

/// What a transport should trust, decided from the config and the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustPlan {
    /// Accept any certificate (the loud opt-out); the roots below are then unused.
    pub accept_invalid_certs: bool,
    /// Start from the system's roots (false when `SSL_CERT_FILE` replaces them).
    pub system_roots: bool,
    /// Certificates to trust besides (or, for `SSL_CERT_FILE`, instead of) the system's.
    pub pems: Vec<PemSource>,
}

impl TrustPlan {
    /// Decides the trust of a client built from `config`: `SSL_CERT_FILE` is read
    /// through `env` (unreadable: an error naming it). Logs a warning when
    /// certificate checks are off, so every client built that way says so.
    pub fn resolve(config: &Config, env: &dyn Environment) -> Result<Self, Error> {
        let tls = &config.tls;
        let mut pems = Vec::new();
        let mut system_roots = true;
        let file = env
            .var(ENV_SSL_CERT_FILE)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty());
        if let Some(file) = file {
            let pem = env.read_file(Path::new(&file)).map_err(|e| {
                Error::invalid_input(ENV_SSL_CERT_FILE, format!("cannot read `{file}`: {e}"))
            })?;
            system_roots = false;
            pems.push(PemSource {
                origin: ENV_SSL_CERT_FILE,
                path: Some(file),
                pem: pem.into_bytes(),
            });
        }
        pems.extend(tls.root_certificates.iter().map(|pem| PemSource {
            origin: ADD_ROOT_CERTIFICATES,
            path: None,
            pem: pem.clone(),
        }));
        if tls.danger_accept_invalid_certs {
            tracing::warn!(
                endpoint = config.endpoint().base_url(),
                "danger_accept_invalid_certs: TLS certificates are not checked; anyone on the path can read and change requests"
            );
        }
        Ok(Self {
            accept_invalid_certs: tls.danger_accept_invalid_certs,
            system_roots,
            pems,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::path::PathBuf;

    struct FakeEnv {
        vars: HashMap<&'static str, &'static str>,
        files: HashMap<&'static str, &'static str>,
    }

    impl Environment for FakeEnv {
        fn var(&self, name: &str) -> Option<String> {
            self.vars.get(name).map(|v| (*v).to_owned())
        }
        fn read_file(&self, path: &Path) -> std::io::Result<String> {
            self.files
                .get(path.to_str().unwrap_or(""))
                .map(|v| (*v).to_owned())
                .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
        }
        fn home_dir(&self) -> Option<PathBuf> {
            None
        }
    }

    /// (SSL_CERT_FILE value, builder PEMs, expected system_roots, expected origins or error parameter)
    type Row = (
        Option<&'static str>,
        &'static [&'static str],
        Result<(bool, &'static [&'static str]), &'static str>,
    );

    fn check(row: Row) {
        let (file, added, expected) = row;
        let mut builder = Config::builder();
        for pem in added {
            builder = builder.add_root_certificates(pem);
        }
        let config = builder.build().expect("config");
        let env = FakeEnv {
            vars: file.map(|f| (ENV_SSL_CERT_FILE, f)).into_iter().collect(),
            files: [("/ca.pem", "PEM FROM FILE")].into_iter().collect(),
        };
        let got = TrustPlan::resolve(&config, &env);
        match (got, expected) {
            (Ok(plan), Ok((system, origins))) => {
                assert_eq!(plan.system_roots, system, "{row:?}");
                let got: Vec<_> = plan.pems.iter().map(|p| p.origin).collect();
                assert_eq!(got, origins, "{row:?}");
                assert!(!plan.accept_invalid_certs);
            }
            (Err(Error::InvalidInput { parameter, .. }), Err(name)) => {
                assert_eq!(parameter, name, "{row:?}")
            }
            (got, _) => panic!("{row:?}: got {got:?}"),
        }
    }

    #[test]
    fn ssl_cert_file_replaces_the_system_roots_and_builder_roots_add() {
        let rows: [Row; 6] = [
            (None, &[], Ok((true, &[]))),
            (None, &["A", "B"], Ok((true, &["add_root_certificates"; 2]))),
            // Blank counts as unset, as for the credential variables.
            (Some("  "), &[], Ok((true, &[]))),
            (Some("/ca.pem"), &[], Ok((false, &["SSL_CERT_FILE"]))),
            (
                Some("/ca.pem"),
                &["A"],
                Ok((false, &["SSL_CERT_FILE", "add_root_certificates"])),
            ),
            (Some("/missing.pem"), &["A"], Err("SSL_CERT_FILE")),
        ];
        for row in rows {
            check(row);
        }
    }

    #[test]
    fn the_file_bytes_are_handed_over_and_the_opt_out_is_carried() {
        let env = FakeEnv {
            vars: [(ENV_SSL_CERT_FILE, "/ca.pem")].into_iter().collect(),
            files: [("/ca.pem", "PEM FROM FILE")].into_iter().collect(),
        };
        let config = Config::builder()
            .danger_accept_invalid_certs(true)
            .build()
            .expect("config");
        let plan = TrustPlan::resolve(&config, &env).expect("plan");
        assert!(plan.accept_invalid_certs);
        assert_eq!(plan.pems[0].pem, b"PEM FROM FILE");
        assert_eq!(plan.pems[0].path.as_deref(), Some("/ca.pem"));
        let message = plan.pems[0].invalid("no certificate").to_string();
        assert!(
            message.contains("SSL_CERT_FILE") && message.contains("/ca.pem"),
            "{message}"
        );
    }
}
