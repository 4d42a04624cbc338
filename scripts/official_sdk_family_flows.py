#!/usr/bin/env python3
"""Drive every stateful VPC family of qcapi-emulator with the official legacy Python SDK.

Reuses official_sdk_seed_flows.py's `Sdk` (the SDK's own request building and signing, sent
over plain loopback HTTP) and its helpers. One short flow per family, with GET+HmacSHA1 and
POST+HmacSHA256: create the resource, describe it, modify it where the family can, provoke
one documented business error (its codeDesc is checked), delete it where a delete action
exists and check it is gone. Peering is covered by the seed script.

    pip install qcloudapi-sdk-python==2.0.15
    python3 scripts/official_sdk_family_flows.py path/to/qcapi-emulator
"""
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from official_sdk_seed_flows import A, Sdk, code, ok, wait  # noqa: E402


def fails(resp, code_desc):
    """The call failed with the business error `code_desc`."""
    assert code(resp) != 0 and resp.get("codeDesc") == code_desc, (code_desc, resp)


def gone(resp, code_desc):
    """A describe call shows nothing: either the not-found error or an empty list."""
    if code(resp) == 0:
        data = resp.get("data")
        if isinstance(data, dict) and "data" in data:
            data = data["data"]
        assert not data, resp
    else:
        fails(resp, code_desc)


def done(sdk, task_id):
    """Waits (bounded, in the seed helper) for a task and checks it succeeded."""
    assert wait(sdk, task_id) == 0, task_id


def task_of(resp):
    """An asynchronous action's task: at the top level, or as `data.taskId` (direct-connect Creates)."""
    ok(resp)
    return resp["taskId"] if "taskId" in resp else resp["data"]["taskId"]


def task_output(sdk, task_id):
    done(sdk, task_id)
    return ok(sdk.call("DescribeVpcTaskResult", {"taskId": task_id}))["data"]["output"]


def new_vpc(sdk, name, cidr="10.0.0.0/16", subnet=None):
    params = {"vpcName": name, "cidrBlock": cidr}
    if subnet:
        params["subnetSet"] = [{"subnetName": f"{name}-s", "cidrBlock": subnet, "zoneId": 100003}]
    return ok(sdk.call("CreateVpc", params))


def flow_vpc(a, n):
    vpc = new_vpc(a, f"vpc{n}")["unVpcId"]
    data = ok(a.call("DescribeVpcEx", {"vpcId": vpc}))["data"]
    assert len(data) == 1 and data[0]["vpcName"] == f"vpc{n}", data
    ok(a.call("ModifyVpcAttribute", {"vpcId": vpc, "vpcName": f"vpc{n}-renamed"}))
    assert ok(a.call("DescribeVpcEx", {"vpcId": vpc}))["data"][0]["vpcName"] == f"vpc{n}-renamed"
    fails(a.call("ModifyVpcAttribute", {"vpcId": "vpc-nothere0", "vpcName": "x"}), "InvalidVpc.NotFound")
    ok(a.call("DeleteVpc", {"vpcId": vpc}))
    gone(a.call("DescribeVpcEx", {"vpcId": vpc}), "InvalidVpc.NotFound")


def flow_subnet(a, n):
    vpc = new_vpc(a, f"subnet{n}")["unVpcId"]
    created = ok(a.call("CreateSubnet", {"vpcId": vpc, "subnetSet": [
        {"subnetName": "s1", "cidrBlock": "10.0.1.0/24", "zoneId": 100003}]}))["subnetSet"]
    subnet = created[0]["unSubnetId"]
    data = ok(a.call("DescribeSubnetEx", {"vpcId": vpc, "subnetId": subnet}))["data"]
    assert len(data) == 1 and data[0]["cidrBlock"] == "10.0.1.0/24", data
    ok(a.call("ModifySubnetAttribute", {"vpcId": vpc, "subnetId": subnet, "subnetName": "s1-renamed"}))
    assert ok(a.call("DescribeSubnet", {"vpcId": vpc, "subnetId": subnet}))["subnetName"] == "s1-renamed"
    fails(a.call("CreateSubnet", {"vpcId": vpc, "subnetSet": [
        {"subnetName": "s2", "cidrBlock": "10.0.1.128/25", "zoneId": 100003}]}), "InvalidSubnet.Conflict")
    ok(a.call("DeleteSubnet", {"vpcId": vpc, "subnetId": subnet}))
    gone(a.call("DescribeSubnetEx", {"vpcId": vpc, "subnetId": subnet}), "InvalidSubnet.NotFound")
    ok(a.call("DeleteVpc", {"vpcId": vpc}))


def flow_route_table(a, n):
    vpc = new_vpc(a, f"rtb{n}")["unVpcId"]
    rtb = ok(a.call("CreateRouteTable", {"vpcId": vpc, "routeTableName": "rt1"}))["unRouteTableId"]
    data = ok(a.call("DescribeRouteTable", {"vpcId": vpc, "routeTableId": rtb}))["data"]
    assert len(data) == 1 and data[0]["routeTableName"] == "rt1", data
    ok(a.call("ModifyRouteTableAttribute", {"vpcId": vpc, "routeTableId": rtb, "routeTableName": "rt1-renamed"}))
    data = ok(a.call("DescribeRouteTable", {"vpcId": vpc, "routeTableId": rtb}))["data"]
    assert data[0]["routeTableName"] == "rt1-renamed", data
    fails(a.call("CreateRouteTable", {"vpcId": vpc, "routeTableName": "rt1-renamed"}), "InvalidRouteTableName.InUse")
    ok(a.call("DeleteRouteTable", {"vpcId": vpc, "routeTableId": rtb}))
    gone(a.call("DescribeRouteTable", {"vpcId": vpc, "routeTableId": rtb}), "InvalidRouteTableId.NotFound")
    ok(a.call("DeleteVpc", {"vpcId": vpc}))


def flow_network_acl(a, n):
    created = new_vpc(a, f"acl{n}", subnet="10.0.1.0/24")
    vpc, subnet = created["unVpcId"], created["subnetSet"][0]["unSubnetId"]
    acl = ok(a.call("CreateNetworkAcl", {"vpcId": vpc, "networkAclName": "acl1"}))["data"]["networkAclId"]
    data = ok(a.call("DescribeNetworkAcl", {"vpcId": vpc, "networkAclId": acl}))["data"]
    assert len(data) == 1 and data[0]["networkAclName"] == "acl1", data
    ok(a.call("ModifyNetworkAcl", {"vpcId": vpc, "networkAclId": acl, "networkAclName": "acl1-renamed"}))
    data = ok(a.call("DescribeNetworkAcl", {"vpcId": vpc, "networkAclId": acl}))["data"]
    assert data[0]["networkAclName"] == "acl1-renamed", data
    ok(a.call("CreateSubnetAclRule", {"vpcId": vpc, "networkAclId": acl, "subnetIds": [subnet]}))
    fails(a.call("DeleteNetworkAcl", {"vpcId": vpc, "networkAclId": acl}), "NetworkAclID.InUse")
    ok(a.call("DeteleSubnetAclRule", {"vpcId": vpc, "networkAclId": acl, "subnetIds": [subnet]}))
    ok(a.call("DeleteNetworkAcl", {"vpcId": vpc, "networkAclId": acl}))
    gone(a.call("DescribeNetworkAcl", {"vpcId": vpc, "networkAclId": acl}), "InvalidNetworkAclID.NotFound")
    ok(a.call("DeleteSubnet", {"vpcId": vpc, "subnetId": subnet}))
    ok(a.call("DeleteVpc", {"vpcId": vpc}))


def flow_eni(a, n):
    created = new_vpc(a, f"eni{n}", subnet="10.0.1.0/24")
    vpc, subnet = created["unVpcId"], created["subnetSet"][0]["unSubnetId"]
    task = ok(a.call("CreateNetworkInterface", {"vpcId": vpc, "subnetId": subnet, "eniName": "eni1",
                                                 "eniDescription": "d"}))["taskId"]
    eni = task_output(a, task)["networkInterfaceId"]
    data = ok(a.call("DescribeNetworkInterfaces", {"vpcId": vpc, "networkInterfaceId": eni}))["data"]
    assert len(data) == 1 and data[0]["eniName"] == "eni1", data
    ok(a.call("ModifyNetworkInterface", {"vpcId": vpc, "networkInterfaceId": eni, "eniName": "eni1-renamed"}))
    data = ok(a.call("DescribeNetworkInterfaces", {"vpcId": vpc, "networkInterfaceId": eni}))["data"]
    assert data[0]["eniName"] == "eni1-renamed", data
    fails(a.call("DeleteSubnet", {"vpcId": vpc, "subnetId": subnet}), "InvalidSubnet.CannotDelete")
    done(a, ok(a.call("DeleteNetworkInterface", {"vpcId": vpc, "networkInterfaceId": eni}))["taskId"])
    gone(a.call("DescribeNetworkInterfaces", {"vpcId": vpc, "networkInterfaceId": eni}),
         "InvalidNetworkInterface.NotFound")
    ok(a.call("DeleteSubnet", {"vpcId": vpc, "subnetId": subnet}))
    ok(a.call("DeleteVpc", {"vpcId": vpc}))


def bill_done(sdk, bill_id):
    for _ in range(20):
        status = int(ok(sdk.call("QueryNatGatewayProductionStatus", {"billId": bill_id}))["data"]["status"])
        if status != 2:
            assert status == 0, status
            return
        time.sleep(0.01)
    raise AssertionError("bill still running")


def flow_nat(a, n):
    vpc = new_vpc(a, f"nat{n}")["unVpcId"]
    bill = ok(a.call("CreateNatGateway", {"natName": "nat1", "vpcId": vpc, "maxConcurrent": 1000000,
                                          "autoAllocEipNum": 1}))["billId"]
    bill_done(a, bill)
    data = ok(a.call("DescribeNatGateway", {"vpcId": vpc}))["data"]
    assert len(data) == 1 and data[0]["natName"] == "nat1", data
    nat = data[0]["natId"]
    ok(a.call("ModifyNatGateway", {"vpcId": vpc, "natId": nat, "natName": "nat1b", "bandwidth": 200}))
    data = ok(a.call("DescribeNatGateway", {"vpcId": vpc, "natId": nat}))["data"]
    assert data[0]["natName"] == "nat1b" and int(data[0]["bandwidth"]) == 200, data
    fails(a.call("DeleteVpc", {"vpcId": vpc}), "InvalidVpc.CannotDelete")
    done(a, ok(a.call("DeleteNatGateway", {"vpcId": vpc, "natId": nat}))["taskId"])
    gone(a.call("DescribeNatGateway", {"vpcId": vpc, "natId": nat}), "InvalidNatGatewayId.NotFound")
    ok(a.call("DeleteVpc", {"vpcId": vpc}))


def flow_flow_log(a, n):
    vpc = new_vpc(a, f"fl{n}")["unVpcId"]
    params = {"vpcId": vpc, "flowLogName": "fl1", "resourceType": "VPC", "resourceId": vpc,
              "trafficType": "ALL", "cloudLogId": "6b1c2f3e-0000-4000-8000-000000000001"}
    fl = ok(a.call("CreateFlowLog", params))["flowLogId"]
    described = ok(a.call("DescribeFlowLog", {"vpcId": vpc, "flowLogId": fl}))
    assert described["flowLogName"] == "fl1" and described["resourceId"] == vpc, described
    ok(a.call("ModifyFlowLogAttribute", {"vpcId": vpc, "flowLogId": fl, "flowLogName": "fl1-renamed"}))
    assert ok(a.call("DescribeFlowLog", {"vpcId": vpc, "flowLogId": fl}))["flowLogName"] == "fl1-renamed"
    fails(a.call("CreateFlowLog", dict(params, flowLogName="fl1-renamed")), "FlowLogNameDuplicate")
    ok(a.call("DeleteFlowLog", {"vpcId": vpc, "flowLogId": fl}))
    gone(a.call("DescribeFlowLog", {"vpcId": vpc, "flowLogId": fl}), "FlowLogIDNotFound")
    ok(a.call("DeleteVpc", {"vpcId": vpc}))


def flow_classic_link(a, n):
    vpc = new_vpc(a, f"cl{n}")["unVpcId"]
    ins = f"ins-clink{n:03d}"
    done(a, ok(a.call("AttachClassicLinkVpc", {"vpcId": vpc, "instanceIds": [ins]}))["taskId"])
    data = ok(a.call("DescribeVpcClassicLink", {"vpcId": vpc}))["data"]
    assert len(data) == 1 and data[0]["instanceId"] == ins, data
    fails(a.call("AttachClassicLinkVpc", {"vpcId": vpc, "instanceIds": [ins]}), "InstanceAlreadyLinked")
    done(a, ok(a.call("DetachClassicLinkVpc", {"vpcId": vpc, "instanceIds": [ins]}))["taskId"])
    gone(a.call("DescribeVpcClassicLink", {"vpcId": vpc}), "InvalidVpc.NotFound")
    ok(a.call("DeleteVpc", {"vpcId": vpc}))


def new_vpn_gw(sdk, vpc, name):
    deal = ok(sdk.call("CreateVpn", {"name": name, "vpcId": vpc, "period": 1, "bandwidth": 5}))["dealIds"][0]
    data = ok(sdk.call("DescribeVpnGw", {"dealId": deal}))["data"]
    assert len(data) == 1 and data[0]["vpnGwName"] == name, data
    return data[0]["unVpnGwId"]


def flow_vpn(a, n):
    vpc = new_vpc(a, f"vpn{n}")["unVpcId"]
    # VPN gateway (no delete action: it stays, and so does its VPC).
    gw = new_vpn_gw(a, vpc, "gw1")
    ok(a.call("ModifyVpnGw", {"vpcId": vpc, "vpnGwId": gw, "vpnGwName": "gw1-renamed"}))
    data = ok(a.call("DescribeVpnGw", {"vpcId": vpc, "vpnGwId": gw}))["data"]
    assert len(data) == 1 and data[0]["vpnGwName"] == "gw1-renamed", data
    # Customer gateway.
    cgw = ok(a.call("AddUserGw", {"userGwName": f"cgw{n}", "userGwAddr": f"203.0.113.{n}"}))["userGwId"]
    data = ok(a.call("DescribeUserGw", {"userGwId": cgw}))["data"]
    assert len(data) == 1 and data[0]["userGwAddr"] == f"203.0.113.{n}", data
    ok(a.call("ModifyUserGw", {"userGwId": cgw, "userGwName": f"cgw{n}-renamed"}))
    assert ok(a.call("DescribeUserGw", {"userGwId": cgw}))["data"][0]["userGwName"] == f"cgw{n}-renamed"
    # VPN connection between them.
    added = ok(a.call("AddVpnConnEx", {"vpcId": vpc, "vpnGwId": gw, "userGwId": cgw, "vpnConnName": "conn1",
                                       "preSharedKey": "s3cret", "userGwCidrBlock": ["192.168.0.0/24"]}))
    done(a, added["taskId"])
    conn = added["data"]["vpnConnId"]
    data = ok(a.call("DescribeVpnConn", {"vpcId": vpc, "vpnConnId": conn}))["data"]
    assert len(data) == 1 and data[0]["vpnConnName"] == "conn1", data
    done(a, ok(a.call("ModifyVpnConnEx", {"vpcId": vpc, "vpnGwId": gw, "vpnConnId": conn,
                                          "vpnConnName": "conn1-renamed"}))["taskId"])
    data = ok(a.call("DescribeVpnConn", {"vpcId": vpc, "vpnConnId": conn}))["data"]
    assert data[0]["vpnConnName"] == "conn1-renamed", data
    fails(a.call("DeleteUserGw", {"userGwId": cgw}), "InvalidUserGw.InUse")
    fails(a.call("DeleteVpc", {"vpcId": vpc}), "InvalidVpc.CannotDelete")
    done(a, ok(a.call("DeleteVpnConn", {"vpcId": vpc, "vpnGwId": gw, "vpnConnId": conn}))["taskId"])
    gone(a.call("DescribeVpnConn", {"vpcId": vpc, "vpnConnId": conn}), "InvalidVpnConn.NotFound")
    ok(a.call("DeleteUserGw", {"userGwId": cgw}))
    gone(a.call("DescribeUserGw", {"userGwId": cgw}), "InvalidUserGw.NotFound")


def flow_ssl_vpn(a, n):
    vpc = new_vpc(a, f"ssl{n}")["unVpcId"]
    gw = new_vpn_gw(a, vpc, "sslgw")
    ssl = ok(a.call("DescribeSSLVpn", {"vpcId": vpc}))["sslVpnSet"]
    assert len(ssl) == 1 and ssl[0]["sslVpnId"] == gw, ssl
    domain = ok(a.call("DescribeSSLVpnDomain", {"vpcId": vpc, "sslVpnId": gw}))["data"]
    assert len(domain) == 1 and domain[0]["groupId"].startswith("ugrp-"), domain
    acl = {"proto": "TCP", "action": 0, "destinationPort": "443", "sourceCidr": "172.16.0.0/24",
           "destinationCidr": "10.0.0.0/16"}
    done(a, ok(a.call("SetSSLVpnDomain", {"vpcId": vpc, "sslVpnId": gw, "ipPool": ["172.16.0.0/24"],
                                          "acl": [acl]}))["taskId"])
    domain = ok(a.call("DescribeSSLVpnDomain", {"vpcId": vpc, "sslVpnId": gw}))["data"]
    assert "172.16.0.0/24" in str(domain[0]["ipPool"]), domain
    fails(a.call("SetSSLVpnDomain", {"vpcId": vpc, "sslVpnId": "vpngw-nothere0", "ipPool": ["172.16.1.0/24"]}),
          "InvalidVpnGw.NotFound")


def flow_direct_connect(a, n):
    vpc = new_vpc(a, f"dc{n}")["unVpcId"]
    dcg = ok(a.call("CreateDirectConnectGateway", {"vpcId": vpc, "directConnectGatewayName": "dc1",
                                                   "type": 1}))["data"]["directConnectGatewayId"]
    data = ok(a.call("DescribeDirectConnectGateway", {"vpcId": vpc, "directConnectGatewayId": dcg}))["data"]
    assert len(data) == 1 and data[0]["directConnectGatewayName"] == "dc1", data
    done(a, ok(a.call("ModifyDirectConnectGateway", {"vpcId": vpc, "directConnectGatewayId": dcg,
                                                     "directConnectGatewayName": "dc1-renamed"}))["taskId"])
    data = ok(a.call("DescribeDirectConnectGateway", {"vpcId": vpc, "directConnectGatewayId": dcg}))["data"]
    assert data[0]["directConnectGatewayName"] == "dc1-renamed", data
    # One NAT rule (local IP translation).
    gw = {"vpcId": vpc, "directConnectGatewayId": dcg}
    rule = {"originalIP": "10.0.1.5", "translationIP": "172.16.0.5", "description": "r1"}
    done(a, task_of(a.call("CreateLocalIPTranslationNatRule", dict(gw, localIPTranslation=[rule]))))
    data = ok(a.call("DescribeLocalIPTranslationNatRule", gw))["data"]
    assert len(data) == 1 and data[0]["translationIP"] == "172.16.0.5", data
    ok(a.call("ModifyLocalIPTranslationNatRule", dict(gw, oldOriginalIP="10.0.1.5", oldTranslationIP="172.16.0.5",
                                                      description="r1-renamed")))
    data = ok(a.call("DescribeLocalIPTranslationNatRule", gw))["data"]
    assert data[0]["description"] == "r1-renamed", data
    fails(a.call("CreateLocalIPTranslationNatRule", dict(gw, localIPTranslation=[
        {"originalIP": "10.0.1.5", "translationIP": "172.16.0.6", "description": "dup"}])), "InvalidOriginalIP.Duplicate")
    ok(a.call("DeleteLocalIPTranslationNatRule", dict(gw, localIPTranslation=[
        {"originalIP": "10.0.1.5", "translationIP": "172.16.0.5"}])))
    gone(a.call("DescribeLocalIPTranslationNatRule", dict(gw, originalIP="10.0.1.5")),
         "InvalidLocalIPTranslation.NotFound")
    fails(a.call("DeleteVpc", {"vpcId": vpc}), "InvalidVpc.CannotDelete")
    done(a, ok(a.call("DeleteDirectConnectGateway", gw))["taskId"])
    gone(a.call("DescribeDirectConnectGateway", gw), "InvalidDirectConnectGateway.NotFound")
    ok(a.call("DeleteVpc", {"vpcId": vpc}))


def bm_done(sdk, task_id):
    for _ in range(20):
        status = int(ok(sdk.call("QueryBmTaskResult", {"taskId": task_id}))["data"]["status"])
        if status != 2:
            assert status == 0, status
            return
        time.sleep(0.01)
    raise AssertionError("bare-metal task still running")


def seed_bm_vpc(host, name, cidr):
    query = urllib.parse.urlencode({"account": A[2], "region": "gz", "name": name, "cidrBlock": cidr})
    conn = http.client.HTTPConnection(host, timeout=10)
    conn.request("POST", "/_emulator/bm-vpcs?" + query)
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    assert resp.status == 200, (resp.status, body)
    return json.loads(body)["vpcId"]


def flow_bare_metal(a, n, host):
    vpc = seed_bm_vpc(host, f"bm{n}", "10.0.0.0/16")
    data = ok(a.call("DescribeBmVpcEx", {"vpcId": vpc}))["data"]
    assert len(data) == 1 and data[0]["vpcName"] == f"bm{n}", data
    subnet = ok(a.call("CreateBmSubnet", {"vpcId": vpc, "subnetSet": [
        {"subnetName": "bs1", "cidrBlock": "10.0.1.0/24", "zoneId": 100003}]}))["subnetSet"][0]["unSubnetId"]
    data = ok(a.call("DescribeBmSubnetEx", {"vpcId": vpc, "subnetId": subnet}))["data"]
    assert len(data) == 1 and data[0]["subnetName"] == "bs1", data
    created = ok(a.call("CreateBmNatGateway", {"vpcId": vpc, "natName": "bmnat1", "maxConcurrent": "1000000",
                                               "autoAllocEipNum": "1", "subnetIds": [subnet]}))
    bm_done(a, created["taskId"])
    nat = created["natId"]
    data = ok(a.call("DescribeBmNatGateway", {"vpcId": vpc, "natId": nat}))["data"]
    assert len(data) == 1 and data[0]["natName"] == "bmnat1", data
    ok(a.call("ModifyBmNatGateway", {"vpcId": vpc, "natId": nat, "natName": "bmnat1-renamed"}))
    assert ok(a.call("DescribeBmNatGateway", {"vpcId": vpc, "natId": nat}))["data"][0]["natName"] == "bmnat1-renamed"
    fails(a.call("DeleteBmSubnet", {"vpcId": vpc, "subnetId": subnet}), "InvalidSubnet.CannotDelete")
    bm_done(a, ok(a.call("DeleteBmNatGateway", {"vpcId": vpc, "natId": nat}))["taskId"])
    gone(a.call("DescribeBmNatGateway", {"vpcId": vpc, "natId": nat}), "InvalidNatGatewayId.NotFound")
    ok(a.call("DeleteBmSubnet", {"vpcId": vpc, "subnetId": subnet}))
    gone(a.call("DescribeBmSubnetEx", {"vpcId": vpc, "subnetId": subnet}), "InvalidSubnet.NotFound")


FLOWS = [
    ("vpc", flow_vpc),
    ("subnet", flow_subnet),
    ("route_table", flow_route_table),
    ("network_acl", flow_network_acl),
    ("eni", flow_eni),
    ("nat", flow_nat),
    ("flow_log", flow_flow_log),
    ("classic_link", flow_classic_link),
    ("vpn_gateway+customer_gateway+vpn_connection", flow_vpn),
    ("ssl_vpn", flow_ssl_vpn),
    ("direct_connect", flow_direct_connect),
    ("bare_metal", lambda a, n: flow_bare_metal(a, n, a.host)),
]


def main():
    binary = sys.argv[1]
    proc = subprocess.Popen([binary, "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
    try:
        host = None
        for line in proc.stdout:
            if line.startswith("listening on http://"):
                host = line.strip().removeprefix("listening on http://")
                break
        assert host, "the emulator did not report its address"
        for n, (method, sign_method) in enumerate((("GET", "HmacSHA1"), ("POST", "HmacSHA256")), start=1):
            a = Sdk(host, A, "gz", method, sign_method)
            for family, flow in FLOWS:
                flow(a, n)
                print(f"official SDK {method} {sign_method}: {family} flow OK")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
