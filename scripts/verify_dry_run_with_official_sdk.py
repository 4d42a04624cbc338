#!/usr/bin/env python3
"""Check `qcapi --dry-run` against the official legacy Python SDK (qcloudapi-sdk-python 2.0.15).

For GET and POST, each with HmacSHA1 and HmacSHA256, runs

    qcapi --dry-run --nonce N --timestamp T --http-method M --signature-method S <seed action> ...

for two seed actions (CreateVpc with a nested subnetSet, CreateVpcPeeringConnectionEx) at two
endpoints (the default host, and a loopback host with a port, as an emulator is addressed), and:

1. parses the printed request (GET: the URL; POST: the URL, then the form body on the next line);
2. recomputes its Signature with the SDK's own signer,
   `QcloudApi.common.sign.Sign(secretId, secretKey).make(host, path, params, method, signMethod)`,
   and asserts it equals the printed one;
3. builds the same call with the SDK's request builder (`Base._build_req_inter`, given the same
   nested parameters, nonce, timestamp, region, token and RequestClient) and asserts that its
   parameters -- the flattening of `subnetSet` and the Signature included -- equal qcapi's;
4. runs qcapi a second time and asserts the output is byte-for-byte the same.

Prints one OK line per combination; exits 1 on any mismatch. No network is used: --dry-run
sends nothing. The environment is scrubbed (PATH, a temporary HOME and demo credentials only).

    pip install qcloudapi-sdk-python==2.0.15
    python3 scripts/verify_dry_run_with_official_sdk.py target/debug/qcapi
"""
import json
import os
import subprocess
import sys
import tempfile
from urllib.parse import parse_qsl, urlsplit

try:
    from QcloudApi.common.request import RequestInternal
    from QcloudApi.common.sign import Sign
    from QcloudApi.modules.base import Base
except ImportError:
    sys.exit("the official SDK is missing: pip install qcloudapi-sdk-python==2.0.15")

# The emulator's published demo account A: local test credentials, not real ones.
SECRET_ID = "AKIDemulatorAccountA0000000000000001"
SECRET_KEY = "emulator-secret-key-A"
TOKEN = "demo-session-token/with+chars="
REGION = "gz"
NONCE = 11886
TIMESTAMP = 1465185768

ENDPOINTS = (
    ("https://vpc.api.qcloud.com", "vpc.api.qcloud.com"),
    ("http://127.0.0.1:9000", "127.0.0.1:9000"),
)

SUBNETS = [
    {"subnetName": "seed subnet", "cidrBlock": "10.0.1.0/24", "zoneId": 100003},
    {"subnetName": "子网-2", "cidrBlock": "10.0.2.0/24", "zoneId": 100004},
]

# (action, qcapi flags, the same parameters as the SDK takes them: nested)
SEED_ACTIONS = (
    (
        "CreateVpc",
        ["--vpcName", "seed vpc 测试 & co", "--cidrBlock", "10.0.0.0/16",
         "--subnetSet", json.dumps(SUBNETS, ensure_ascii=False)],
        {"vpcName": "seed vpc 测试 & co", "cidrBlock": "10.0.0.0/16", "subnetSet": SUBNETS},
    ),
    (
        "CreateVpcPeeringConnectionEx",
        ["--vpcId", "vpc-a1b2c3d4", "--peerVpcId", "vpc-e5f6g7h8", "--peerUin", "100000000002",
         "--peeringConnectionName", "seed2", "--peerRegion", "sh", "--bandwidth", "20"],
        {"vpcId": "vpc-a1b2c3d4", "peerVpcId": "vpc-e5f6g7h8", "peerUin": "100000000002",
         "peeringConnectionName": "seed2", "peerRegion": "sh", "bandwidth": "20"},
    ),
)


def run_qcapi(binary, home, with_token, args):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": home,
        "TENCENTCLOUD_SECRET_ID": SECRET_ID,
        "TENCENTCLOUD_SECRET_KEY": SECRET_KEY,
        "TENCENTCLOUD_REGION": REGION,
    }
    if with_token:
        env["TENCENTCLOUD_SESSION_TOKEN"] = TOKEN
    proc = subprocess.run([binary] + args, env=env, capture_output=True, timeout=60)
    if proc.returncode != 0:
        raise AssertionError(f"qcapi {args} exited {proc.returncode}: {proc.stderr.decode(errors='replace')}")
    return proc.stdout.decode("utf-8")


def parse_printed(method, printed):
    """(host, path, parameters as a dict) of a printed request."""
    lines = printed.rstrip("\n").split("\n")
    if method == "GET":
        assert len(lines) == 1, f"GET prints one line, got {lines!r}"
        url = urlsplit(lines[0])
        encoded = url.query
    else:
        assert len(lines) == 2, f"POST prints the URL and the body, got {lines!r}"
        url = urlsplit(lines[0])
        assert url.query == "", f"a POST URL has no query: {lines[0]}"
        encoded = lines[1]
    pairs = parse_qsl(encoded, keep_blank_values=True, strict_parsing=True)
    params = dict(pairs)
    assert len(params) == len(pairs), f"duplicate parameters in {encoded}"
    return url.netloc, url.path, params


def sdk_request(method, sign_method, host, action, nested, with_token, request_client):
    """The parameters the official SDK sends for the same call."""
    config = {"secretId": SECRET_ID, "secretKey": SECRET_KEY, "Region": REGION, "method": method,
              "SignatureMethod": sign_method, "endpoint": host}
    if with_token:
        config["Token"] = TOKEN
    base = Base(config)
    base.version = request_client  # the SDK would send its own RequestClient
    req = RequestInternal(host, base.method, base.requestUri)
    params = dict(nested, Nonce=NONCE, Timestamp=TIMESTAMP)
    base._build_req_inter(action, params, req)
    pairs = parse_qsl(req.data, keep_blank_values=True, strict_parsing=True)
    return req.uri, dict(pairs)


def check(binary, home, method, sign_method, endpoint, host, action, flags, nested):
    with_token = method == "POST"
    args = ["--dry-run", "--nonce", str(NONCE), "--timestamp", str(TIMESTAMP), "--endpoint", endpoint,
            "--http-method", method, "--signature-method", sign_method, action] + flags
    printed = run_qcapi(binary, home, with_token, args)
    again = run_qcapi(binary, home, with_token, args)
    assert printed == again, "the same flags printed different requests"

    got_host, path, params = parse_printed(method, printed)
    assert got_host == host, f"host {got_host} != {host}"
    assert path == "/v2/index.php", path
    expected_common = {"Action": action, "Nonce": str(NONCE), "Timestamp": str(TIMESTAMP),
                       "SecretId": SECRET_ID, "SignatureMethod": sign_method, "Region": REGION}
    if with_token:
        expected_common["Token"] = TOKEN
    for name, value in expected_common.items():
        assert params.get(name) == value, f"{name}={params.get(name)!r}, expected {value!r}"

    # 1. The official signer over qcapi's parameters.
    unsigned = {k: v for k, v in params.items() if k != "Signature"}
    official = Sign(SECRET_ID, SECRET_KEY).make(host, path, unsigned, method, sign_method)
    assert params["Signature"] == official, \
        f"Signature {params['Signature']} != official SDK's {official}"

    # 2. The official request builder from nested parameters: same flattening, same signature.
    sdk_path, sdk_params = sdk_request(method, sign_method, host, action, nested, with_token,
                                       params["RequestClient"])
    assert sdk_path == path, f"path {path} != SDK's {sdk_path}"
    if sdk_params != params:
        only_qcapi = {k: v for k, v in params.items() if sdk_params.get(k) != v}
        only_sdk = {k: v for k, v in sdk_params.items() if params.get(k) != v}
        raise AssertionError(f"parameters differ: qcapi {only_qcapi} vs SDK {only_sdk}")


def main():
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} PATH_TO_QCAPI")
    binary = os.path.abspath(sys.argv[1])
    failures = 0
    with tempfile.TemporaryDirectory(prefix="qcapi-verify-") as home:
        for method in ("GET", "POST"):
            for sign_method in ("HmacSHA1", "HmacSHA256"):
                try:
                    for endpoint, host in ENDPOINTS:
                        for action, flags, nested in SEED_ACTIONS:
                            try:
                                check(binary, home, method, sign_method, endpoint, host, action, flags, nested)
                            except AssertionError as e:
                                raise AssertionError(f"{action} at {host}: {e}") from None
                except AssertionError as e:
                    failures += 1
                    print(f"MISMATCH {method} {sign_method}: {e}")
                    continue
                token = " (with a session token)" if method == "POST" else ""
                print(f"OK {method} {sign_method}{token}: "
                      f"{', '.join(a for a, _, _ in SEED_ACTIONS)} at {', '.join(h for _, h in ENDPOINTS)}: "
                      f"signature and parameters equal the official SDK's")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
