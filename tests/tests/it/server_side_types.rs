//! The generated types read both ways: a request a client writes reads back on the
//! server side to the same parameters, and an output the server serializes parses
//! on the client side to the same fields, for every action of the catalog.

use qcapi_core::spec::{FieldSpec, FieldType};
use qcapi_core::vpc::catalog;
use qcapi_core::{HttpResponse, Params};
use serde_json::{Map, Value, json};

/// A valid value for every parameter of `fields`, optional ones included, lists with two items.
fn every_param(fields: &[FieldSpec], prefix: &str, params: &mut Params) {
    for f in fields {
        let names: Vec<String> = if f.list {
            (0..2).map(|i| format!("{prefix}{}.{i}", f.name)).collect()
        } else {
            vec![format!("{prefix}{}", f.name)]
        };
        for name in names {
            let value = match f.ty {
                FieldType::Object => {
                    every_param(f.fields, &format!("{name}."), params);
                    continue;
                }
                FieldType::Json => {
                    params.push(format!("{name}.key"), "value");
                    continue;
                }
                _ if !f.allowed.is_empty() => f.allowed[f.allowed.len() - 1].to_owned(),
                FieldType::Integer => f
                    .maximum
                    .unwrap_or(7)
                    .min(7)
                    .max(f.minimum.unwrap_or(0))
                    .to_string(),
                FieldType::Float => "1.5".to_owned(),
                FieldType::Boolean => "true".to_owned(),
                FieldType::String => "x".repeat(f.min_length.unwrap_or(3).max(3) as usize),
            };
            params.push(name, value);
        }
    }
}

fn sorted(params: &Params) -> Vec<(String, String)> {
    let mut pairs: Vec<_> = params
        .iter()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    pairs.sort();
    pairs
}

#[test]
fn every_request_reads_back_to_the_parameters_a_client_wrote() {
    for spec in catalog::ACTIONS {
        let mut sent = Params::new();
        every_param(spec.params, "", &mut sent);
        let read = catalog::read_request(spec.name, &sent)
            .expect("a catalog action")
            .unwrap_or_else(|e| panic!("{}: {e}", spec.name));
        assert_eq!(sorted(&read), sorted(&sent), "{}", spec.name);
    }
}

#[test]
fn reading_a_request_names_the_parameter_at_fault() {
    let check = |action: &str, pairs: &[(&str, &str)], parameter: &str| {
        let params: Params = pairs.iter().copied().collect();
        let err = catalog::read_request(action, &params)
            .expect("a catalog action")
            .expect_err("invalid");
        assert_eq!(err.parameter, parameter, "{action}: {err}");
    };
    check("CreateVpc", &[("cidrBlock", "10.0.0.0/16")], "vpcName");
    check(
        "CreateVpc",
        &[
            ("vpcName", "a"),
            ("cidrBlock", "10.0.0.0/16"),
            ("subnetSet.0.subnetName", "s"),
        ],
        "subnetSet.0.cidrBlock",
    );
    check("DescribeVpcEx", &[("offset", "ten")], "offset");
}

#[test]
fn list_items_read_in_index_order_and_gaps_close() {
    let params: Params = [("zoneIds.7", "b"), ("zoneIds.2", "a")]
        .into_iter()
        .collect();
    let request =
        <qcapi_core::vpc::DescribeBmVpcEx as qcapi_core::FromParams>::from_params(&params)
            .expect("valid");
    assert_eq!(request.zone_ids, Some(vec!["a".to_owned(), "b".to_owned()]));
}

/// A sample of every output field: strings carry their name, lists hold two items.
fn every_output(fields: &[FieldSpec]) -> Map<String, Value> {
    let one = |f: &FieldSpec| match f.ty {
        FieldType::String => json!(format!("{}-value", f.name)),
        FieldType::Integer => json!(7),
        FieldType::Float => json!(1.5),
        FieldType::Boolean => json!(true),
        FieldType::Json => json!({"free": [1, "two"]}),
        FieldType::Object => Value::Object(every_output(f.fields)),
    };
    fields
        .iter()
        .map(|f| {
            let value = if f.list {
                json!([one(f), one(f)])
            } else {
                one(f)
            };
            (f.name.to_owned(), value)
        })
        .collect()
}

#[test]
fn every_output_serializes_to_the_wire_names_it_parses() {
    for spec in catalog::ACTIONS {
        let fields = every_output(spec.outputs);
        let mut body = json!({"code": 0, "message": "", "codeDesc": "Success"});
        body.as_object_mut()
            .expect("an object")
            .extend(fields.clone());
        let response = HttpResponse {
            status: 200,
            body: body.to_string().into_bytes(),
            location: None,
        };
        let typed = catalog::parse_typed(spec.name, response)
            .expect("a catalog action")
            .unwrap_or_else(|e| panic!("{}: {e}", spec.name));
        assert_eq!(typed, Value::Object(fields), "{}", spec.name);
    }
}
