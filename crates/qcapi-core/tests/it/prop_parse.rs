//! Property tests of response parsing: no panics, codes preserved, typed outputs round-trip.

use proptest::prelude::*;
use qcapi_core::vpc::{
    CreateVpc, DescribeVpcPeeringConnections, DescribeVpcPeeringConnectionsOutput,
    DescribeVpcTaskResult, EnableVpcPeeringConnectionEx, PeeringConnection,
};
use qcapi_core::{Action, Error, HttpResponse, RawAction, parse_response};
use serde_json::{Value, json};

fn parse<A: Action>(action: &A, body: &[u8]) -> Result<A::Output, Error> {
    parse_response(action, HttpResponse::new(200, body.to_vec()))
}

/// Every JSON number in `v` quoted, as the documentation's examples show them.
fn quote_numbers(v: Value) -> Value {
    match v {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Array(a) => Value::Array(a.into_iter().map(quote_numbers).collect()),
        Value::Object(m) => {
            Value::Object(m.into_iter().map(|(k, v)| (k, quote_numbers(v))).collect())
        }
        other => other,
    }
}

fn peering() -> impl Strategy<Value = PeeringConnection> {
    (
        proptest::option::of("pcx-[a-z0-9]{8}"),
        proptest::option::of(any::<String>()),
        proptest::option::of(0i64..5),
        proptest::option::of("[0-9]{1,12}"),
    )
        .prop_map(|(id, name, state, uin)| PeeringConnection {
            peering_connection_id: id,
            peering_connection_name: name,
            state,
            uin,
            ..PeeringConnection::default()
        })
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("code".to_owned()),
                    Just("data".to_owned()),
                    Just("taskId".to_owned()),
                    Just("totalCount".to_owned()),
                    any::<String>()
                ],
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..256), status in 100u16..600) {
        let response = HttpResponse::new(status, body.clone());
        let _ = parse_response(&DescribeVpcPeeringConnections::new(), response.clone());
        let _ = parse_response(&CreateVpc::new("a", "10.0.0.0/16"), response.clone());
        let _ = parse_response(&DescribeVpcTaskResult::new(1), response.clone());
        let _ = parse_response(&RawAction::new("X"), response);
    }

    #[test]
    fn arbitrary_json_never_panics_and_keeps_the_body(v in json_value()) {
        let body = serde_json::to_vec(&v).unwrap();
        match parse(&DescribeVpcPeeringConnections::new(), &body) {
            Ok(out) => prop_assert_eq!(qcapi_core::Output::raw(&out).as_bytes(), &body[..]),
            Err(Error::Api(e)) => prop_assert_eq!(e.raw.expose().as_bytes(), &body[..]),
            Err(Error::Decode { body: raw, .. }) => prop_assert_eq!(raw.expose().as_bytes(), &body[..]),
            Err(other) => prop_assert!(false, "unexpected error {other:?}"),
        }
    }

    #[test]
    fn any_nonzero_code_is_an_api_error_preserving_it(code in any::<i64>().prop_filter("non-zero", |c| *c != 0), quoted in any::<bool>(), desc in proptest::option::of("[A-Za-z.]{1,30}")) {
        let code_json = if quoted { json!(code.to_string()) } else { json!(code) };
        let mut body = json!({"code": code_json, "message": "boom"});
        if let Some(d) = &desc {
            body["codeDesc"] = json!(d);
        }
        let err = parse(&EnableVpcPeeringConnectionEx::new("pcx-1"), body.to_string().as_bytes()).unwrap_err();
        let api = err.api().expect("an API error");
        prop_assert_eq!(api.code, code);
        prop_assert_eq!(&api.code_desc, &desc);
        prop_assert_eq!(&api.message, "boom");
        prop_assert_eq!(&api.action, "EnableVpcPeeringConnectionEx");
    }

    #[test]
    fn typed_outputs_round_trip_with_numbers_quoted_or_not(
        total in proptest::option::of(0i64..1_000_000),
        data in proptest::option::of(prop::collection::vec(peering(), 0..5)),
        quoted in any::<bool>(),
        code_as_string in any::<bool>(),
    ) {
        let original = DescribeVpcPeeringConnectionsOutput { total_count: total, data, ..Default::default() };
        let mut body = serde_json::to_value(&original).unwrap();
        if quoted {
            body = quote_numbers(body);
        }
        body["code"] = if code_as_string { json!("0") } else { json!(0) };
        body["message"] = json!("");
        let parsed = parse(&DescribeVpcPeeringConnections::new(), body.to_string().as_bytes()).unwrap();
        prop_assert_eq!(serde_json::to_value(&parsed).unwrap(), serde_json::to_value(&original).unwrap());
    }
}
