//! An application configured by nothing but its environment: credentials, region
//! and endpoint (`TENCENTCLOUD_ENDPOINT`, or `TENCENTCLOUD_DOMAIN`) all come from it,
//! so pointing it at `qcapi emulator` needs no code change.
//!
//! `TENCENTCLOUD_ENDPOINT=http://127.0.0.1:9000 TENCENTCLOUD_SECRET_ID=... TENCENTCLOUD_SECRET_KEY=...
//! TENCENTCLOUD_REGION=gz cargo run -p qcapi-tests --example from_environment [async]`

use qcapi_core::vpc;

fn main() -> Result<(), qcapi_core::Error> {
    let asynchronous = std::env::args().nth(1).as_deref() == Some("async");
    let out = if asynchronous {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let client = qcapi_reqwest::Client::builder().build()?;
            println!("endpoint {}", client.config().endpoint().base_url());
            client.send(&vpc::DescribeVpcEx::new()).await
        })?
    } else {
        let client = qcapi_ureq::Client::builder().build()?;
        println!("endpoint {}", client.config().endpoint().base_url());
        client.send(&vpc::DescribeVpcEx::new())?
    };
    println!("{} VPCs", out.total_count.unwrap_or(0));
    Ok(())
}
