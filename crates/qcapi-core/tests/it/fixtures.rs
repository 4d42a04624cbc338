//! Response fixtures for every action of the foundation: success with `code` as 0 and
//! as `"0"`, quoted numbers, `taskId` at the top level or under `data`, error envelopes.

use qcapi_core::vpc::{self, *};
use qcapi_core::{Action, BusinessCode, CommonCode, Error, HttpResponse, Output, parse_response};

fn ok<A: Action>(action: &A, body: &str) -> A::Output {
    parse_response(action, HttpResponse::new(200, body))
        .unwrap_or_else(|e| panic!("{}: {body}: {e:?}", action.name()))
}

fn err<A: Action>(action: &A, body: &str) -> Error {
    parse_response(action, HttpResponse::new(200, body)).expect_err(body)
}

/// Success and error envelopes for an action with no outputs.
fn check_plain<A: Action>(action: &A) {
    for body in [
        r#"{"code":0,"message":""}"#,
        r#"{"code":"0","message":"","codeDesc":"Success"}"#,
    ] {
        let out = ok(action, body);
        assert_eq!(out.raw(), body);
    }
    check_errors(action);
}

/// Error envelopes, with the action's own business codes typed.
fn check_errors<A: Action>(action: &A) {
    let spec = action.spec().expect("spec'd action");
    for name in spec.errors {
        for code in [r#"5000"#, r#""5000""#] {
            let body =
                format!(r#"{{"code":{code},"codeDesc":"{name}","message":"no such thing"}}"#);
            let e = err(action, &body);
            let api = e.api().unwrap_or_else(|| panic!("{body}: {e:?}"));
            assert_eq!(api.code, 5000);
            assert_eq!(api.common_code(), CommonCode::ResourceNotFound);
            assert_eq!(api.business_code(), Some(*name));
            let typed = A::ErrorCode::of(&e).expect("a business code");
            assert_eq!(typed.as_str(), *name);
            assert_eq!(
                vpc::ErrorCode::of(api).as_ref().map(vpc::ErrorCode::as_str),
                Some(*name)
            );
            assert_eq!(api.raw.expose(), body);
        }
    }
    let e = err(
        action,
        r#"{"code":4100,"message":"signature mismatch","codeDesc":"AuthFailure"}"#,
    );
    assert_eq!(
        e.api().map(|a| a.common_code()),
        Some(CommonCode::AuthFailure)
    );
    assert!(!e.is_retryable());
    let e = err(action, r#"{"code":"4400","message":"slow down"}"#);
    assert!(e.is_retryable());
}

/// An asynchronous action: `taskId` top level or under `data`, number or string.
fn check_task<A: Action>(action: &A) {
    for (body, id) in [
        (r#"{"code":0,"message":"","taskId":112245}"#, 112245),
        (r#"{"code":"0","message":"","taskId":"16284"}"#, 16284),
        (r#"{"code":0,"message":"","data":{"taskId":"77"}}"#, 77),
        (r#"{"code":0,"message":"","data":{"taskId":5}}"#, 5),
    ] {
        assert_eq!(ok(action, body).task_id(), Some(id), "{body}");
    }
    check_errors(action);
}

#[test]
fn same_region_peering_actions() {
    check_plain(&AcceptVpcPeeringConnection::new("pcx-6gw5wvmk"));
    check_plain(&RejectVpcPeeringConnection::new("pcx-8g675gr8"));
    check_plain(&DeleteVpcPeeringConnection::new("pcx-0jtgah4s"));
    check_plain(&ModifyVpcPeeringConnection::new("pcx-krmzap90", "name"));
    check_plain(&EnableVpcPeeringConnection::new("pcx-1"));
    check_plain(&DeleteVpc::new("vpc-2ari9m7h"));
    let create = CreateVpcPeeringConnection::new("vpc-1", "vpc-2", "2407912486", "tses");
    let out = ok(
        &create,
        r#"{"code":"0","message":"","peeringConnectionId":"pcx-6gw5wvmk"}"#,
    );
    assert_eq!(out.peering_connection_id.as_deref(), Some("pcx-6gw5wvmk"));
    check_errors(&create);
}

#[test]
fn cross_region_peering_actions_return_tasks() {
    check_task(&AcceptVpcPeeringConnectionEx::new("pcx-1"));
    check_task(&RejectVpcPeeringConnectionEx::new("pcx-1"));
    check_task(&DeleteVpcPeeringConnectionEx::new("pcx-1"));
    check_task(&ModifyVpcPeeringConnectionEx::new("pcx-1", "n"));
    check_task(&EnableVpcPeeringConnectionEx::new("pcx-6gw5wvmk"));
    check_task(&CreateVpcPeeringConnectionEx::new(
        "gz_vpc_226",
        "gz_vpc_89",
        "2407912486",
        "tses",
        "gz",
        "20",
    ));
    let out = ok(
        &CreateVpcPeeringConnectionEx::new("a", "b", "1", "n", "gz", "20"),
        r#"{"code":0,"message":"","taskId":112245,"uniqVpcPeerId":"pcx-abc"}"#,
    );
    assert_eq!(out.uniq_vpc_peer_id.as_deref(), Some("pcx-abc"));
}

#[test]
fn describe_peering_connections_with_quoted_numbers() {
    let body = r#"{"code":"0","message":"","totalCount":"8","data":[
        {"vpcId":"gz_vpc_245","unVpcId":"vpc-1","peerVpcId":"gz_vpc_89","unPeerVpcId":"vpc-2","appId":"1251","peeringConnectionId":"pcx-dt8c7fa0",
         "peeringConnectionName":"p","state":"1","createTime":"2017-03-01 10:00:00","uin":"1","peerUin":"2","region":"cd","peerRegion":"hk"},
        {"peeringConnectionId":"pcx-2","state":3,"bandwidth":20}]}"#;
    let out = ok(&DescribeVpcPeeringConnections::new(), body);
    assert_eq!(out.total_count, Some(8));
    let data = out.data.unwrap();
    assert_eq!(data[0].state, Some(1));
    assert_eq!(data[0].peer_region.as_deref(), Some("hk"));
    assert_eq!(data[1].state, Some(3));
    assert_eq!(
        data[1].bandwidth.as_deref(),
        Some("20"),
        "numbers are accepted where text is expected"
    );
    check_errors(&DescribeVpcPeeringConnections::new());
}

#[test]
fn describe_vpc_task_result() {
    let action = DescribeVpcTaskResult::new(15454);
    for (body, status) in [
        (r#"{"code":0,"message":"","data":{"status":0}}"#, 0),
        (
            r#"{"code":"0","message":"","codeDesc":"Success","data":{"status":"2"}}"#,
            2,
        ),
        (
            r#"{"code":0,"message":"","data":{"status":1,"output":{"errorCode":1,"errorMsg":"x"}}}"#,
            1,
        ),
    ] {
        let out = ok(&action, body);
        assert_eq!(out.data.and_then(|d| d.status), Some(status), "{body}");
    }
}

#[test]
fn vpc_actions() {
    let create = CreateVpc::new("v", "10.0.0.0/16").subnet_set([SubnetSpec::new(
        "s",
        "10.0.1.0/24",
        100003,
    )]);
    let out = ok(
        &create,
        r#"{"code":0,"message":"","vpcId":"gz_vpc_226","uniqVpcId":"vpc-2ari9m7h","vpcCreateTime":"2017-03-01 10:00:00",
            "subnetSet":[{"subnetId":"gz_subnet_1","unSubnetId":"subnet-1","subnetName":"s","cidrBlock":"10.0.1.0/24","zoneId":"100003"}],
            "routeTableSet":[{"routeTableId":"rtb-1","routeTableType":"1","routeTableName":"default"}]}"#,
    );
    assert_eq!(out.uniq_vpc_id.as_deref(), Some("vpc-2ari9m7h"));
    assert_eq!(out.subnet_set.unwrap()[0].zone_id, Some(100003));
    assert_eq!(out.route_table_set.unwrap()[0].route_table_type, Some(1));
    check_errors(&create);
    let out = ok(
        &DescribeVpcEx::new(),
        r#"{"code":"0","message":"","totalCount":1,"data":[{"vpcId":"gz_vpc_1","unVpcId":"vpc-1","vpcName":"v","cidrBlock":"10.0.0.0/16","subnetNum":"2","isDefault":"false","isMulticast":1}]}"#,
    );
    let vpc = &out.data.unwrap()[0];
    assert_eq!(
        (vpc.subnet_num, vpc.is_default, vpc.is_multicast),
        (Some(2), Some(false), Some(true))
    );
}

#[test]
fn malformed_responses_are_typed_errors_with_the_body() {
    fn check(body: &str, status: u16) {
        let e = parse_response(&vpc::DescribeVpcEx::new(), HttpResponse::new(status, body))
            .unwrap_err();
        match e {
            Error::Decode { body: raw, .. } | Error::HttpStatus { body: raw, .. } => {
                assert_eq!(raw.expose(), body)
            }
            other => panic!("{body}: {other:?}"),
        }
    }
    check("<html>502 Bad Gateway</html>", 502);
    check("<html>oops</html>", 200);
    check(r#"{"message":"no code"}"#, 200);
    check(r#"{"code":"OK"}"#, 200);
    check(r#"{"code":0,"totalCount":"many"}"#, 200);
    check(r#"{"code":0,"data":"not a list"}"#, 200);
    check("", 200);
}
