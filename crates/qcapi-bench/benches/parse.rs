//! Parsing benchmarks: a `DescribeVpcPeeringConnections` response with 100 entries,
//! typed (envelope check, output struct, metadata) next to `serde_json::Value` on
//! the same bytes.

#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use qcapi_bench::fixtures;
use qcapi_core::{HttpResponse, parse_response, vpc};

fn parsing(c: &mut Criterion) {
    let body = fixtures::describe_peerings_body(100);
    let action = vpc::DescribeVpcPeeringConnections::new();
    let mut group = c.benchmark_group("parse DescribeVpcPeeringConnections x100");
    group.throughput(Throughput::Bytes(body.len() as u64));
    // The response owns its body, so each iteration gets a fresh copy (outside the timing).
    group.bench_function("typed: parse_response", |b| {
        b.iter_batched(
            || HttpResponse::new(200, body.clone()),
            |response| parse_response(black_box(&action), response),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("serde_json::Value::from_slice", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&body)))
    });
    group.finish();
}

criterion_group!(benches, parsing);
criterion_main!(benches);
