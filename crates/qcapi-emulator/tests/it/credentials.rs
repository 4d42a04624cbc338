//! Temporary credentials over real loopback sockets: the CVM metadata paths,
//! STS AssumeRole and AssumeRoleWithWebIdentity, temporary keys on the legacy
//! endpoint (Token, expiry on the emulator clock), the 4500 clock-skew message,
//! and an emulator whose clock runs ahead or behind.

use qcapi_tests::wire as common;

use std::time::Duration;

use common::{agent, config, expect_ok, nonce, now, send};
use qcapi_core::{
    Credentials, HttpMethod, Params, SignContext, SignatureMethod, build_request, sign, vpc,
};
use qcapi_emulator::{Account, Emulator, Fault, METADATA_FAULT_ACTION};
use serde_json::{Value, json};

const ROLE: &str = "qcapi-role";
const PROVIDER: &str = "tke-oidc-1";
const WEB_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.emulator-web-identity-token";
const METADATA: &str = "/latest/meta-data/cam/security-credentials/";

/// A change to a request's parameters before signing.
type Edit = Box<dyn FnOnce(&mut Params)>;
/// Headers to override on an AssumeRoleWithWebIdentity request.
type Headers<'a> = Vec<(&'a str, &'a str)>;

/// `GET path` on the emulator: status and body text.
fn get(emulator: &Emulator, path: &str) -> (u16, String) {
    let mut response = agent()
        .get(format!("{}{path}", emulator.base_url()))
        .call()
        .expect("an answer");
    let status = response.status().as_u16();
    (
        status,
        response.body_mut().read_to_string().expect("a body"),
    )
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Form encoding for the test requests: everything but unreserved bytes as `%XX`.
fn form(params: &Params) -> String {
    let encode = |text: &str| {
        text.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    params
        .iter()
        .map(|(n, v)| format!("{}={}", encode(n), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// An AssumeRole form for `role_arn`, `edit`ed, then signed (with core's
/// signer) with `key` over `POST<host>/`, unless `edit` set a Signature.
fn assume_role_params(
    emulator: &Emulator,
    secret_id: &str,
    key: &str,
    role_arn: &str,
    edit: impl FnOnce(&mut Params),
) -> Params {
    let mut params = Params::new();
    for (name, value) in [
        ("Action", "AssumeRole"),
        ("Version", "2018-08-13"),
        ("Region", "ap-guangzhou"),
        ("SecretId", secret_id),
        ("Timestamp", &now().to_string()),
        ("Nonce", &nonce().to_string()),
        ("SignatureMethod", "HmacSHA256"),
        ("RoleArn", role_arn),
        ("RoleSessionName", "ci-session"),
    ] {
        params.push(name, value);
    }
    edit(&mut params);
    if params.get("Signature").is_none() {
        let host = emulator.addr().to_string();
        let text = sign::string_to_sign("POST", &host, "/", params.iter());
        let signature = sign::sign(key, SignatureMethod::HmacSha256, &text);
        params.push("Signature", signature);
    }
    params
}

/// POSTs a form to `/`; the STS answer.
fn post_form(emulator: &Emulator, params: &Params) -> Value {
    let mut response = agent()
        .post(format!("{}/", emulator.base_url()))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(form(params))
        .expect("an answer");
    assert_eq!(response.status().as_u16(), 200);
    json(&response.body_mut().read_to_string().expect("a body"))
}

fn assume_role(emulator: &Emulator, account: &Account, edit: impl FnOnce(&mut Params)) -> Value {
    let params = assume_role_params(
        emulator,
        &account.secret_id,
        &account.secret_key,
        &account.role_arn(ROLE),
        edit,
    );
    post_form(emulator, &params)
}

/// An AssumeRoleWithWebIdentity request: the standard headers with `headers`
/// overriding or adding (an empty value removes one), and `body`.
fn web_identity(emulator: &Emulator, headers: &[(&str, &str)], body: &Value) -> Value {
    let timestamp = now().to_string();
    let mut all: Vec<(String, String)> = [
        ("Authorization", "SKIP"),
        ("X-TC-Action", "AssumeRoleWithWebIdentity"),
        ("X-TC-Version", "2018-08-13"),
        ("X-TC-Region", "ap-guangzhou"),
        ("X-TC-Timestamp", timestamp.as_str()),
        ("Content-Type", "application/json"),
    ]
    .iter()
    .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
    .collect();
    for (name, value) in headers {
        all.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        if !value.is_empty() {
            all.push(((*name).to_owned(), (*value).to_owned()));
        }
    }
    let mut request = agent().post(format!("{}/", emulator.base_url()));
    for (name, value) in &all {
        request = request.header(name.as_str(), value.as_str());
    }
    let mut response = request.send(body.to_string()).expect("an answer");
    assert_eq!(response.status().as_u16(), 200);
    json(&response.body_mut().read_to_string().expect("a body"))
}

fn web_body(token: &str, arn: &str) -> Value {
    json!({
        "ProviderId": PROVIDER,
        "WebIdentityToken": token,
        "RoleArn": arn,
        "RoleSessionName": "tke-pod",
        "DurationSeconds": 3600,
    })
}

/// STS's `Response.Error.Code`, or `""` on success.
fn sts_error(body: &Value) -> &str {
    body["Response"]["Error"]["Code"]
        .as_str()
        .unwrap_or_default()
}

/// The credentials of an STS success answer, checking its shape.
fn sts_credentials(body: &Value) -> (Credentials, i64) {
    let response = &body["Response"];
    assert_eq!(sts_error(body), "", "{body}");
    let request_id = response["RequestId"].as_str().unwrap_or_default();
    assert_eq!(request_id.len(), 36, "{body}");
    let c = &response["Credentials"];
    let field = |name: &str| {
        c[name]
            .as_str()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| panic!("no {name}: {body}"))
            .to_owned()
    };
    let expired = response["ExpiredTime"].as_i64().expect("ExpiredTime");
    check_expiration(&response["Expiration"], expired);
    let credentials =
        Credentials::new(field("TmpSecretId"), field("TmpSecretKey")).with_token(field("Token"));
    (credentials, expired)
}

/// `Expiration` is ISO 8601 UTC (`YYYY-MM-DDTHH:MM:SSZ`) of `ExpiredTime`: same day count and clock.
fn check_expiration(expiration: &Value, expired: i64) {
    let text = expiration.as_str().unwrap_or_default();
    assert_eq!(text.len(), 20, "{text}");
    assert_eq!((&text[10..11], &text[19..]), ("T", "Z"), "{text}");
    let secs_of_day = expired.rem_euclid(86_400);
    let clock = format!(
        "{:02}:{:02}:{:02}",
        secs_of_day / 3600,
        secs_of_day % 3600 / 60,
        secs_of_day % 60
    );
    assert_eq!(&text[11..19], clock, "{text} for {expired}");
}

/// A legacy DescribeVpcEx signed with `credentials` (Token included when set).
fn legacy(emulator: &Emulator, credentials: Credentials) -> Value {
    legacy_action(emulator, credentials, &vpc::DescribeVpcEx::new())
}

fn legacy_action(
    emulator: &Emulator,
    credentials: Credentials,
    action: &impl qcapi_core::Action,
) -> Value {
    let config = qcapi_core::Config::builder()
        .endpoint(emulator.base_url())
        .credentials(credentials)
        .region("gz")
        .build()
        .expect("a valid configuration");
    let request =
        build_request(action, &config, SignContext::new(now(), nonce())).expect("a request");
    send(&request).1
}

fn metadata_credentials(emulator: &Emulator) -> (Credentials, i64) {
    let (status, text) = get(emulator, &format!("{METADATA}{ROLE}"));
    assert_eq!(status, 200, "{text}");
    let body = json(&text);
    assert_eq!(body["Code"], "Success", "{body}");
    let expired = body["ExpiredTime"].as_i64().expect("ExpiredTime");
    check_expiration(&body["Expiration"], expired);
    let field = |name: &str| body[name].as_str().expect(name).to_owned();
    let credentials =
        Credentials::new(field("TmpSecretId"), field("TmpSecretKey")).with_token(field("Token"));
    (credentials, expired)
}

fn message(body: &Value) -> &str {
    body["message"].as_str().unwrap_or_default()
}

/// The `N` of a message ending `Timestamp = N`.
fn trailing_timestamp(message: &str) -> Option<i64> {
    message.rsplit_once("Timestamp = ")?.1.parse().ok()
}

#[test]
fn metadata_without_a_role_is_not_found() {
    let emulator = Emulator::start().expect("start");
    assert_eq!(get(&emulator, METADATA).0, 404);
    assert_eq!(get(&emulator, &format!("{METADATA}{ROLE}")).0, 404);
    assert_eq!(emulator.metadata_requests(), 2);
    assert_eq!(emulator.issued_credentials(), 0);
}

#[test]
fn metadata_hands_out_working_credentials_for_the_bound_role() {
    let account = Account::demo_a();
    let emulator = Emulator::builder()
        .instance_role(ROLE, account.clone())
        .start()
        .expect("start");
    let (status, name) = get(&emulator, METADATA);
    assert_eq!((status, name.as_str()), (200, ROLE));
    assert_eq!(
        emulator.metadata_requests(),
        1,
        "exactly one request so far"
    );

    let before = emulator.now();
    assert_eq!(emulator.metadata_credential_requests(), 0);
    let (credentials, expired) = metadata_credentials(&emulator);
    assert_eq!(emulator.metadata_requests(), 2);
    assert_eq!(emulator.metadata_credential_requests(), 1);
    assert!(
        (before + 7200..=emulator.now() + 7200).contains(&expired),
        "{expired}"
    );
    assert!(credentials.secret_id().starts_with("AKID"));

    // The temporary key acts as account A: a VPC it creates is A's.
    expect_ok(legacy_action(
        &emulator,
        credentials,
        &vpc::CreateVpc::new("from-role", "10.0.0.0/16"),
    ));
    let seen = expect_ok(legacy(&emulator, account.credentials()));
    assert_eq!(seen["totalCount"], 1, "{seen}");
    let other = expect_ok(legacy(&emulator, Account::demo_b().credentials()));
    assert_eq!(other["totalCount"], 0, "{other}");

    // Another role name, and other methods, are refused (and still counted).
    assert_eq!(get(&emulator, &format!("{METADATA}other-role")).0, 404);
    let response = agent()
        .post(format!("{}{METADATA}{ROLE}", emulator.base_url()))
        .send("")
        .expect("an answer");
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(emulator.metadata_requests(), 4);
    assert_eq!(
        emulator.metadata_credential_requests(),
        2,
        "other-role, not the POST"
    );
}

#[test]
fn the_lifetime_is_configurable_and_the_role_rebindable() {
    let emulator = Emulator::builder()
        .credential_lifetime(Duration::from_secs(60))
        .start()
        .expect("start");
    let admin = format!("{}/_emulator/instance-role", emulator.base_url());
    let post = |query: &str| {
        let mut response = agent()
            .post(format!("{admin}{query}"))
            .send("")
            .expect("an answer");
        let status = response.status().as_u16();
        (
            status,
            json(&response.body_mut().read_to_string().expect("a body")),
        )
    };
    for bad in [
        "",
        "?name=qcapi-role",
        "?name=bad%20name&secretId=AKIDemulatorAccountA0000000000000001",
        "?name=qcapi-role&secretId=AKIDnobody",
    ] {
        assert_eq!(post(bad).0, 400, "{bad}");
    }
    let (status, body) = post(&format!(
        "?name={ROLE}&secretId={}",
        qcapi_emulator::DEMO_B_SECRET_ID
    ));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["arn"], Account::demo_b().role_arn(ROLE), "{body}");
    assert_eq!(
        json(&get(&emulator, "/_emulator/instance-role").1)["role"],
        ROLE
    );

    let before = emulator.now();
    let (credentials, expired) = metadata_credentials(&emulator);
    assert!((before + 60..=emulator.now() + 60).contains(&expired));
    expect_ok(legacy(&emulator, credentials));

    let response = agent().delete(&admin).call().expect("an answer");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(get(&emulator, METADATA).0, 404);
    // The library methods do the same.
    emulator.bind_instance_role("lib-role", &Account::demo_a());
    assert_eq!(get(&emulator, METADATA).1, "lib-role");
    emulator.unbind_instance_role();
    assert_eq!(get(&emulator, METADATA).0, 404);
}

#[test]
fn temporary_keys_need_their_token_and_expire_on_the_emulator_clock() {
    let emulator = Emulator::builder()
        .instance_role(ROLE, Account::demo_a())
        .start()
        .expect("start");
    let (credentials, _) = metadata_credentials(&emulator);
    let issued = credentials.token().expect("a token").expose().to_owned();
    let token = issued.clone();
    let bare = Credentials::new(
        credentials.secret_id(),
        credentials.secret_key().expose().to_owned(),
    );
    let cases = [
        ("the issued token", Some(token.clone()), 0),
        ("no token", None, 4105),
        ("a wrong token", Some(format!("{token}x")), 4105),
        ("an empty token", Some(String::new()), 4105),
    ];
    for (what, token, code) in cases {
        let sent = match token {
            Some(token) => bare.clone().with_token(token),
            None => bare.clone(),
        };
        let body = legacy(&emulator, sent);
        assert_eq!(body["code"], code, "{what}: {body}");
        if code == 4105 {
            assert_eq!(body["codeDesc"], "InvalidToken", "{what}: {body}");
            assert!(!body.to_string().contains(&issued), "{what}: {body}");
        }
    }
    // Valid until 7200 s of emulator time have passed.
    emulator.advance_clock(Duration::from_secs(7190));
    expect_ok(legacy(&emulator, credentials.clone()));
    let response = agent()
        .post(format!(
            "{}/_emulator/clock/advance?seconds=11",
            emulator.base_url()
        ))
        .send("")
        .expect("an answer");
    assert_eq!(response.status().as_u16(), 200);
    let body = legacy(&emulator, credentials);
    assert_eq!(body["code"], 4105, "{body}");
    assert!(message(&body).contains("expired"), "{body}");
    assert!(!message(&body).contains(&token), "{body}");
    // A permanent key ignores the clock.
    expect_ok(legacy(&emulator, Account::demo_a().credentials()));
}

#[test]
fn assume_role_issues_credentials_for_the_callers_roles() {
    let a = Account::demo_a();
    let b = Account::demo_b();
    let emulator = Emulator::builder()
        .role(ROLE, a.clone())
        .role("b-role", b.clone())
        .start()
        .expect("start");

    let before = emulator.now();
    let body = assume_role(&emulator, &a, |p| p.push("DurationSeconds", "900"));
    let (credentials, expired) = sts_credentials(&body);
    assert!(
        (before + 900..=emulator.now() + 900).contains(&expired),
        "{body}"
    );
    let body = assume_role(&emulator, &a, |p| {
        p.push("Policy", "{\"version\":\"2.0\"}");
        p.push("ExternalId", "ext");
    });
    let (_, default_expiry) = sts_credentials(&body);
    assert!(default_expiry >= before + 7200, "{body}");

    // DurationSeconds bounds the credentials' life on the emulator clock.
    expect_ok(legacy(&emulator, credentials.clone()));
    emulator.advance_clock(Duration::from_secs(901));
    assert_eq!(legacy(&emulator, credentials)["code"], 4105);

    let cases: [(&str, Edit, &str); 12] = [
        (
            "a bad signature",
            Box::new(|p| p.push("Signature", "AAAA")),
            "AuthFailure.SignatureFailure",
        ),
        (
            "signed over another path",
            Box::new(|p| {
                let text = sign::string_to_sign("POST", "elsewhere", "/", p.iter());
                let s = sign::sign(
                    qcapi_emulator::DEMO_A_SECRET_KEY,
                    SignatureMethod::HmacSha256,
                    &text,
                );
                p.push("Signature", s);
            }),
            "AuthFailure.SignatureFailure",
        ),
        (
            "an unknown SecretId",
            Box::new(|p| p.set("SecretId", "AKIDnobody")),
            "AuthFailure.SecretIdNotFound",
        ),
        (
            "a zero duration",
            Box::new(|p| p.push("DurationSeconds", "0")),
            "InvalidParameterValue",
        ),
        (
            "a too long duration",
            Box::new(|p| p.push("DurationSeconds", "43201")),
            "InvalidParameterValue",
        ),
        (
            "a non-numeric duration",
            Box::new(|p| p.push("DurationSeconds", "2h")),
            "InvalidParameterValue",
        ),
        (
            "an undeclared role",
            Box::new(|p| p.set("RoleArn", Account::demo_a().role_arn("nobody"))),
            "ResourceNotFound.RoleNotExist",
        ),
        (
            "a malformed ARN",
            Box::new(|p| p.set("RoleArn", "arn:aws:iam::1:role/x")),
            "InvalidParameterValue",
        ),
        (
            "another account's role",
            Box::new(|p| p.set("RoleArn", Account::demo_b().role_arn("b-role"))),
            "AuthFailure.UnauthorizedOperation",
        ),
        (
            "no session name",
            Box::new(|p| p.remove("RoleSessionName")),
            "MissingParameter",
        ),
        (
            "another version",
            Box::new(|p| p.set("Version", "2017-03-12")),
            "NoSuchVersion",
        ),
        (
            "a stale timestamp",
            Box::new(|p| p.set("Timestamp", (now() - 1000).to_string())),
            "AuthFailure.SignatureExpire",
        ),
    ];
    for (what, edit, code) in cases {
        let body = assume_role(&emulator, &a, edit);
        assert_eq!(sts_error(&body), code, "{what}: {body}");
        let message = body["Response"]["Error"]["Message"]
            .as_str()
            .unwrap_or_default();
        assert!(!message.is_empty(), "{what}: {body}");
        assert!(body["Response"]["RequestId"].is_string(), "{what}: {body}");
        assert!(body["Response"].get("Credentials").is_none(), "{body}");
    }

    // Unknown actions, a replayed nonce, and GET are refused too.
    let body = assume_role(&emulator, &a, |p| p.set("Action", "GetFederationToken"));
    assert_eq!(sts_error(&body), "InvalidAction", "{body}");
    let params = assume_role_params(
        &emulator,
        &a.secret_id,
        &a.secret_key,
        &a.role_arn(ROLE),
        |_| {},
    );
    sts_credentials(&post_form(&emulator, &params));
    let body = post_form(&emulator, &params);
    assert_eq!(sts_error(&body), "InvalidParameterValue", "{body}");
    assert!(body.to_string().contains("already used"), "{body}");
    assert_eq!(get(&emulator, "/").0, 405);
}

#[test]
fn temporary_keys_can_assume_roles_of_their_account() {
    let emulator = Emulator::builder()
        .role(ROLE, Account::demo_a())
        .start()
        .expect("start");
    let (credentials, _) = sts_credentials(&assume_role(&emulator, &Account::demo_a(), |_| {}));
    let token = credentials.token().expect("a token").expose().to_owned();
    let with = |token: &str| {
        let params = assume_role_params(
            &emulator,
            credentials.secret_id(),
            credentials.secret_key().expose(),
            &Account::demo_a().role_arn(ROLE),
            |p| p.push("Token", token),
        );
        post_form(&emulator, &params)
    };
    sts_credentials(&with(&token));
    assert_eq!(sts_error(&with("wrong")), "AuthFailure.TokenFailure");
}

#[test]
fn assume_role_with_web_identity() {
    let emulator = Emulator::builder()
        .role(ROLE, Account::demo_b())
        .web_identity_provider(PROVIDER, WEB_TOKEN)
        .start()
        .expect("start");
    let arn = Account::demo_b().role_arn(ROLE);

    let before = emulator.now();
    let body = web_identity(&emulator, &[], &web_body(WEB_TOKEN, &arn));
    let (credentials, expired) = sts_credentials(&body);
    assert!((before + 3600..=emulator.now() + 3600).contains(&expired));
    // The credentials act as the role's account (B).
    expect_ok(legacy_action(
        &emulator,
        credentials,
        &vpc::CreateVpc::new("from-pod", "10.1.0.0/16"),
    ));
    let seen = expect_ok(legacy(&emulator, Account::demo_b().credentials()));
    assert_eq!(seen["totalCount"], 1, "{seen}");

    let mut string_duration = web_body(WEB_TOKEN, &arn);
    string_duration["DurationSeconds"] = json!("600");
    sts_credentials(&web_identity(&emulator, &[], &string_duration));
    let mut no_duration = web_body(WEB_TOKEN, &arn);
    no_duration
        .as_object_mut()
        .map(|o| o.remove("DurationSeconds"));
    sts_credentials(&web_identity(&emulator, &[], &no_duration));

    let mut unknown_provider = web_body(WEB_TOKEN, &arn);
    unknown_provider["ProviderId"] = json!("other");
    let mut long = web_body(WEB_TOKEN, &arn);
    long["DurationSeconds"] = json!(43_201);
    let mut no_token = web_body(WEB_TOKEN, &arn);
    no_token
        .as_object_mut()
        .map(|o| o.remove("WebIdentityToken"));
    let stale = (now() - 1000).to_string();
    let cases: [(&str, Headers<'_>, Value, &str); 9] = [
        (
            "a wrong token",
            vec![],
            web_body("forged", &arn),
            "InvalidParameter.WebIdentityTokenError",
        ),
        (
            "an unknown provider",
            vec![],
            unknown_provider,
            "InvalidParameterValue",
        ),
        (
            "an undeclared role",
            vec![],
            web_body(WEB_TOKEN, &Account::demo_b().role_arn("nobody")),
            "ResourceNotFound.RoleNotExist",
        ),
        ("a too long duration", vec![], long, "InvalidParameterValue"),
        ("no token", vec![], no_token, "MissingParameter"),
        (
            "a signed request",
            vec![("Authorization", "TC3-HMAC-SHA256 Credential=x")],
            web_body(WEB_TOKEN, &arn),
            "AuthFailure.InvalidAuthorization",
        ),
        (
            "another version",
            vec![("X-TC-Version", "2019-01-01")],
            web_body(WEB_TOKEN, &arn),
            "NoSuchVersion",
        ),
        (
            "a stale timestamp",
            vec![("X-TC-Timestamp", stale.as_str())],
            web_body(WEB_TOKEN, &arn),
            "AuthFailure.SignatureExpire",
        ),
        (
            "not JSON",
            vec![],
            Value::String("not an object".to_owned()),
            "InvalidParameter",
        ),
    ];
    for (what, headers, body, code) in cases {
        let answer = web_identity(&emulator, &headers, &body);
        assert_eq!(sts_error(&answer), code, "{what}: {answer}");
        assert!(!answer.to_string().contains(WEB_TOKEN), "{what}: {answer}");
    }
}

#[test]
fn a_stale_timestamp_reports_the_emulators_time_and_a_replay_does_not() {
    let emulator = Emulator::start().expect("start");
    let account = Account::demo_a();
    let request_at = |timestamp: u64| {
        let config = config(
            &emulator,
            &account,
            HttpMethod::Get,
            SignatureMethod::HmacSha256,
        );
        build_request(
            &vpc::DescribeVpcEx::new(),
            &config,
            SignContext::new(timestamp, nonce()),
        )
        .expect("a request")
    };
    for offset in [-1000_i64, 1000, -301, 301] {
        let before = emulator.now();
        let sent = now().saturating_add_signed(offset);
        let body = send(&request_at(sent)).1;
        let after = emulator.now();
        assert_eq!(
            (body["code"].as_i64(), &body["codeDesc"]),
            (Some(4500), &json!("ReplayAttack")),
            "{body}"
        );
        let text = message(&body);
        let server_time = trailing_timestamp(text).unwrap_or_else(|| panic!("{text}"));
        assert!((before..=after).contains(&server_time), "{text}");
        assert!(text.contains("the server's time is 20"), "{text}");
        assert!(
            text.ends_with(&format!(", Timestamp = {server_time}")),
            "{text}"
        );
    }

    let request = request_at(now());
    expect_ok(send(&request).1);
    let body = send(&request).1;
    assert_eq!(body["code"], 4500, "{body}");
    let text = message(&body);
    assert!(
        text.contains("Nonce") && text.contains("already used"),
        "{text}"
    );
    assert_eq!(trailing_timestamp(text), None, "{text}");
    assert!(!text.contains("Timestamp = "), "{text}");
}

#[test]
fn a_skewed_emulator_checks_timestamps_against_its_own_clock() {
    for offset in [3600_i64, -3600] {
        let emulator = Emulator::builder()
            .clock_offset(offset)
            .instance_role(ROLE, Account::demo_a())
            .start()
            .expect("start");
        let skewed = |ts: u64| {
            let config = config(
                &emulator,
                &Account::demo_a(),
                HttpMethod::Post,
                SignatureMethod::HmacSha256,
            );
            let request = build_request(
                &vpc::DescribeVpcEx::new(),
                &config,
                SignContext::new(ts, nonce()),
            )
            .expect("a request");
            send(&request).1
        };
        // A client on the real clock is an hour off.
        let body = skewed(now());
        assert_eq!(body["code"], 4500, "{offset}: {body}");
        let server_time = trailing_timestamp(message(&body)).expect("a server time");
        let real = i64::try_from(now()).expect("a sane clock");
        assert!(
            (server_time - real - offset).abs() <= 2,
            "{offset}: {server_time} vs {real}"
        );
        // Corrected by what the message said, it succeeds.
        let corrected = u64::try_from(server_time).expect("after 1970");
        expect_ok(skewed(corrected));
        // Emulator time, and so credential expiry, follow the skewed clock.
        assert!((emulator.now() - real - offset).abs() <= 2);
        let (_, expired) = metadata_credentials(&emulator);
        assert!(
            (expired - real - offset - 7200).abs() <= 2,
            "{offset}: {expired}"
        );
    }
}

#[test]
fn bad_settings_are_refused() {
    let cases = [
        Emulator::builder().credential_lifetime(Duration::ZERO),
        Emulator::builder().credential_lifetime(Duration::from_secs(43_201)),
        Emulator::builder().clock_offset(i64::MAX),
        Emulator::builder().role("bad name", Account::demo_a()),
        Emulator::builder().instance_role("", Account::demo_a()),
        Emulator::builder().web_identity_provider("", "t"),
        Emulator::builder()
            .web_identity_provider("p", "t")
            .web_identity_provider("p", "u"),
    ];
    for (i, builder) in cases.into_iter().enumerate() {
        let err = builder.start().expect_err("refused");
        assert_eq!(
            err.kind(),
            std::io::ErrorKind::InvalidInput,
            "case {i}: {err}"
        );
    }
}

#[test]
fn faults_apply_to_the_credential_endpoints_only_when_named() {
    let emulator = Emulator::builder()
        .instance_role(ROLE, Account::demo_a())
        .role(ROLE, Account::demo_a())
        .web_identity_provider(PROVIDER, WEB_TOKEN)
        .start()
        .expect("start");
    let creds_path = format!("{METADATA}{ROLE}");

    // A rule without an action is for /v2/index.php: metadata does not spend it.
    emulator.inject(Fault::throttle().times(1));
    assert_eq!(get(&emulator, &creds_path).0, 200);
    let body = legacy(&emulator, Account::demo_a().credentials());
    assert_eq!(body["code"], 4400, "{body}");

    let metadata_cases = [
        (Fault::http_status(503), 503),
        (Fault::throttle(), 429),
        (Fault::latency(Duration::from_millis(50)), 200),
    ];
    for (fault, status) in metadata_cases {
        emulator.inject(fault.for_action(METADATA_FAULT_ACTION).times(1));
        assert_eq!(get(&emulator, &creds_path).0, status);
        assert_eq!(get(&emulator, &creds_path).0, 200, "spent after one");
    }
    emulator.inject(
        Fault::close_connection()
            .for_action(METADATA_FAULT_ACTION)
            .times(1),
    );
    let closed = agent()
        .get(format!("{}{creds_path}", emulator.base_url()))
        .call();
    assert!(closed.is_err(), "{closed:?}");
    assert_eq!(get(&emulator, &creds_path).0, 200);
    assert_eq!(
        emulator.metadata_requests(),
        9,
        "faulted requests count too"
    );

    emulator.inject(Fault::throttle().for_action("AssumeRole").times(1));
    let body = assume_role(&emulator, &Account::demo_a(), |_| {});
    assert_eq!(sts_error(&body), "RequestLimitExceeded", "{body}");
    sts_credentials(&assume_role(&emulator, &Account::demo_a(), |_| {}));

    emulator.inject(
        Fault::http_status(502)
            .for_action("AssumeRoleWithWebIdentity")
            .times(1),
    );
    let arn = Account::demo_a().role_arn(ROLE);
    let response = agent()
        .post(format!("{}/", emulator.base_url()))
        .header("X-TC-Action", "AssumeRoleWithWebIdentity")
        .send(web_body(WEB_TOKEN, &arn).to_string())
        .expect("an answer");
    assert_eq!(response.status().as_u16(), 502);
    sts_credentials(&web_identity(&emulator, &[], &web_body(WEB_TOKEN, &arn)));
}

#[test]
fn revoked_credentials_answer_4105_and_new_ones_work() {
    let emulator = Emulator::builder()
        .instance_role(ROLE, Account::demo_a())
        .start()
        .expect("start");
    let (old, _) = metadata_credentials(&emulator);
    expect_ok(legacy(&emulator, old.clone()));
    let response = agent()
        .post(format!(
            "{}/_emulator/credentials/revoke",
            emulator.base_url()
        ))
        .send("")
        .expect("an answer");
    assert_eq!(response.status().as_u16(), 200);
    let body = json(&response.into_body().read_to_string().expect("body"));
    assert_eq!(body["revoked"], 1, "{body}");
    let body = legacy(&emulator, old.clone());
    assert_eq!(body["code"], 4105, "{body}");
    assert!(message(&body).contains("revoked"), "{body}");
    // Fresh credentials are not revoked; revoking again counts only those still valid.
    let (fresh, _) = metadata_credentials(&emulator);
    expect_ok(legacy(&emulator, fresh));
    assert_eq!(emulator.revoke_credentials(), 1);
    assert_eq!(emulator.revoke_credentials(), 0);
    // A permanent key is never revoked.
    expect_ok(legacy(&emulator, Account::demo_a().credentials()));
}

#[test]
fn timestamps_on_emulator_time_are_accepted_across_clock_advances() {
    let emulator = Emulator::builder().start().expect("start");
    emulator.advance_clock(Duration::from_secs(3 * 3600));
    let account = Account::demo_a();
    // On the real clock (what `legacy` signs with) and on emulator time alike.
    expect_ok(legacy(&emulator, account.credentials()));
    let config = config(
        &emulator,
        &account,
        HttpMethod::Get,
        SignatureMethod::HmacSha256,
    );
    let at = |timestamp: i64| {
        let ctx = SignContext::new(u64::try_from(timestamp).expect("after 1970"), nonce());
        let request = build_request(&vpc::DescribeVpcEx::new(), &config, ctx).expect("request");
        send(&request).1["code"].as_i64()
    };
    assert_eq!(at(emulator.now()), Some(0));
    assert_eq!(at(emulator.now() - 3600), Some(4500));
}
