//! Temporary credentials from the command line, against the emulator's metadata
//! service and STS: the instance role (by the default chain and by
//! `--use-cvm-role`), `--role-arn`, a profile's `role_arn`, TKE's OIDC variables,
//! `whoami` with expiry, and a failure naming every source of the chain.

use crate::common;

use common::{Home, Qcapi};
use qcapi_emulator::{Account, Emulator};

const JWT: &str = "pod-identity-jwt-NEVER-SHOWN";

fn emulator(instance_role: bool) -> Emulator {
    let builder = Emulator::builder()
        .role("deployer", Account::demo_a())
        .web_identity_provider("oidc-tke", JWT);
    let builder = if instance_role {
        builder.instance_role("app", Account::demo_a())
    } else {
        builder
    };
    builder.start().expect("emulator")
}

/// The CLI pointed at `emulator` for the API, the metadata service and STS alone.
fn pointed_at(home: &Home, emulator: &Emulator) -> Qcapi {
    Qcapi::new(home)
        .env("TENCENTCLOUD_ENDPOINT", &emulator.base_url())
        .env("TENCENTCLOUD_METADATA_ENDPOINT", &emulator.base_url())
        .env(
            "TENCENTCLOUD_STS_ENDPOINT",
            &format!("{}/", emulator.base_url()),
        )
        .env("TENCENTCLOUD_REGION", "gz")
}

#[test]
fn the_instance_role_signs_calls_and_whoami_says_when_it_expires() {
    let emulator = emulator(true);
    let home = Home::new("cvm-role");
    let q = pointed_at(&home, &emulator);
    // No keys anywhere: the default chain reaches the instance role.
    let run = q.run(&["DescribeVpcEx"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(emulator.metadata_credential_requests(), 1);
    let whoami = q.run(&["whoami"]);
    assert_eq!(whoami.code, 0, "{whoami:#?}");
    let source = format!("source: CVM role `app` (metadata {})", emulator.base_url());
    assert!(whoami.stdout.contains(&source), "{whoami:#?}");
    assert!(whoami.stdout.contains("session token: set"), "{whoami:#?}");
    assert!(whoami.stdout.contains("expires: 20"), "{whoami:#?}");
    assert!(
        whoami.stdout.contains("(in 1h59m)") || whoami.stdout.contains("(in 2h00m)"),
        "{whoami:#?}"
    );
    let json = q.run(&["-o", "json", "whoami"]).json();
    assert!(
        json["expiresAt"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{json}"
    );
    assert!(
        json["secretId"]
            .as_str()
            .is_some_and(|id| id.starts_with("AKID") && id.contains("****")),
        "{json}"
    );
    // With keys in the environment, --use-cvm-role still takes the role.
    let keyed = q.clone().account(&Account::demo_b());
    let before = emulator.metadata_credential_requests();
    let run = keyed.run(&["--use-cvm-role", "whoami"]);
    assert!(run.stdout.contains(&source), "{run:#?}");
    assert_eq!(emulator.metadata_credential_requests(), before + 1);
    let run = keyed.run(&["whoami"]);
    assert!(run.stdout.contains("source: environment"), "{run:#?}");
}

#[test]
fn the_metadata_service_is_never_asked_through_a_proxy() {
    let emulator = emulator(true);
    let home = Home::new("no-proxy");
    let dead = format!("http://127.0.0.1:{}", common::closed_port());
    let q = pointed_at(&home, &emulator)
        .env("HTTP_PROXY", &dead)
        .env("http_proxy", &dead)
        .env("ALL_PROXY", &dead);
    // whoami asks the metadata service only: it works although every proxy is dead.
    let run = q.run(&["--use-cvm-role", "whoami"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stdout.contains("source: CVM role `app`"), "{run:#?}");
}

#[test]
fn role_arn_assumes_the_role_with_the_keys_found() {
    let emulator = emulator(false);
    let home = Home::new("role-arn");
    let account = Account::demo_a();
    let q = pointed_at(&home, &emulator).account(&account);
    let arn = account.role_arn("deployer");
    let run = q.run(&[
        "--role-arn",
        &arn,
        "--role-session-name",
        "ci-run",
        "DescribeVpcEx",
    ]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(emulator.issued_credentials(), 1);
    let whoami = q.run(&["--role-arn", &arn, "whoami"]);
    assert!(
        whoami
            .stdout
            .contains(&format!("source: STS AssumeRole {arn}")),
        "{whoami:#?}"
    );
    assert!(whoami.stdout.contains("expires: "), "{whoami:#?}");
    assert!(!whoami.all().contains(&account.secret_key), "{whoami:#?}");
    // STS's refusal, with its code, and exit status 1.
    let run = q.run(&["--role-arn", &account.role_arn("nobody"), "DescribeVpcEx"]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(
        run.stderr.contains("ResourceNotFound.RoleNotExist"),
        "{run:#?}"
    );
    let run = q.run(&[
        "--role-session-name",
        "x",
        "--role-arn",
        &arn,
        "DescribeVpcEx",
    ]);
    assert_eq!(run.code, 1, "{run:#?}");
    assert!(run.stderr.contains("role_session_name"), "{run:#?}");
}

#[test]
fn a_profile_with_a_role_arn_assumes_it() {
    let emulator = emulator(false);
    let home = Home::new("profile-role");
    let account = Account::demo_a();
    home.write(
        ".tencentcloud/credentials",
        &format!(
            "[default]\nsecret_id = {}\nsecret_key = {}\nrole_arn = {}\nrole_session_name = from-profile\n",
            account.secret_id,
            account.secret_key,
            account.role_arn("deployer")
        ),
    );
    let q = pointed_at(&home, &emulator);
    let run = q.run(&["whoami"]);
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stdout.contains("source: STS AssumeRole"), "{run:#?}");
    assert_eq!(q.run(&["DescribeVpcEx"]).code, 0);
}

#[test]
fn tke_oidc_variables_are_the_last_link_of_the_chain() {
    let emulator = emulator(false);
    let home = Home::new("tke");
    let token = home.write("token", JWT);
    let q = pointed_at(&home, &emulator)
        .env("TKE_PROVIDER_ID", "oidc-tke")
        .env("TKE_WEB_IDENTITY_TOKEN_FILE", token.to_str().unwrap())
        .env("TKE_ROLE_ARN", &Account::demo_a().role_arn("deployer"))
        .env("TKE_REGION", "ap-guangzhou");
    let run = q.run(&["DescribeVpcEx"]);
    assert_eq!(run.code, 0, "{run:#?}");
    let whoami = q.run(&["-v", "whoami"]);
    assert!(whoami.stdout.contains("source: TKE OIDC"), "{whoami:#?}");
    assert!(!whoami.all().contains(JWT), "{whoami:#?}");
}

#[test]
fn with_nothing_configured_every_source_says_why() {
    let emulator = emulator(false);
    let home = Home::new("no-source");
    let run = pointed_at(&home, &emulator).run(&["DescribeVpcEx"]);
    assert_eq!(run.code, 1, "{run:#?}");
    for fragment in [
        "no credentials found",
        "explicit credentials: none given",
        "TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY not set",
        ".tencentcloud/credentials",
        &format!(
            "CVM role (metadata {}): no role is bound to this instance",
            emulator.base_url()
        ),
        "TKE OIDC: TKE_PROVIDER_ID, TKE_WEB_IDENTITY_TOKEN_FILE, TKE_ROLE_ARN, TKE_REGION not set",
    ] {
        assert!(
            run.stderr.contains(fragment),
            "lacks {fragment}: {}",
            run.stderr
        );
    }
}
