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
