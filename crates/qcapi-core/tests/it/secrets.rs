//! No secret key or token appears in the Debug or Display of credentials, configs, requests or errors.

use qcapi_core::vpc::RejectVpcPeeringConnection;
use qcapi_core::{
    Config, Credentials, Error, HttpMethod, HttpResponse, SignContext, build_request,
    parse_response,
};

const KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3Cozk1qA";
const TOKEN: &str = "tok3nS3cretValue";

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(KEY), "{what} shows the secret key: {text}");
    assert!(!text.contains(TOKEN), "{what} shows the token: {text}");
}

#[test]
fn secrets_never_show() {
    let credentials =
        Credentials::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA", KEY).with_token(TOKEN);
    assert_clean("credentials", &format!("{credentials:?}"));
    assert_clean(
        "secret key",
        &format!(
            "{} {:?}",
            credentials.secret_key(),
            credentials.secret_key()
        ),
    );
    for method in [HttpMethod::Get, HttpMethod::Post] {
        let config = Config::builder()
            .credentials(credentials.clone())
            .http_method(method)
            .build()
            .unwrap();
        assert_clean("config", &format!("{config:?}"));
        let request = build_request(
            &RejectVpcPeeringConnection::new("pcx-1"),
            &config,
            SignContext::new(1, 2),
        )
        .unwrap();
        // The token must travel, but Debug must not show it or the signature.
        let wire = format!(
            "{}{}",
            request.url(),
            String::from_utf8_lossy(request.body())
        );
        assert!(wire.contains(TOKEN), "the token is sent");
        let shown = format!("{request:?}");
        assert_clean("request", &shown);
        assert!(
            shown.contains("Token=<redacted>") && shown.contains("Signature=<redacted>"),
            "{shown}"
        );
        // An error echoing the request still hides nothing it should not show.
        let body = format!(
            r#"{{"code":4100,"message":"bad","echo":"{}"}}"#,
            request.string_to_sign().replace(TOKEN, "x")
        );
        let err = parse_response(
            &RejectVpcPeeringConnection::new("pcx-1"),
            HttpResponse::new(200, body),
        )
        .unwrap_err();
        assert_clean("error", &format!("{err:?} {err}"));
    }
    let err = Error::invalid_input("credentials", "no credentials configured");
    assert_clean("invalid input", &format!("{err:?} {err}"));
}

/// Tokens and secret parameters with `&`, `=` and spaces: the string-to-sign holds
/// them raw, so its redaction must mask whole values by position, not by splitting.
#[test]
fn awkward_secret_values_never_show() {
    const TRICKY_TOKEN: &str = "tok&Signature=x y=z%26";
    const PSK: &str = "psk&vpcId=also secret";
    let action = qcapi_core::vpc::AddVpnConnEx::new("vpc-1", "vpngw-1", "cgw-1")
        .pre_shared_key(PSK)
        .spd_acl("{}");
    let shown = format!("{action:?}");
    assert!(!shown.contains("psk&"), "{shown}");
    assert!(
        shown.contains("pre_shared_key: Some(\"<redacted>\")"),
        "{shown}"
    );
    let mut params = qcapi_core::Params::new();
    qcapi_core::Action::write_params(&action, &mut params);
    assert!(!format!("{params:?}").contains("psk&"), "{params:?}");
    for method in [HttpMethod::Get, HttpMethod::Post] {
        let config = Config::builder()
            .credentials(Credentials::new("AKIDexample", KEY).with_token(TRICKY_TOKEN))
            .region("gz")
            .http_method(method)
            .build()
            .unwrap();
        let request = build_request(&action, &config, SignContext::new(1, 2)).unwrap();
        assert!(request.string_to_sign().contains(TRICKY_TOKEN));
        assert!(request.string_to_sign().contains(PSK));
        let shown = format!("{request:?}");
        for secret in [
            "tok&",
            "Signature=x",
            "y=z",
            "psk&",
            "also secret",
            "also+secret",
        ] {
            assert!(!shown.contains(secret), "{method}: `{secret}` in {shown}");
        }
        assert!(shown.contains("vpcId=vpc-1"), "{shown}");
    }
}

/// A server or proxy that echoes the request puts it into the error's body: every
/// error that keeps a body shows it redacted, and `expose` still gives it whole.
#[test]
fn echoed_requests_in_error_bodies_are_redacted() {
    let echo = format!(
        "POST /v2/index.php\r\n\r\nAction=AddVpnConnEx&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA&Token={TOKEN}&preSharedKey=psk-value&Signature=c2lnbmF0dXJl%3D"
    );
    let json_echo =
        format!(r#"{{"code":4100,"message":"bad","Token":"{TOKEN}","preSharedKey":"psk-value"}}"#);
    let action = RejectVpcPeeringConnection::new("pcx-1");
    let errors = [
        parse_response(&action, HttpResponse::new(502, echo.clone())).unwrap_err(),
        parse_response(&action, HttpResponse::new(200, echo.clone())).unwrap_err(),
        parse_response(&action, HttpResponse::new(200, json_echo.clone())).unwrap_err(),
    ];
    for err in &errors {
        let shown = format!("{err:?} {err}");
        let body = err.body().expect("the error keeps the body");
        let printed = format!("{body:?} {body}");
        for text in [&shown, &printed] {
            for secret in [
                TOKEN,
                "psk-value",
                "c2lnbmF0dXJl",
                "z8krbsJ5yKBZQpn74WFkmLPx3gnP",
            ] {
                assert!(!text.contains(secret), "`{secret}` in {text}");
            }
        }
        assert!(
            body.expose().contains(TOKEN),
            "expose gives the body as received"
        );
    }
    assert!(matches!(errors[0], Error::HttpStatus { status: 502, .. }));
    assert!(matches!(errors[1], Error::Decode { .. }));
    assert!(matches!(errors[2], Error::Api(_)));
}
