//! Property tests of signing and of the GET/POST encodings.

use base64::Engine as _;
use proptest::prelude::*;
use qcapi_core::sign::{SignatureMethod, sign, string_to_sign};
use qcapi_core::{Config, Credentials, HttpMethod, RawAction, SignContext, build_request};

fn method() -> impl Strategy<Value = SignatureMethod> {
    prop_oneof![
        Just(SignatureMethod::HmacSha1),
        Just(SignatureMethod::HmacSha256)
    ]
}

/// Distinct names (ASCII, as real parameter names are) with arbitrary Unicode values.
fn params() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::btree_map("[A-Za-z][A-Za-z0-9.]{0,12}", any::<String>(), 0..8)
        .prop_map(|m| m.into_iter().collect())
}

fn borrowed(p: &[(String, String)]) -> Vec<(&str, &str)> {
    p.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect()
}

proptest! {
    #[test]
    fn signing_is_deterministic(p in params(), key in any::<String>(), m in method()) {
        let a = sign(&key, m, &string_to_sign("GET", "h", "/p", borrowed(&p)));
        let b = sign(&key, m, &string_to_sign("GET", "h", "/p", borrowed(&p)));
        prop_assert_eq!(a, b);
    }

    #[test]
    fn order_of_insertion_does_not_matter(p in params(), seed in any::<u64>()) {
        let mut shuffled = p.clone();
        // A deterministic shuffle driven by the seed.
        let n = shuffled.len();
        for i in 0..n {
            let j = (seed.rotate_left(i as u32) as usize) % n;
            shuffled.swap(i, j);
        }
        prop_assert_eq!(
            string_to_sign("POST", "h", "/p", borrowed(&p)),
            string_to_sign("POST", "h", "/p", borrowed(&shuffled))
        );
    }

    #[test]
    fn signature_decodes_to_digest_length(p in params(), key in any::<String>(), m in method()) {
        let sig = sign(&key, m, &string_to_sign("GET", "h", "/p", borrowed(&p)));
        let raw = base64::engine::general_purpose::STANDARD.decode(sig).unwrap();
        prop_assert_eq!(raw.len(), if m == SignatureMethod::HmacSha1 { 20 } else { 32 });
    }

    #[test]
    fn any_change_of_value_or_key_changes_the_signature(
        p in params().prop_filter("non-empty", |p| !p.is_empty()),
        key in any::<String>(),
        extra in "[a-z0-9]{1,4}",
        which in any::<prop::sample::Index>(),
        m in method(),
    ) {
        let base = sign(&key, m, &string_to_sign("GET", "h", "/p", borrowed(&p)));
        let mut changed = p.clone();
        let i = which.index(changed.len());
        changed[i].1.push_str(&extra);
        prop_assert_ne!(&base, &sign(&key, m, &string_to_sign("GET", "h", "/p", borrowed(&changed))));
        let other_key = format!("{key}{extra}");
        prop_assert_ne!(&base, &sign(&other_key, m, &string_to_sign("GET", "h", "/p", borrowed(&p))));
    }

    #[test]
    fn get_and_post_encodings_decode_to_the_original_parameters(
        p in prop::collection::btree_map("[a-z][A-Za-z0-9.]{0,10}", "(?s).{0,20}", 0..6),
        special in "[ &=+%/~\n?#]{0,6}",
        post in any::<bool>(),
    ) {
        let mut expected: Vec<(String, String)> = p.into_iter().collect();
        expected.push(("zSpecial".into(), format!("a{special}b 名字")));
        let action = RawAction::new("Unspecified").params(expected.clone());
        let config = Config::builder()
            .credentials(Credentials::new("id", "key"))
            .http_method(if post { HttpMethod::Post } else { HttpMethod::Get })
            .build()
            .unwrap();
        let request = build_request(&action, &config, SignContext::new(1, 2)).unwrap();
        let encoded = if post {
            String::from_utf8(request.body().to_vec()).unwrap()
        } else {
            request.url().split_once('?').unwrap().1.to_owned()
        };
        let decoded: Vec<(String, String)> = form_urlencoded::parse(encoded.as_bytes()).into_owned().collect();
        let business: Vec<(String, String)> = decoded
            .iter()
            .filter(|(n, _)| n.starts_with(|c: char| c.is_ascii_lowercase()))
            .cloned()
            .collect();
        prop_assert_eq!(business, expected);
        // The signature verifies against the decoded parameters.
        let sig = &decoded.iter().find(|(n, _)| n == "Signature").unwrap().1;
        let sts = string_to_sign(request.method().as_str(), "vpc.api.qcloud.com", "/v2/index.php",
            decoded.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        prop_assert_eq!(sig, &sign("key", SignatureMethod::HmacSha256, &sts));
    }
}
