#!/usr/bin/env python3
"""Drive qcapi-emulator with the official legacy Python SDK (qcloudapi-sdk-python 2.0.15).

Proves the emulator speaks the legacy protocol for any correct client, not only qcapi:
the SDK builds and signs every request itself (its own nonce, timestamp, encoding and
signer); only the socket is plain HTTP, because the SDK hard-codes HTTPS and the emulator
serves loopback HTTP. Runs both seed flows, GET and POST, HmacSHA1 and HmacSHA256, and
checks the rejections 4104, 4100, 4500 (stale timestamp, replayed nonce) and 4000.

    pip install qcloudapi-sdk-python==2.0.15
    python3 scripts/official_sdk_seed_flows.py path/to/qcapi-emulator
"""
import http.client
import json
import subprocess
import sys
import time

from QcloudApi.modules.base import Base
from QcloudApi.common.request import RequestInternal

A = ("AKIDemulatorAccountA0000000000000001", "emulator-secret-key-A", "100000000001")
B = ("AKIDemulatorAccountB0000000000000002", "emulator-secret-key-B", "100000000002")


class Sdk:
    """The official SDK's request building and signing, sent over plain HTTP."""

    def __init__(self, host, account, region, method, sign_method):
        cfg = {"secretId": account[0], "secretKey": account[1], "Region": region,
               "method": method, "SignatureMethod": sign_method, "endpoint": host}
        self.base = Base(cfg)
        self.host = host

    def call(self, action, params):
        req = RequestInternal(self.host, self.base.method, self.base.requestUri)
        self.base._build_req_inter(action, params, req)
        conn = http.client.HTTPConnection(self.host, timeout=10)
        if req.method == "GET":
            conn.request("GET", req.uri + "?" + req.data, headers=req.header)
        else:
            conn.request("POST", req.uri, body=req.data, headers=req.header)
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        assert resp.status == 200, (resp.status, body)
        return json.loads(body)


def ok(resp):
    assert int(resp["code"]) == 0, resp
    return resp


def code(resp):
    return int(resp["code"])


def wait(sdk, task_id):
    for _ in range(20):
        status = int(ok(sdk.call("DescribeVpcTaskResult", {"taskId": task_id}))["data"]["status"])
        if status != 2:
            return status
        time.sleep(0.01)
    raise AssertionError("task still running")


def state(sdk, pcx):
    data = ok(sdk.call("DescribeVpcPeeringConnections", {"peeringConnectionId": pcx}))["data"]
    return int(data[0]["state"])


def run(host, method, sign_method, n):
    a = Sdk(host, A, "gz", method, sign_method)
    b = Sdk(host, B, "gz", method, sign_method)
    b_sh = Sdk(host, B, "sh", method, sign_method)
    # Seed flow 1: A asks, B rejects, Describe shows 3.
    vpc_a = ok(a.call("CreateVpc", {"vpcName": f"a{n}", "cidrBlock": f"10.{n}.0.0/16",
                                    "subnetSet": [{"subnetName": "s", "cidrBlock": f"10.{n}.1.0/24", "zoneId": 100003}]}))["unVpcId"]
    vpc_b = ok(b.call("CreateVpc", {"vpcName": f"b{n}", "cidrBlock": f"10.{n + 100}.0.0/16"}))["unVpcId"]
    pcx = ok(a.call("CreateVpcPeeringConnection", {"vpcId": vpc_a, "peerVpcId": vpc_b, "peerUin": B[2],
                                                    "peeringConnectionName": "seed1"}))["peeringConnectionId"]
    ok(b.call("RejectVpcPeeringConnection", {"peeringConnectionId": pcx}))
    assert state(a, pcx) == 3
    # Seed flow 2: cross-region request, expiry after 8 days, Enable.
    vpc_sh = ok(b_sh.call("CreateVpc", {"vpcName": f"sh{n}", "cidrBlock": f"10.{n + 200}.0.0/16"}))["unVpcId"]
    created = ok(a.call("CreateVpcPeeringConnectionEx", {"vpcId": vpc_a, "peerVpcId": vpc_sh, "peerUin": B[2],
                                                         "peeringConnectionName": "seed2", "peerRegion": "sh", "bandwidth": "20"}))
    assert wait(a, created["taskId"]) == 0
    pcx2 = created["uniqVpcPeerId"]
    assert state(a, pcx2) == 0
    conn = http.client.HTTPConnection(host, timeout=10)
    conn.request("POST", "/_emulator/clock/advance?seconds=691200")
    assert conn.getresponse().status == 200
    conn.close()
    assert state(a, pcx2) == 2
    assert wait(a, ok(a.call("EnableVpcPeeringConnectionEx", {"peeringConnectionId": pcx2}))["taskId"]) == 0
    assert state(a, pcx2) == 0
    # Rejections.
    assert code(Sdk(host, ("AKIDnobody", "x", "0"), "gz", method, sign_method).call("DescribeVpcEx", {})) == 4104
    assert code(Sdk(host, (A[0], "wrong", A[2]), "gz", method, sign_method).call("DescribeVpcEx", {})) == 4100
    assert code(a.call("DescribeVpcEx", {"Timestamp": int(time.time()) - 1000})) == 4500
    nonce = 987654321 + n
    ok(a.call("DescribeVpcEx", {"Nonce": nonce}))
    assert code(a.call("DescribeVpcEx", {"Nonce": nonce})) == 4500
    missing = a.call("RejectVpcPeeringConnection", {})
    assert code(missing) == 4000 and "peeringConnectionId" in missing["message"], missing
    nf = a.call("RejectVpcPeeringConnection", {"peeringConnectionId": "pcx-nothere"})
    assert nf.get("codeDesc") == "InvalidPeeringConnection.NotFound", nf
    print(f"official SDK {method} {sign_method}: seed flows and rejections OK")


def main():
    binary = sys.argv[1]
    for quirks in ([], ["--string-quirks"]):
        proc = subprocess.Popen([binary, "--listen", "127.0.0.1:0"] + quirks, stdout=subprocess.PIPE, text=True)
        try:
            host = None
            for line in proc.stdout:
                if line.startswith("listening on http://"):
                    host = line.strip().removeprefix("listening on http://")
                    break
            assert host, "the emulator did not report its address"
            n = 1
            for method in ("GET", "POST"):
                for sign_method in ("HmacSHA1", "HmacSHA256"):
                    run(host, method, sign_method, n)
                    n += 1
        finally:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
