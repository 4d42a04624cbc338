//! The workloads every benchmark shares, identical to what `scripts/bench_official_sdk.py`
//! gives the official Python SDK: same keys, region, actions and parameter values.

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use qcapi_core::vpc::{self, SubnetSpec};
use qcapi_core::{Config, Credentials, HttpMethod, SignContext, SignatureMethod};
use serde_json::json;

/// The SecretId of the documentation's signing example (also used by `shared/bench/peer_sign.py`).
pub const SECRET_ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA";
/// Its SecretKey.
pub const SECRET_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3Cozk1qA";
/// The region every benchmark request names.
pub const REGION: &str = "gz";
/// The peering connection the reject seed action names.
pub const PEERING_ID: &str = "pcx-8g675gr8";
/// A fixed timestamp and nonce, so every iteration signs the same bytes.
pub const CTX: SignContext = SignContext {
    timestamp: 1_465_185_768,
    nonce: 11_886,
};

/// The benchmark configuration: the real VPC endpoint, HmacSHA256, GET or POST.
pub fn config(method: HttpMethod) -> Config {
    Config::builder()
        .credentials(Credentials::new(SECRET_ID, SECRET_KEY))
        .region(REGION)
        .signature_method(SignatureMethod::HmacSha256)
        .http_method(method)
        .build()
        .unwrap_or_else(|e| unreachable!("the benchmark configuration is valid: {e}"))
}

/// Seed action 1: `RejectVpcPeeringConnection` with one parameter.
pub fn reject() -> vpc::RejectVpcPeeringConnection {
    vpc::RejectVpcPeeringConnection::new(PEERING_ID)
}

/// `CreateVpc` with a 5-subnet `subnetSet` (17 action parameters once flattened).
pub fn create_vpc_5_subnets() -> vpc::CreateVpc {
    vpc::CreateVpc::new("bench-vpc", "10.0.0.0/16").subnet_set(
        (0..5).map(|i| SubnetSpec::new(format!("subnet-{i}"), format!("10.0.{i}.0/24"), 100_003)),
    )
}

/// The floor: a bare HMAC-SHA256 of `message` under `key`, base64-encoded, with
/// nothing else (no parameter handling, no encoding of the request).
pub fn hmac_sha256_base64(key: &[u8], message: &[u8]) -> String {
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(message);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// A `DescribeVpcPeeringConnections` response with `n` entries, shaped exactly
/// like the emulator's (numbers as numbers, every documented field present).
pub fn describe_peerings_body(n: usize) -> Vec<u8> {
    let data: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            json!({
                "peeringConnectionId": format!("pcx-{i:08x}"),
                "peeringConnectionName": format!("peering-{i}"),
                "vpcId": format!("gz_vpc_{}", 1000 + i),
                "unVpcId": format!("vpc-{:08x}", 0x1000 + i),
                "uniqVpcId": format!("vpc-{:08x}", 0x1000 + i),
                "peerVpcId": format!("gz_vpc_{}", 5000 + i),
                "unPeerVpcId": format!("vpc-{:08x}", 0x5000 + i),
                "uniqPeerVpcId": format!("vpc-{:08x}", 0x5000 + i),
                "uin": "100000000001",
                "peerUin": "100000000002",
                "appId": "100000000001",
                "region": "gz",
                "peerRegion": "gz",
                "state": i % 5,
                "createTime": "2016-06-06 12:02:48",
            })
        })
        .collect();
    serde_json::to_vec(&json!({
        "code": 0,
        "message": "",
        "codeDesc": "Success",
        "totalCount": n,
        "data": data,
    }))
    .unwrap_or_else(|e| unreachable!("a JSON value always serializes: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_matches_the_core_signer() {
        let request = qcapi_core::build_request(&reject(), &config(HttpMethod::Get), CTX)
            .expect("a valid request");
        let sts = request.string_to_sign();
        assert_eq!(
            hmac_sha256_base64(SECRET_KEY.as_bytes(), sts.as_bytes()),
            qcapi_core::sign::sign(SECRET_KEY, SignatureMethod::HmacSha256, sts)
        );
    }

    #[test]
    fn the_body_parses_typed() {
        let out: vpc::DescribeVpcPeeringConnectionsOutput = qcapi_core::parse_output(
            "DescribeVpcPeeringConnections",
            qcapi_core::HttpResponse::new(200, describe_peerings_body(100)),
        )
        .expect("typed parse");
        assert_eq!(out.total_count, Some(100));
        assert_eq!(out.data.map(|d| d.len()), Some(100));
    }

    #[test]
    fn create_vpc_has_17_parameters() {
        let request =
            qcapi_core::build_request(&create_vpc_5_subnets(), &config(HttpMethod::Post), CTX)
                .expect("a valid request");
        let body = String::from_utf8_lossy(request.body()).into_owned();
        assert_eq!(body.matches("subnetSet.").count(), 15, "{body}");
    }
}
