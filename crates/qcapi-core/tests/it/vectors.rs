//! The six known-answer vectors of legacy-protocol.md §3.1, checked at the
//! string-to-sign stage and at the signature.

use qcapi_core::sign::{SignatureMethod, sign, string_to_sign};

struct Vector<'a> {
    name: &'a str,
    method: &'a str,
    host: &'a str,
    key: &'a str,
    params: &'a [(&'a str, &'a str)],
    string_to_sign: &'a str,
    signature: &'a str,
}

fn check(v: &Vector<'_>) {
    let s = string_to_sign(v.method, v.host, "/v2/index.php", v.params.iter().copied());
    assert_eq!(s, v.string_to_sign, "{}: string to sign", v.name);
    // The service picks the HMAC from the SignatureMethod parameter, exactly as here.
    let method = SignatureMethod::from_param(
        v.params
            .iter()
            .find(|(n, _)| *n == "SignatureMethod")
            .map(|(_, v)| *v),
    );
    assert_eq!(
        sign(v.key, method, &s),
        v.signature,
        "{}: signature",
        v.name
    );
}

const DOC_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3Cozk1qA";
const DOC_ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA";

fn sdk_params(method: &'static str) -> [(&'static str, &'static str); 7] {
    [
        ("SecretId", "secretIdFoo"),
        ("Region", "ap-guangzhou"),
        ("SignatureMethod", method),
        ("Nonce", "1290303896666895346"),
        ("Timestamp", "1512393162"),
        ("Action", "DescribeInstances"),
        ("Version", "2017-03-12"),
    ]
}

#[test]
fn tv1_doc_hmac_sha256() {
    check(&Vector {
        name: "TV-1",
        method: "GET",
        host: "cvm.api.qcloud.com",
        key: DOC_KEY,
        params: &[
            ("Action", "DescribeInstances"),
            ("InstanceIds.0", "ins-09dx96dg"),
            ("Nonce", "11886"),
            ("Region", "ap-guangzhou"),
            ("SecretId", DOC_ID),
            ("SignatureMethod", "HmacSHA256"),
            ("Timestamp", "1465185768"),
        ],
        string_to_sign: "GETcvm.api.qcloud.com/v2/index.php?Action=DescribeInstances&InstanceIds.0=ins-09dx96dg&Nonce=11886&Region=ap-guangzhou&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA&SignatureMethod=HmacSHA256&Timestamp=1465185768",
        signature: "0EEm/HtGRr/VJXTAD9tYMth1Bzm3lLHz5RCDv1GdM8s=",
    });
}

#[test]
fn tv2_doc_hmac_sha1() {
    check(&Vector {
        name: "TV-2",
        method: "GET",
        host: "cvm.api.qcloud.com",
        key: DOC_KEY,
        // Deliberately unsorted: order must not matter.
        params: &[
            ("Timestamp", "1465185768"),
            ("SignatureMethod", "HmacSHA1"),
            ("SecretId", DOC_ID),
            ("Region", "ap-guangzhou"),
            ("Nonce", "11886"),
            ("InstanceIds.0", "ins-09dx96dg"),
            ("Action", "DescribeInstances"),
        ],
        string_to_sign: "GETcvm.api.qcloud.com/v2/index.php?Action=DescribeInstances&InstanceIds.0=ins-09dx96dg&Nonce=11886&Region=ap-guangzhou&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA&SignatureMethod=HmacSHA1&Timestamp=1465185768",
        signature: "nPVnY6njQmwQ8ciqbPl5Qe+Oru4=",
    });
}

#[test]
fn tv3_english_doc_without_signature_method() {
    check(&Vector {
        name: "TV-3",
        method: "GET",
        host: "cvm.api.qcloud.com",
        key: DOC_KEY,
        params: &[
            ("Action", "DescribeInstances"),
            ("Nonce", "345122"),
            ("Region", "gz"),
            ("SecretId", DOC_ID),
            ("Timestamp", "1408704141"),
        ],
        string_to_sign: "GETcvm.api.qcloud.com/v2/index.php?Action=DescribeInstances&Nonce=345122&Region=gz&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA&Timestamp=1408704141",
        signature: "HgIYOPcx5lN6gz8JsCFBNAWp2oQ=",
    });
}

const SDK_STS_TAIL: &str = "cvm.api.qcloud.com/v2/index.php?Action=DescribeInstances&Nonce=1290303896666895346&Region=ap-guangzhou&SecretId=secretIdFoo&SignatureMethod=HmacSHA1&Timestamp=1512393162&Version=2017-03-12";

#[test]
fn tv4_python_sdk_post_hmac_sha1() {
    for method in ["POST", "post"] {
        check(&Vector {
            name: "TV-4",
            method,
            host: "cvm.api.qcloud.com",
            key: "secretKeyBar",
            params: &sdk_params("HmacSHA1"),
            string_to_sign: &format!("POST{SDK_STS_TAIL}"),
            signature: "p3n+pxBqF5JGZtDSxoVn5tGngf0=",
        });
    }
}

#[test]
fn tv5_python_sdk_post_hmac_sha256() {
    check(&Vector {
        name: "TV-5",
        method: "POST",
        host: "cvm.api.qcloud.com",
        key: "secretKeyBar",
        params: &sdk_params("HmacSHA256"),
        string_to_sign: &format!("POST{}", SDK_STS_TAIL.replace("HmacSHA1", "HmacSHA256")),
        signature: "B2T37FRSP6Fk0/q/cdfrTE0p3zX5ooB/2BPWZUFpsj4=",
    });
}

#[test]
fn tv6_python_sdk_get_hmac_sha1() {
    check(&Vector {
        name: "TV-6",
        method: "GET",
        host: "cvm.api.qcloud.com",
        key: "secretKeyBar",
        params: &sdk_params("HmacSHA1"),
        string_to_sign: &format!("GET{SDK_STS_TAIL}"),
        signature: "5HAq1BOKNLEE2/uauWnp6Zv9Z3c=",
    });
}

#[test]
fn underscore_in_names_becomes_dot_and_sorts_after_replacement() {
    let s = string_to_sign(
        "GET",
        "h",
        "/p",
        [("Placement_Zone", "CN_GUANGZHOU"), ("Placement.A", "x")],
    );
    assert_eq!(s, "GETh/p?Placement.A=x&Placement.Zone=CN_GUANGZHOU");
}
