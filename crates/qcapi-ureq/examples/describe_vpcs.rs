//! A small program on the blocking client: lists VPCs.
//!
//! Against a local emulator (`cargo run -p qcapi-emulator`, which prints demo keys):
//! `cargo run -p qcapi-ureq --example describe_vpcs -- http://127.0.0.1:9000 SECRET_ID SECRET_KEY`.
//! BENCHMARKS.md uses its release build to measure binary size.

use qcapi_ureq::{Client, Credentials, Error, vpc};

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [endpoint, secret_id, secret_key] = args.as_slice() else {
        eprintln!("usage: describe_vpcs ENDPOINT SECRET_ID SECRET_KEY");
        std::process::exit(2);
    };
    let client = Client::builder()
        .endpoint(endpoint.as_str())
        .credentials(Credentials::new(secret_id.as_str(), secret_key.as_str()))
        .region("gz")
        .build()?;
    let out = client.send(&vpc::DescribeVpcEx::new())?;
    for v in out.data.unwrap_or_default() {
        println!(
            "{}\t{}",
            v.un_vpc_id.unwrap_or_default(),
            v.vpc_name.unwrap_or_default()
        );
    }
    Ok(())
}
