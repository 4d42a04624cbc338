//! Signing benchmarks: the bare HMAC-SHA256 + base64 floor, the core signer on the
//! same string-to-sign, complete signed GET and POST requests for the seed action
//! `RejectVpcPeeringConnection` and a `CreateVpc` with 5 subnets, the stages of
//! `build_request`.

#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use qcapi_bench::fixtures::{self, CTX, SECRET_KEY};
use qcapi_core::{
    Action, Config, HttpMethod, Params, SignatureMethod, build_request, request, sign,
};

type Group<'a> = criterion::BenchmarkGroup<'a, criterion::measurement::WallTime>;

fn signing(c: &mut Criterion) {
    let get = fixtures::config(HttpMethod::Get);
    let post = fixtures::config(HttpMethod::Post);
    let reject = fixtures::reject();
    let create = fixtures::create_vpc_5_subnets();
    let sts = build_request(&reject, &get, CTX)
        .expect("a valid request")
        .string_to_sign()
        .to_owned();

    let mut group = c.benchmark_group("sign");
    group.bench_function("floor: hmac-sha256 + base64 (reject string-to-sign)", |b| {
        b.iter(|| {
            fixtures::hmac_sha256_base64(
                black_box(SECRET_KEY.as_bytes()),
                black_box(sts.as_bytes()),
            )
        })
    });
    group.bench_function(
        "signature only: qcapi_core::sign::sign (same string)",
        |b| {
            b.iter(|| {
                sign::sign(
                    black_box(SECRET_KEY),
                    SignatureMethod::HmacSha256,
                    black_box(&sts),
                )
            })
        },
    );
    let key = sign::SigningKey::new(SECRET_KEY);
    group.bench_function(
        "signature only, keyed once: SigningKey::sign (same string)",
        |b| b.iter(|| key.sign(SignatureMethod::HmacSha256, black_box(&sts))),
    );
    group.finish();

    let workloads: [(&str, &dyn Stages, &Config); 4] = [
        ("RejectVpcPeeringConnection GET", &reject, &get),
        ("RejectVpcPeeringConnection POST", &reject, &post),
        ("CreateVpc 5 subnets GET", &create, &get),
        ("CreateVpc 5 subnets POST", &create, &post),
    ];
    let mut group = c.benchmark_group("build_request");
    for (name, action, config) in workloads {
        action.build(&mut group, name, config);
    }
    group.finish();

    // Where build_request's time goes, stage by stage (core's public stage functions).
    for (name, action, config) in [workloads[0], workloads[2]] {
        let mut group = c.benchmark_group(format!("stages {name}"));
        action.stages(&mut group, config);
        group.finish();
    }
}

/// The measurements of one action type, behind one reference.
trait Stages {
    fn build(&self, group: &mut Group<'_>, name: &str, config: &Config);
    fn stages(&self, group: &mut Group<'_>, config: &Config);
}

impl<A: Action> Stages for A {
    fn build(&self, group: &mut Group<'_>, name: &str, config: &Config) {
        group.bench_function(name, |b| {
            b.iter(|| build_request(black_box(self), black_box(config), black_box(CTX)))
        });
    }

    fn stages(&self, group: &mut Group<'_>, config: &Config) {
        let spec = self.spec().expect("a catalog action");
        let mut own = Params::new();
        self.write_params(&mut own);
        let all = request::request_params(self, config, CTX).expect("valid parameters");
        let (host, path) = (config.endpoint().host(), config.endpoint().path());
        let method = config.http_method();
        let sts = sign::string_to_sign(method.as_str(), host, path, all.iter());
        group.bench_function("1 write_params", |b| {
            b.iter(|| {
                let mut params = Params::new();
                black_box(self).write_params(&mut params);
                params
            })
        });
        group.bench_function("2 ActionSpec::validate", |b| {
            b.iter(|| spec.validate(black_box(&own)))
        });
        group.bench_function("1+2+3 request_params (plus the common parameters)", |b| {
            b.iter(|| request::request_params(black_box(self), config, CTX))
        });
        group.bench_function("4 sign::string_to_sign", |b| {
            b.iter(|| sign::string_to_sign(method.as_str(), host, path, black_box(&all).iter()))
        });
        let key = sign::SigningKey::new(SECRET_KEY);
        group.bench_function("5 SigningKey::sign", |b| {
            b.iter(|| key.sign(SignatureMethod::HmacSha256, black_box(&sts)))
        });
        group.bench_function("4+5+6 sign_params (string-to-sign, sign, encode)", |b| {
            b.iter_batched(
                || all.clone(),
                |params| request::sign_params(params, config, method),
                BatchSize::SmallInput,
            )
        });
    }
}

criterion_group!(benches, signing);
criterion_main!(benches);
