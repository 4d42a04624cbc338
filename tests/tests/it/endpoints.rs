//! Endpoints per module and per deployment: a domain hosts are derived from,
//! one endpoint for every module, per-module overrides, from the builder, the
//! environment and the profile file, in that order; the signed host is always the
//! host requested.

use std::process::Command;

use qcapi_core::{Config, Error, build_request, vpc};
use qcapi_emulator::{Account, Emulator};

/// The `from_environment` example, which `cargo test` builds beside the tests.
fn example() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test binary");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/debug");
    let path = dir.join("examples").join("from_environment");
    assert!(
        path.exists(),
        "{} is missing: run `cargo test -p qcapi-tests` (it builds the examples)",
        path.display()
    );
    path
}

/// An application with no configuration in code, pointed at the emulator by
/// `TENCENTCLOUD_ENDPOINT` alone (and, the other way, by `TENCENTCLOUD_DOMAIN`, which
/// derives `vpc.<domain>`: refused here, since no such host exists offline).
#[test]
fn the_environment_alone_points_an_application_at_the_emulator() {
    let emulator = Emulator::start().unwrap();
    let account = Account::demo_a();
    for mode in ["blocking", "async"] {
        let run = |extra: &[(&str, &str)]| {
            let mut command = Command::new(example());
            command
                .arg(mode)
                .env_clear()
                .env("TENCENTCLOUD_SECRET_ID", &account.secret_id)
                .env("TENCENTCLOUD_SECRET_KEY", &account.secret_key)
                .env("TENCENTCLOUD_REGION", "gz")
                .env("HOME", std::env::temp_dir());
            for (name, value) in extra {
                command.env(name, value);
            }
            command.output().expect("the example runs")
        };
        let out = run(&[("TENCENTCLOUD_ENDPOINT", &emulator.base_url())]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{mode}: {out:?}");
        assert!(
            stdout.contains(&format!("endpoint {}/v2/index.php", emulator.base_url())),
            "{stdout}"
        );
        assert!(stdout.contains(" VPCs"), "{stdout}");

        let out = run(&[("TENCENTCLOUD_ENDPOINT", "http://127.0.0.1:99999")]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{mode}: {out:?}");
        assert!(stderr.contains("TENCENTCLOUD_ENDPOINT"), "{stderr}");
    }
}

/// Which endpoint a VPC request goes to, for builder settings.
#[test]
fn the_builder_derives_or_overrides_each_module() {
    type Setup = fn(qcapi_core::ConfigBuilder) -> qcapi_core::ConfigBuilder;
    fn check(setup: Setup, expected: Result<&str, &str>) {
        let built = setup(Config::builder()).build();
        match (built, expected) {
            (Ok(config), Ok(url)) => {
                assert_eq!(config.endpoints().for_service("vpc").base_url(), url);
                // The signed host is the host requested.
                let request = build_request(
                    &vpc::DescribeVpcEx::new(),
                    &Config::builder()
                        .credentials(qcapi_core::Credentials::new("AKIDx", "k"))
                        .endpoint(url)
                        .build()
                        .unwrap(),
                    qcapi_core::SignContext::new(1, 2),
                )
                .unwrap();
                let host = url.split("://").nth(1).unwrap().split('/').next().unwrap();
                assert!(request.string_to_sign().starts_with(&format!("GET{host}/")));
            }
            (Err(Error::InvalidInput { parameter, .. }), Err(name)) => assert_eq!(parameter, name),
            (got, expected) => panic!("{got:?}, expected {expected:?}"),
        }
    }
    check(|b| b, Ok("https://vpc.api.qcloud.com/v2/index.php"));
    check(
        |b| b.domain("tce.corp"),
        Ok("https://vpc.tce.corp/v2/index.php"),
    );
    check(
        |b| b.domain("tce.corp").scheme("http"),
        Ok("http://vpc.tce.corp/v2/index.php"),
    );
    check(
        |b| b.domain("tce.corp").endpoint("http://127.0.0.1:9000"),
        Ok("http://127.0.0.1:9000/v2/index.php"),
    );
    check(
        |b| {
            b.endpoint("http://127.0.0.1:9000")
                .module_endpoint("vpc", "https://vpc.gw.corp:8443/api")
        },
        Ok("https://vpc.gw.corp:8443/api"),
    );
    check(
        |b| b.module_endpoint("cvm", "http://127.0.0.1:1"),
        Ok("https://vpc.api.qcloud.com/v2/index.php"),
    );
    check(|b| b.domain("http://tce.corp"), Err("domain"));
    check(|b| b.domain(""), Err("domain"));
    check(|b| b.scheme("ftp"), Err("scheme"));
    check(
        |b| b.module_endpoint("vpc", "nope"),
        Err("module_endpoint(vpc)"),
    );
}

/// The environment, then the profile, fill in what the builder left unset; a builder
/// setting wins over both; per-module overrides stay.
#[test]
fn environment_then_profile_then_default() {
    type Profile<'a> = Option<(&'a str, Option<&'a str>, Option<&'a str>)>;
    fn check(
        builder: qcapi_core::ConfigBuilder,
        env: (Option<&str>, Option<&str>),
        profile: Profile<'_>,
        expected: Result<&str, &str>,
    ) {
        let got = builder
            .build()
            .unwrap()
            .with_endpoints_from(env.0, env.1, profile);
        match (got, expected) {
            (Ok(config), Ok(url)) => {
                assert_eq!(config.endpoints().for_service("vpc").base_url(), url)
            }
            (Err(Error::InvalidInput { parameter, .. }), Err(name)) => assert_eq!(parameter, name),
            (got, expected) => panic!("{got:?}, expected {expected:?}"),
        }
    }
    let b = Config::builder;
    let profile = Some(("profile default in f", Some("http://127.0.0.1:7000"), None));
    let profile_domain = Some(("profile default in f", None, Some("tce.profile")));
    check(
        b(),
        (None, None),
        None,
        Ok("https://vpc.api.qcloud.com/v2/index.php"),
    );
    check(
        b(),
        (Some("http://127.0.0.1:9000"), None),
        profile,
        Ok("http://127.0.0.1:9000/v2/index.php"),
    );
    check(
        b(),
        (None, Some("tce.env")),
        profile,
        Ok("https://vpc.tce.env/v2/index.php"),
    );
    check(
        b(),
        (None, None),
        profile,
        Ok("http://127.0.0.1:7000/v2/index.php"),
    );
    check(
        b(),
        (None, None),
        profile_domain,
        Ok("https://vpc.tce.profile/v2/index.php"),
    );
    check(
        b().domain("tce.code"),
        (Some("http://127.0.0.1:9000"), None),
        profile,
        Ok("https://vpc.tce.code/v2/index.php"),
    );
    check(
        b().module_endpoint("vpc", "http://127.0.0.1:1"),
        (Some("http://127.0.0.1:9000"), None),
        None,
        Ok("http://127.0.0.1:1/v2/index.php"),
    );
    check(
        b(),
        (Some("http://h:abc"), None),
        None,
        Err("TENCENTCLOUD_ENDPOINT"),
    );
    check(b(), (None, Some("a/b")), None, Err("TENCENTCLOUD_DOMAIN"));
    check(
        b(),
        (None, None),
        Some(("profile p in f", Some("nope"), None)),
        Err("profile p in f: endpoint/domain"),
    );
}

/// `app_name` follows qcapi's own `RequestClient`, validated.
#[test]
fn request_client_carries_the_application_name() {
    fn check(name: &str, expected: Result<&str, ()>) {
        match (Config::builder().app_name(name).build(), expected) {
            (Ok(config), Ok(suffix)) => assert_eq!(
                config.request_client(),
                format!("{}; {suffix}", qcapi_core::REQUEST_CLIENT)
            ),
            (Err(Error::InvalidInput { parameter, .. }), Err(())) => {
                assert_eq!(parameter, "app_name")
            }
            (got, expected) => panic!("{name:?}: {got:?}, expected {expected:?}"),
        }
    }
    check("billing-sync/1.4", Ok("billing-sync/1.4"));
    check("a b (c)", Ok("a b (c)"));
    check("", Err(()));
    check("   ", Err(()));
    check("naïve", Err(()));
    check("tab\there", Err(()));
    check(&"x".repeat(65), Err(()));
    check(&"x".repeat(64), Ok(&"x".repeat(64)));
}
