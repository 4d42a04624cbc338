//! Request building: common parameters, GET and POST shapes, signed host, and
//! client-side validation that rejects bad input before anything is sent.

use qcapi_core::vpc::*;
use qcapi_core::{
    Action, Config, Credentials, Error, HttpMethod, RawAction, SignContext, build_request,
    signed_url,
};

fn config(endpoint: &str, method: HttpMethod) -> Config {
    Config::builder()
        .credentials(Credentials::new("AKIDexample", "key"))
        .endpoint(endpoint)
        .region("gz")
        .http_method(method)
        .build()
        .unwrap()
}

fn params_of(encoded: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(encoded.as_bytes())
        .into_owned()
        .collect()
}

#[test]
fn get_and_post_carry_the_common_parameters() {
    let action = RejectVpcPeeringConnection::new("pcx-8g675gr8");
    let ctx = SignContext::new(1465185768, 11886);
    let get = build_request(
        &action,
        &config("https://vpc.api.qcloud.com", HttpMethod::Get),
        ctx,
    )
    .unwrap();
    let post = build_request(
        &action,
        &config("https://vpc.api.qcloud.com", HttpMethod::Post),
        ctx,
    )
    .unwrap();
    assert!(get.body().is_empty());
    assert_eq!(post.url(), "https://vpc.api.qcloud.com/v2/index.php");
    assert_eq!(
        post.headers(),
        &[(
            "Content-Type",
            "application/x-www-form-urlencoded".to_owned()
        )]
    );
    let from_get = params_of(get.url().split_once('?').unwrap().1);
    let from_post = params_of(std::str::from_utf8(post.body()).unwrap());
    for params in [&from_get, &from_post] {
        let get = |n: &str| params.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
        assert_eq!(get("Action"), Some("RejectVpcPeeringConnection"));
        assert_eq!(get("Region"), Some("gz"));
        assert_eq!(get("Timestamp"), Some("1465185768"));
        assert_eq!(get("Nonce"), Some("11886"));
        assert_eq!(get("SecretId"), Some("AKIDexample"));
        assert_eq!(get("SignatureMethod"), Some("HmacSHA256"));
        assert_eq!(get("RequestClient"), Some(qcapi_core::REQUEST_CLIENT));
        assert_eq!(get("peeringConnectionId"), Some("pcx-8g675gr8"));
        assert!(get("Signature").is_some());
        assert_eq!(get("Token"), None);
    }
    assert!(
        get.string_to_sign()
            .starts_with("GETvpc.api.qcloud.com/v2/index.php?Action=RejectVpcPeeringConnection&")
    );
    assert!(
        post.string_to_sign()
            .starts_with("POSTvpc.api.qcloud.com/v2/index.php?")
    );
    assert_eq!(
        signed_url(
            &action,
            &config("https://vpc.api.qcloud.com", HttpMethod::Post),
            ctx
        )
        .unwrap(),
        get.url()
    );
}

#[test]
fn signed_host_is_the_host_header() {
    fn check(endpoint: &str, host: &str, url_prefix: &str) {
        let r = build_request(
            &DescribeVpcEx::new(),
            &config(endpoint, HttpMethod::Get),
            SignContext::new(1, 1),
        )
        .unwrap();
        assert!(
            r.string_to_sign().starts_with(&format!("GET{host}/")),
            "{endpoint}: {}",
            r.string_to_sign()
        );
        assert!(r.url().starts_with(url_prefix), "{endpoint}: {}", r.url());
    }
    check(
        "https://vpc.api.qcloud.com",
        "vpc.api.qcloud.com",
        "https://vpc.api.qcloud.com/v2/index.php?",
    );
    check(
        "https://vpc.api.qcloud.com:443/",
        "vpc.api.qcloud.com",
        "https://vpc.api.qcloud.com/v2/index.php?",
    );
    check(
        "http://127.0.0.1:8080",
        "127.0.0.1:8080",
        "http://127.0.0.1:8080/v2/index.php?",
    );
    check(
        "http://localhost:80/custom/path",
        "localhost",
        "http://localhost/custom/path?",
    );
}

#[test]
fn nested_parameters_are_flattened() {
    let action = CreateVpc::new("v", "10.0.0.0/16").subnet_set([
        SubnetSpec::new("a", "10.0.1.0/24", 100003),
        SubnetSpec::new("b", "10.0.2.0/24", 100004),
    ]);
    let r = build_request(
        &action,
        &config("https://vpc.api.qcloud.com", HttpMethod::Get),
        SignContext::new(1, 1),
    )
    .unwrap();
    assert!(r.string_to_sign().contains(
        "subnetSet.0.cidrBlock=10.0.1.0/24&subnetSet.0.subnetName=a&subnetSet.0.zoneId=100003&subnetSet.1.cidrBlock=10.0.2.0/24"
    ), "{}", r.string_to_sign());
}

#[test]
fn invalid_input_is_rejected_before_sending_naming_the_parameter() {
    fn check(action: &(impl Action + ?Sized), parameter: &str) {
        let e = build_request(
            action,
            &config("https://vpc.api.qcloud.com", HttpMethod::Get),
            SignContext::new(1, 1),
        )
        .unwrap_err();
        match &e {
            Error::InvalidInput { parameter: p, .. } => assert_eq!(p, parameter, "{e}"),
            other => panic!("expected invalid input for {parameter}, got {other:?}"),
        }
        assert!(e.to_string().contains(parameter));
    }
    check(
        &CreateVpcPeeringConnection::new("vpc-1", "vpc-2", "1", "x".repeat(61)),
        "peeringConnectionName",
    );
    check(
        &ModifyVpcPeeringConnection::new("pcx-1", ""),
        "peeringConnectionName",
    );
    check(&DescribeVpcPeeringConnections::new().limit(51), "limit");
    check(&DescribeVpcPeeringConnections::new().state(9), "state");
    check(
        &DescribeVpcEx::new().order_direction("sideways"),
        "orderDirection",
    );
    check(
        &CreateVpc::new("v", "10.0.0.0/16").subnet_set([SubnetSpec::new("", "10.0.1.0/24", 1)]),
        "subnetSet.0.subnetName",
    );
    check(
        &RawAction::new("RejectVpcPeeringConnection"),
        "peeringConnectionId",
    );
    check(
        &RawAction::new("DescribeVpcTaskResult").param("taskId", "abc"),
        "taskId",
    );
    check(
        &RawAction::new("CreateVpc")
            .param("vpcName", "v")
            .param("cidrBlock", "10.0.0.0/16")
            .param("subnetSet.0.subnetName", "s"),
        "subnetSet.0.cidrBlock",
    );
    // 60 characters of any script are fine.
    build_request(
        &CreateVpcPeeringConnection::new("vpc-1", "vpc-2", "1", "名".repeat(60)),
        &config("https://vpc.api.qcloud.com", HttpMethod::Get),
        SignContext::new(1, 1),
    )
    .unwrap();
}

#[test]
fn bad_settings_are_rejected() {
    fn check(result: Result<Config, Error>, parameter: &str) {
        match result {
            Err(Error::InvalidInput { parameter: p, .. }) => assert_eq!(p, parameter),
            other => panic!("{parameter}: {other:?}"),
        }
    }
    check(
        Config::builder().endpoint("vpc.api.qcloud.com").build(),
        "endpoint",
    );
    check(Config::builder().endpoint("ftp://x").build(), "endpoint");
    check(
        Config::builder()
            .endpoint("https://x/v2/index.php?a=b")
            .build(),
        "endpoint",
    );
    check(
        Config::builder().timeout(std::time::Duration::ZERO).build(),
        "timeout",
    );
    check(Config::builder().region("").build(), "region");
    let no_creds = Config::builder().build().unwrap();
    match build_request(&DescribeVpcEx::new(), &no_creds, SignContext::new(1, 1)) {
        Err(Error::InvalidInput { parameter, .. }) => assert_eq!(parameter, "credentials"),
        other => panic!("{other:?}"),
    }
    match build_request(
        &DescribeVpcEx::new(),
        &config("https://x", HttpMethod::Get),
        SignContext::new(1, 0),
    ) {
        Err(Error::InvalidInput { parameter, .. }) => assert_eq!(parameter, "Nonce"),
        other => panic!("{other:?}"),
    }
}

/// Names the service reads as one (`a_b` and `a.b`, or a name twice) are refused
/// before sending, naming both; an empty token is not sent; on POST an `@` value
/// travels but is not signed.
#[test]
fn signing_rules_of_the_official_signers() {
    fn check(params: &[(&str, &str)], expected: Result<(), &str>) {
        let action = RawAction::new("SomeFutureAction")
            .params(params.iter().map(|(n, v)| (n.to_string(), v.to_string())));
        let got = build_request(
            &action,
            &config("https://vpc.api.qcloud.com", HttpMethod::Get),
            SignContext::new(1, 2),
        );
        match (got, expected) {
            (Ok(_), Ok(())) => {}
            (Err(Error::InvalidInput { parameter, .. }), Err(names)) => {
                assert_eq!(parameter, names, "{params:?}")
            }
            (got, expected) => panic!("{params:?}: {got:?}, expected {expected:?}"),
        }
    }
    check(&[("a", "1"), ("b", "2")], Ok(()));
    check(&[("a", "1"), ("a", "2")], Err("a, a"));
    check(&[("x_y", "1"), ("x.y", "2")], Err("x_y, x.y"));
    check(&[("x.y", "1"), ("b", "2"), ("x_y", "2")], Err("x.y, x_y"));
    // The action's own common parameters are replaced, not doubled.
    check(&[("Nonce", "9"), ("Region", "sh")], Ok(()));

    let empty_token = Config::builder()
        .credentials(Credentials::new("AKIDexample", "key").with_token(""))
        .region("gz")
        .build()
        .unwrap();
    let request = build_request(
        &RejectVpcPeeringConnection::new("pcx-1"),
        &empty_token,
        SignContext::new(1, 2),
    )
    .unwrap();
    assert!(!request.url().contains("Token"), "{}", request.url());

    let post = build_request(
        &RawAction::new("DescribeVpcEx").param("vpcName", "@file"),
        &config("https://vpc.api.qcloud.com", HttpMethod::Post),
        SignContext::new(1, 2),
    )
    .unwrap();
    assert!(String::from_utf8_lossy(post.body()).contains("vpcName=%40file"));
    assert!(
        !post.string_to_sign().contains("vpcName"),
        "{}",
        post.string_to_sign()
    );
}

/// An endpoint that cannot be reached as written is refused when the client is
/// built, naming the endpoint and the port; a path is kept.
#[test]
fn endpoints_are_checked_when_built() {
    fn check(url: &str, expected: Result<&str, &str>) {
        let got = Config::builder().endpoint(url).build();
        match (got, expected) {
            (Ok(config), Ok(base)) => assert_eq!(config.endpoint().base_url(), base, "{url}"),
            (Err(Error::InvalidInput { parameter, reason }), Err(needle)) => {
                assert_eq!(parameter, "endpoint", "{url}");
                assert!(reason.contains(needle), "{url}: {reason}");
            }
            (got, expected) => panic!("{url}: {got:?}, expected {expected:?}"),
        }
    }
    check(
        "http://127.0.0.1:9000",
        Ok("http://127.0.0.1:9000/v2/index.php"),
    );
    check("https://h:443/", Ok("https://h/v2/index.php"));
    check("http://[::1]:8080", Ok("http://[::1]:8080/v2/index.php"));
    check("http://[::1]", Ok("http://[::1]/v2/index.php"));
    check(
        "http://127.0.0.1:9000/qcapi/v2/index.php",
        Ok("http://127.0.0.1:9000/qcapi/v2/index.php"),
    );
    check("http://127.0.0.1:99999", Err("port `99999`"));
    check("http://127.0.0.1:abc", Err("port `abc`"));
    check("http://127.0.0.1:0", Err("port `0`"));
    check("http://127.0.0.1:", Err("port ``"));
    check("127.0.0.1:9000", Err("127.0.0.1:9000"));
    check("ftp://h", Err("scheme"));
}
