//! Temporary credentials against the emulator, through both clients: the CVM
//! instance role refreshed before it expires as the emulator clock moves, one
//! metadata request for 32 concurrent calls across a refresh, a refused token
//! refreshed and retried once, STS AssumeRole and TKE's web identity, and no
//! secret of any of them in logs, `Debug` or errors.

use std::sync::Arc;
use std::time::Duration;

use qcapi_core::provider::{ProviderFailure, WebIdentity};
use qcapi_core::{Config, ConfigBuilder, Credentials, Error, HttpMethod, vpc};
use qcapi_emulator::{Account, Emulator};
use qcapi_tests::{Driver, Variant, attempts_in, capture_logs, driver};

/// Both clients, over GET (the method does not change how credentials are found).
fn kinds() -> [Variant; 2] {
    [
        Variant::new(false, HttpMethod::Get),
        Variant::new(true, HttpMethod::Post),
    ]
}

/// Credentials last an hour; refreshed from 300 s before that.
const LIFETIME: u64 = 3600;

/// An emulator with `app` of account A bound to the instance, shared with the
/// client's clock so both agree on the time as it moves.
fn instance() -> Arc<Emulator> {
    Arc::new(
        Emulator::builder()
            .instance_role("app", Account::demo_a())
            .role("deployer", Account::demo_a())
            .web_identity_provider("oidc-tke", "pod-identity-jwt")
            .credential_lifetime(Duration::from_secs(LIFETIME))
            .start()
            .expect("emulator"),
    )
}

/// Settings that take no credentials from anywhere but `emulator`'s services,
/// with the client's clock reading the emulator's.
fn base(emulator: &Arc<Emulator>, v: Variant) -> ConfigBuilder<Config> {
    let clock = emulator.clone();
    Config::builder()
        .endpoint(emulator.base_url())
        .metadata_endpoint(emulator.base_url())
        .sts_endpoint(format!("{}/", emulator.base_url()))
        .region("gz")
        .http_method(v.http_method)
        .timeout(Duration::from_secs(10))
        .clock(move || u64::try_from(clock.now()).unwrap_or(0))
}

fn cvm_role(emulator: &Arc<Emulator>, v: Variant) -> Driver {
    driver(v, base(emulator, v).use_cvm_role(true))
}

fn credentials_of(d: &Driver) -> Result<qcapi_core::provider::Snapshot, Error> {
    match d {
        Driver::Blocking(c) => c.credentials(),
        Driver::Async(rt, c) => rt.block_on(c.credentials()),
    }
}

fn source_of(d: &Driver) -> String {
    match d {
        Driver::Blocking(c) => c.credential_source(),
        Driver::Async(_, c) => c.credential_source(),
    }
}

fn call(d: &Driver) -> Result<vpc::DescribeVpcExOutput, Error> {
    d.send(&vpc::DescribeVpcEx::new())
}

#[test]
fn an_instance_role_is_refreshed_before_it_expires() {
    for v in kinds() {
        let emulator = instance();
        let client = cvm_role(&emulator, v);
        call(&client).unwrap_or_else(|e| panic!("{v:?}: {e}"));
        // Asked which role, then its credentials.
        assert_eq!(emulator.metadata_requests(), 2, "{v:?}");
        assert_eq!(emulator.metadata_credential_requests(), 1, "{v:?}");
        assert_eq!(
            source_of(&client),
            format!("CVM role `app` (metadata {})", emulator.base_url())
        );
        let first = credentials_of(&client).unwrap();
        assert_eq!(
            first.credentials().expires_at(),
            Some(emulator.now() as u64 + LIFETIME)
        );
        // 310 s before expiry: still outside the margin.
        emulator.advance_clock(Duration::from_secs(LIFETIME - 310));
        call(&client).unwrap_or_else(|e| panic!("{v:?}: {e}"));
        assert_eq!(emulator.metadata_credential_requests(), 1, "{v:?}");
        // 290 s before: refreshed, with one request (the role's name is remembered),
        // while the old credentials still work on the emulator.
        emulator.advance_clock(Duration::from_secs(20));
        let (result, log) = capture_logs(|| call(&client));
        result.unwrap_or_else(|e| panic!("{v:?}: {e}"));
        assert_eq!(attempts_in(&log), 1, "{v:?}: no refused attempt\n{log}");
        assert_eq!(emulator.metadata_requests(), 3, "{v:?}");
        assert_eq!(emulator.metadata_credential_requests(), 2, "{v:?}");
        let second = credentials_of(&client).unwrap();
        assert_eq!(second.generation(), 2);
        assert_ne!(
            second.credentials().secret_id(),
            first.credentials().secret_id()
        );
        // Long past expiry, the next call fetches first and never sends expired keys.
        emulator.advance_clock(Duration::from_secs(2 * LIFETIME));
        let (result, log) = capture_logs(|| call(&client));
        result.unwrap_or_else(|e| panic!("{v:?}: {e}"));
        assert_eq!(attempts_in(&log), 1, "{v:?}\n{log}");
        assert_eq!(emulator.metadata_credential_requests(), 3, "{v:?}");
    }
}

/// 32 calls at once, in a thread each (blocking) or a task each (async).
fn concurrently(d: &Driver) -> Vec<Result<vpc::DescribeVpcExOutput, Error>> {
    match d {
        Driver::Blocking(client) => std::thread::scope(|scope| {
            let calls: Vec<_> = (0..32)
                .map(|_| scope.spawn(|| client.send(&vpc::DescribeVpcEx::new())))
                .collect();
            calls
                .into_iter()
                .map(|c| c.join().expect("no panic"))
                .collect()
        }),
        Driver::Async(rt, client) => rt.block_on(futures_util::future::join_all(
            (0..32).map(|_| async { client.send(&vpc::DescribeVpcEx::new()).await }),
        )),
    }
}

#[test]
fn thirty_two_concurrent_calls_across_a_refresh_make_one_metadata_request() {
    for v in kinds() {
        let emulator = instance();
        let client = cvm_role(&emulator, v);
        call(&client).unwrap_or_else(|e| panic!("{v:?}: {e}"));
        // Within the margin (the old credentials still valid), then past expiry
        // (every call must wait for the one refresh).
        for advance in [LIFETIME - 100, 2 * LIFETIME] {
            emulator.advance_clock(Duration::from_secs(advance));
            let (metadata, credentials) = (
                emulator.metadata_requests(),
                emulator.metadata_credential_requests(),
            );
            let results = concurrently(&client);
            let failed: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
            assert!(failed.is_empty(), "{v:?} +{advance}: {failed:?}");
            assert_eq!(
                emulator.metadata_requests() - metadata,
                1,
                "{v:?} +{advance}"
            );
            assert_eq!(
                emulator.metadata_credential_requests() - credentials,
                1,
                "{v:?} +{advance}"
            );
        }
    }
}

#[test]
fn a_revoked_token_is_refreshed_and_the_call_retried_once() {
    for v in kinds() {
        let emulator = instance();
        let client = cvm_role(&emulator, v);
        call(&client).unwrap_or_else(|e| panic!("{v:?}: {e}"));
        assert_eq!(emulator.revoke_credentials(), 1);
        let (result, log) = capture_logs(|| call(&client));
        result.unwrap_or_else(|e| panic!("{v:?}: {e}"));
        assert_eq!(
            attempts_in(&log),
            2,
            "{v:?}: refused once, then resent\n{log}"
        );
        assert_eq!(emulator.metadata_credential_requests(), 2, "{v:?}");
        // Revoked again and the role unbound: the refresh fails, naming the provider,
        // and the call is not retried again.
        emulator.revoke_credentials();
        emulator.unbind_instance_role();
        let (result, log) = capture_logs(|| call(&client));
        let e = result.expect_err("no credentials left");
        assert!(
            matches!(
                e.provider().map(|p| p.failure()),
                Some(ProviderFailure::NoRoleBound)
            ),
            "{v:?}: {e:?}"
        );
        let text = e.to_string();
        assert!(
            text.contains("CVM role `app`") && text.contains("no role is bound"),
            "{text}"
        );
        assert_eq!(attempts_in(&log), 2, "{v:?}\n{log}");
    }
}

#[test]
fn credentials_expired_on_the_service_clock_alone_are_refreshed_after_4105() {
    for v in kinds() {
        let emulator = instance();
        // The client's own clock (the real one): it cannot see the emulator's advance.
        let client = driver(
            v,
            Config::builder()
                .endpoint(emulator.base_url())
                .metadata_endpoint(emulator.base_url())
                .use_cvm_role(true)
                .region("gz")
                .http_method(v.http_method),
        );
        call(&client).unwrap_or_else(|e| panic!("{v:?}: {e}"));
        emulator.advance_clock(Duration::from_secs(2 * LIFETIME));
        let (result, log) = capture_logs(|| call(&client));
        result.unwrap_or_else(|e| panic!("{v:?}: {e}"));
        assert_eq!(
            attempts_in(&log),
            2,
            "{v:?}: expired (4105), refreshed, resent\n{log}"
        );
        assert_eq!(emulator.metadata_credential_requests(), 2, "{v:?}");
    }
}

#[test]
fn assume_role_signs_with_the_base_keys_and_calls_with_the_role() {
    let account = Account::demo_a();
    for v in kinds() {
        let emulator = instance();
        let keys = Credentials::new(account.secret_id.clone(), account.secret_key.clone());
        let client = driver(
            v,
            base(&emulator, v)
                .credentials(keys.clone())
                .role_arn(account.role_arn("deployer"))
                .role_session_name("ci-run"),
        );
        call(&client).unwrap_or_else(|e| panic!("{v:?}: {e}"));
        assert_eq!(emulator.issued_credentials(), 1, "{v:?}");
        assert!(
            source_of(&client).starts_with("STS AssumeRole qcs::cam::uin/"),
            "{}",
            source_of(&client)
        );
        let snapshot = credentials_of(&client).unwrap();
        assert!(snapshot.credentials().secret_id().starts_with("AKIDtmp"));
        assert!(snapshot.credentials().token().is_some());
        // A role the emulator does not know: STS's code and message, typed.
        let missing = driver(
            v,
            base(&emulator, v)
                .credentials(keys)
                .role_arn(account.role_arn("nobody")),
        );
        let e = call(&missing).expect_err("no such role");
        match e.provider().map(|p| p.failure()) {
            Some(ProviderFailure::Sts { code, .. }) => {
                assert_eq!(code, "ResourceNotFound.RoleNotExist")
            }
            other => panic!("{v:?}: {other:?}"),
        }
        assert!(
            e.to_string()
                .contains("STS answered ResourceNotFound.RoleNotExist"),
            "{e}"
        );
    }
}

#[test]
fn a_web_identity_token_is_read_from_its_file_on_every_refresh() {
    let account = Account::demo_a();
    let dir = std::env::temp_dir().join(format!("qcapi-oidc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for v in kinds() {
        let emulator = instance();
        let token_file = dir.join(format!("token-{}", v.asynchronous));
        std::fs::write(&token_file, "pod-identity-jwt\n").unwrap();
        let identity = WebIdentity::new(
            "oidc-tke",
            &token_file,
            account.role_arn("deployer"),
            "ap-guangzhou",
        )
        .unwrap()
        .endpoint(&format!("{}/", emulator.base_url()))
        .unwrap();
        let client = driver(v, base(&emulator, v).credentials_provider(identity));
        call(&client).unwrap_or_else(|e| panic!("{v:?}: {e}"));
        // A token the provider no longer accepts: read again at the next refresh.
        std::fs::write(&token_file, "stale-jwt").unwrap();
        emulator.advance_clock(Duration::from_secs(2 * 7200));
        let e = call(&client).expect_err("the token is wrong now");
        assert!(
            e.to_string()
                .contains("InvalidParameter.WebIdentityTokenError"),
            "{v:?}: {e}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn no_secret_of_any_provider_shows_in_logs_debug_or_errors() {
    let account = Account::demo_a();
    for v in kinds() {
        let emulator = instance();
        let client = driver(
            v,
            base(&emulator, v)
                .credentials(Credentials::new(
                    account.secret_id.clone(),
                    account.secret_key.clone(),
                ))
                .role_arn(account.role_arn("deployer")),
        );
        let (result, mut log) = capture_logs(|| call(&client));
        result.unwrap_or_else(|e| panic!("{v:?}: {e}"));
        emulator.revoke_credentials();
        let (result, more) = capture_logs(|| call(&client));
        result.unwrap_or_else(|e| panic!("{v:?}: {e}"));
        log.push_str(&more);
        let snapshot = credentials_of(&client).unwrap();
        let temporary = snapshot.credentials();
        let shown = format!(
            "{log}\n{snapshot:?}\n{:?}\n{:?}",
            client_debug(&client),
            temporary
        );
        let secrets = [
            temporary.secret_key().expose(),
            temporary.token().unwrap().expose(),
            account.secret_key.as_str(),
        ];
        for secret in secrets {
            assert!(!shown.contains(secret), "{v:?}: a secret leaked:\n{shown}");
        }
        assert!(
            log.contains(&temporary.masked_secret_id()) || log.contains("AKID"),
            "{log}"
        );
    }
}

fn client_debug(d: &Driver) -> String {
    match d {
        Driver::Blocking(c) => format!("{c:?}"),
        Driver::Async(_, c) => format!("{c:?}"),
    }
}
