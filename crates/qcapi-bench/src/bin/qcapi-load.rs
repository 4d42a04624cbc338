//! The end-to-end load tool of issue #6. Prints a human summary on stderr and one
//! JSON object on stdout (what `scripts/bench_official_sdk.py` reads).
//!
//! ```text
//! qcapi-load micro [--secs S]                    building signed requests, the HMAC floor, parsing
//! qcapi-load blocking [--endpoint URL] [--calls N] [--warmup N] [--rounds 5] [--floor-cpu N] [--account ID:KEY:UIN] [--resolver qcapi|ureq]
//!                                                alternating with as many bare ping-pong round trips (the floor)
//! qcapi-load pingpong-server --request-bytes N --response-bytes N   the floor's server (one connection)
//! qcapi-load server [--emulator PATH] [--calls N] [--rounds 5] [--warmup N] [--state-file PATH]
//!                                                the emulator binary's CPU per call, alternating with
//!                                                the ping-pong server's per round trip (same sizes)
//! qcapi-load persist-cost [--emulator PATH] [--calls N] [--dir DIR]
//!                                                CreateVpc with and without --state-file, alternating
//! qcapi-load async [--endpoint URL] [--calls N] [--in-flight 64] [--threads 0] [--warmup N] [--account ...]
//! qcapi-load mixed [--clients 8] [--calls 2000]  several clients, then a state check (own emulator)
//! qcapi-load fuzz-seeds DIR                      seed corpora and dictionary for fuzz/
//! ```
//!
//! Without `--endpoint`, `blocking` and `async` start an emulator in this process
//! (its memory then counts in the peak RSS). `--threads 0` is a current-thread runtime.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use qcapi_bench::{fixtures, load, pingpong, seeds, stats};
use qcapi_core::{Action, HttpMethod, build_request};
use qcapi_emulator::{Account, Emulator};
use serde_json::json;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(report) => {
            let mut report = report;
            if let Some(map) = report.as_object_mut() {
                map.insert("peak_rss_kib".into(), json!(stats::peak_rss_kib()));
                // Whole-process counters: seeding and warm-up included.
                let cpu_ms = stats::cpu_time().map(|t| t.as_millis());
                map.insert("cpu_ms".into(), json!(cpu_ms));
                let switches = stats::involuntary_context_switches();
                map.insert("involuntary_context_switches".into(), json!(switches));
            }
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("qcapi-load: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `--name value` options after the subcommand.
struct Options<'a>(&'a [String]);

impl Options<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .windows(2)
            .find(|w| w[0] == name)
            .map(|w| w[1].as_str())
    }

    fn number(&self, name: &str, default: usize) -> Result<usize, String> {
        self.get(name).map_or(Ok(default), |v| {
            v.parse()
                .map_err(|_| format!("{name}: expected a number, got `{v}`"))
        })
    }
}

fn run(args: &[String]) -> Result<serde_json::Value, String> {
    let (command, rest) = args.split_first().ok_or(USAGE)?;
    let opts = Options(rest);
    match command.as_str() {
        "micro" => Ok(micro(opts.number("--secs", 2)?)),
        "blocking" | "async" => end_to_end(command == "async", &opts),
        "server" => server_against_floor(&opts),
        "persist-cost" => persist_cost(&opts),
        "mixed" => {
            let (clients, calls) = (opts.number("--clients", 8)?, opts.number("--calls", 2000)?);
            let emulator = load::mixed_accounts(clients)
                .into_iter()
                .fold(Emulator::builder(), |b, a| b.account(a))
                .start()
                .map_err(|e| e.to_string())?;
            // Each round leaves one VPC: more than the default quota of 20 per region.
            emulator.set_limit("0", 1_000_000)?;
            let report = load::mixed(&emulator.base_url(), clients, calls);
            eprintln!(
                "mixed, {clients} clients x {} rounds x {} calls: {}",
                report.rounds,
                load::CALLS_PER_ROUND,
                report.summary
            );
            // The emulator's own count of executed requests, per action.
            let executed: serde_json::Map<String, serde_json::Value> = report
                .calls_by_action
                .keys()
                .map(|name| (name.to_string(), json!(emulator.request_count(name))))
                .collect();
            for problem in &report.unexpected {
                eprintln!("unexpected: {problem}");
            }
            let mut out = report.to_json();
            out["clients"] = json!(clients);
            out["emulator_executed"] = json!(executed);
            if report.unexpected.is_empty() {
                Ok(out)
            } else {
                Err(format!(
                    "{} unexpected results: {out}",
                    report.unexpected.len()
                ))
            }
        }
        "pingpong-server" => {
            let request = opts.number("--request-bytes", 0)?;
            let response = opts.number("--response-bytes", 0)?;
            let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
            let addr = listener.local_addr().map_err(|e| e.to_string())?;
            // The parent reads this line, then connects once.
            println!("listening on {addr}");
            pingpong::serve(&listener, 1, request, response).map_err(|e| e.to_string())?;
            // The parent stopped reading this pipe after the first line: no report.
            std::process::exit(0)
        }
        "fuzz-seeds" => {
            let dir = rest.first().ok_or("fuzz-seeds: which directory?")?;
            let n = seeds::write_corpus(std::path::Path::new(dir)).map_err(|e| e.to_string())?;
            eprintln!("wrote {n} seed inputs under {dir} and the dictionary {dir}/qcapi.dict");
            Ok(json!({ "seeds": n }))
        }
        other => Err(format!("unknown command `{other}`\n{USAGE}")),
    }
}

const USAGE: &str = "usage: qcapi-load micro|blocking|async|server|persist-cost|mixed|pingpong-server|fuzz-seeds [options] (see the source's header)";

/// The emulator binary's own CPU per call (all its threads, from procfs), next to
/// the bare ping-pong server's per round trip of the same sizes: `rounds` rounds of
/// `calls / rounds` sequential blocking calls, alternating with as many round trips.
/// What a child server prints as `listening on ADDR` on its piped stdout (the
/// emulator prints account lines first); empty if it exits without.
fn listening_on(child: &mut std::process::Child) -> Result<String, String> {
    use std::io::BufRead;
    let Some(stdout) = child.stdout.take() else {
        return Ok(String::new());
    };
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line.map_err(|e| e.to_string())?;
        if let Some(addr) = line.strip_prefix("listening on ") {
            return Ok(addr.trim().to_owned());
        }
    }
    Ok(String::new())
}

/// Starts the emulator binary (`--emulator PATH`, else beside this one) on a free
/// port, with `--state-file` if given (a fresh file); returns it and its URL.
fn spawn_emulator(
    opts: &Options<'_>,
    state_file: Option<&str>,
) -> Result<(std::process::Child, String), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let binary = opts.get("--emulator").map_or_else(
        || exe.with_file_name("qcapi-emulator"),
        std::path::PathBuf::from,
    );
    let mut command = std::process::Command::new(&binary);
    command.args(["--listen", "127.0.0.1:0"]);
    if let Some(path) = state_file {
        let _ = std::fs::remove_file(path);
        command.args(["--state-file", path]);
    }
    let mut emulator = command
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting {}: {e}", binary.display()))?;
    let endpoint = listening_on(&mut emulator)?;
    // The runs create more VPCs than the emulator's default quota of 20 per region.
    ureq::post(format!("{endpoint}/_emulator/limits"))
        .send(r#"{"0":1000000}"#)
        .map_err(|e| format!("raising the emulator's VPC quota: {e}"))?;
    Ok((emulator, endpoint))
}

/// What `--state-file` costs per mutating call: `--calls` CreateVpc calls against an
/// emulator without a state file and one with (in `--dir`, default the temporary
/// directory), in five alternating rounds; wall time and emulator CPU per call.
fn persist_cost(opts: &Options<'_>) -> Result<serde_json::Value, String> {
    let calls = opts.number("--calls", 1_000)?;
    let dir = opts
        .get("--dir")
        .map_or_else(std::env::temp_dir, std::path::PathBuf::from);
    let path = dir.join(format!("qcapi-persist-cost-{}.json", std::process::id()));
    let path_text = path.to_string_lossy().into_owned();
    let account = Account::demo_a();
    let per_round = calls / 5;
    let mut totals = [(Duration::ZERO, Duration::ZERO); 2];
    let mut size = 0;
    for round in 0..5 {
        for (slot, state_file) in [None, Some(path_text.as_str())].into_iter().enumerate() {
            let (mut emulator, endpoint) = spawn_emulator(opts, state_file)?;
            let measured = (|| {
                let client = load::blocking_client(&endpoint, &account, HttpMethod::Get)
                    .map_err(|e| e.to_string())?;
                let cpu_before = stats::process_cpu(emulator.id()).unwrap_or_default();
                let started = Instant::now();
                for i in 0..per_round {
                    let create =
                        qcapi_core::vpc::CreateVpc::new(format!("p{round}-{i}"), "10.0.0.0/16");
                    client.send(&create).map_err(|e| e.to_string())?;
                }
                let wall = started.elapsed();
                let cpu = stats::process_cpu(emulator.id()).unwrap_or_default();
                Ok::<_, String>((wall, cpu.saturating_sub(cpu_before)))
            })();
            if state_file.is_some() {
                size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            }
            let _ = emulator.kill();
            let _ = emulator.wait();
            let (wall, cpu) = measured?;
            totals[slot].0 += wall;
            totals[slot].1 += cpu;
        }
    }
    let _ = std::fs::remove_file(&path);
    let n = u32::try_from(per_round * 5).unwrap_or(u32::MAX).max(1);
    let per = |i: usize| (micros(totals[i].0 / n), micros(totals[i].1 / n));
    let ((wall_off, cpu_off), (wall_on, cpu_on)) = (per(0), per(1));
    eprintln!(
        "CreateVpc, up to {per_round} VPCs per emulator: without a state file {wall_off:.1} us wall and \
         {cpu_off:.1} us emulator CPU per call; with one ({size} bytes at the end, in {}) \
         {wall_on:.1} us wall and {cpu_on:.1} us CPU",
        dir.display()
    );
    Ok(json!({
        "mode": "persist-cost",
        "calls": n,
        "vpcs_per_emulator": per_round,
        "state_file_bytes_at_end": size,
        "without": {"wall_us": wall_off, "emulator_cpu_us": cpu_off},
        "with": {"wall_us": wall_on, "emulator_cpu_us": cpu_on},
    }))
}

fn server_against_floor(opts: &Options<'_>) -> Result<serde_json::Value, String> {
    let (mut emulator, endpoint) = spawn_emulator(opts, opts.get("--state-file"))?;
    let result = (|| {
        let account = Account::demo_a();
        load::seed(&endpoint, &account).map_err(|e| format!("seeding: {e}"))?;
        let rounds = opts.number("--rounds", 5)?.max(1);
        let per_round = opts.number("--calls", 5_000)? / rounds;
        let warmup = opts.number("--warmup", 200)?;
        let send = load::blocking_sender(&endpoint, &account, false).map_err(|e| e.to_string())?;
        let (mut floor, mut server) = start_floor(&endpoint, &account, None)?;
        let cpu_of =
            |child: &std::process::Child| stats::process_cpu(child.id()).unwrap_or_default();
        let measured = (|| {
            for _ in 0..warmup {
                send().map_err(|e| e.to_string())?;
                floor.client.round_trip().map_err(|e| e.to_string())?;
            }
            let (mut emulator_cpu, mut floor_cpu, mut ratios) =
                (Duration::ZERO, Duration::ZERO, Vec::new());
            for _ in 0..rounds {
                let before = cpu_of(&emulator);
                for _ in 0..per_round {
                    send().map_err(|e| e.to_string())?;
                }
                let a = cpu_of(&emulator).saturating_sub(before);
                let before = cpu_of(&server);
                for _ in 0..per_round {
                    floor
                        .client
                        .round_trip()
                        .map_err(|e| format!("ping-pong: {e}"))?;
                }
                let b = cpu_of(&server).saturating_sub(before);
                ratios.push(a.as_secs_f64() / b.as_secs_f64().max(1e-12));
                emulator_cpu += a;
                floor_cpu += b;
            }
            Ok::<_, String>((emulator_cpu, floor_cpu, ratios))
        })();
        drop(floor.client);
        let _ = server.kill();
        let _ = server.wait();
        let (emulator_cpu, floor_cpu, mut ratios) = measured?;
        ratios.sort_by(f64::total_cmp);
        let calls = u32::try_from(per_round * rounds).unwrap_or(u32::MAX).max(1);
        let (per_call, per_trip) = (emulator_cpu / calls, floor_cpu / calls);
        let median = ratios[ratios.len() / 2];
        eprintln!(
            "emulator CPU per {} call {:.1} us; bare ping-pong server ({} + {} bytes) {:.1} us per round trip; \
             median of {rounds} rounds: {median:.2}x (rounds {ratios:.2?})",
            load::e2e_action().name(),
            micros(per_call),
            floor.request_bytes,
            floor.response_bytes,
            micros(per_trip),
        );
        Ok(json!({
            "mode": "server",
            "action": load::e2e_action().name(),
            "state_file": opts.get("--state-file").is_some(),
            "rounds": rounds,
            "calls": calls,
            "emulator_cpu_per_call_us": micros(per_call),
            "pingpong": {
                "request_bytes": floor.request_bytes,
                "response_bytes": floor.response_bytes,
                "server_cpu_per_round_trip_us": micros(per_trip),
            },
            "emulator_vs_pingpong": {"median": median, "rounds": ratios},
        }))
    })();
    let _ = emulator.kill();
    let _ = emulator.wait();
    result
}

fn end_to_end(asynchronous: bool, opts: &Options<'_>) -> Result<serde_json::Value, String> {
    let account = match opts.get("--account") {
        Some(text) => text.parse::<Account>()?,
        None => Account::demo_a(),
    };
    let calls = opts.number("--calls", if asynchronous { 20_000 } else { 5_000 })?;
    let warmup = opts.number("--warmup", 200)?;
    // Keep an in-process emulator alive for the whole run when no endpoint is given.
    let (_emulator, endpoint) = match opts.get("--endpoint") {
        Some(url) => (None, url.to_owned()),
        None => {
            let emulator = Emulator::start().map_err(|e| e.to_string())?;
            let url = emulator.base_url();
            (Some(emulator), url)
        }
    };
    load::seed(&endpoint, &account).map_err(|e| format!("seeding: {e}"))?;
    let (label, summary, extra) = if asynchronous {
        let in_flight = opts.number("--in-flight", 64)?;
        let threads = opts.number("--threads", 0)?;
        let summary = load::async_in_flight(&endpoint, &account, calls, in_flight, threads, warmup)
            .map_err(|e| e.to_string())?;
        let extra = json!({"in_flight": in_flight, "worker_threads": threads});
        (format!("async, {in_flight} in flight"), summary, extra)
    } else {
        let ureq_resolver = match opts.get("--resolver") {
            None | Some("qcapi") => false,
            Some("ureq") => true,
            Some(other) => return Err(format!("--resolver: qcapi or ureq, got `{other}`")),
        };
        let rounds = opts.number("--rounds", 5)?.max(1);
        let (summary, floor) = blocking_against_floor(
            &endpoint,
            &account,
            ureq_resolver,
            calls / rounds,
            rounds,
            warmup,
            opts.get("--floor-cpu"),
        )?;
        let label = if ureq_resolver {
            "blocking, sequential, ureq's default resolver"
        } else {
            "blocking, sequential"
        };
        (label.to_owned(), summary, floor)
    };
    eprintln!("{label}: {summary}");
    let mut out = summary.to_json();
    out["mode"] = json!(if asynchronous { "async" } else { "blocking" });
    out["action"] = json!(load::e2e_action().name());
    out["in_process_emulator"] = json!(opts.get("--endpoint").is_none());
    if let (Some(out), Some(extra)) = (out.as_object_mut(), extra.as_object()) {
        out.extend(extra.clone());
    }
    Ok(out)
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// `rounds` rounds, each of `per_round` sequential blocking calls and as many bare
/// ping-pong round trips of the same request and response sizes (the floor, with
/// its server in a child process, so that only client CPU is counted, as for the
/// qcapi client against `--endpoint`). Alternating keeps the machine's drift out of
/// the ratio; the reported ratio is the median of the rounds'.
fn blocking_against_floor(
    endpoint: &str,
    account: &Account,
    ureq_resolver: bool,
    per_round: usize,
    rounds: usize,
    warmup: usize,
    floor_cpu: Option<&str>,
) -> Result<(stats::Summary, serde_json::Value), String> {
    use pingpong::Run;
    let send =
        load::blocking_sender(endpoint, account, ureq_resolver).map_err(|e| e.to_string())?;
    let (mut floor, mut server) = start_floor(endpoint, account, floor_cpu)?;
    let result = (|| {
        Run::measure(warmup, &send).map_err(|e| e.to_string())?;
        Run::measure(warmup, || floor.client.round_trip()).map_err(|e| e.to_string())?;
        let (mut qcapi, mut bare, mut ratios) = (Run::default(), Run::default(), Vec::new());
        for _ in 0..rounds {
            let a = Run::measure(per_round, &send).map_err(|e| e.to_string())?;
            let b = Run::measure(per_round, || floor.client.round_trip())
                .map_err(|e| format!("ping-pong: {e}"))?;
            let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-12);
            ratios.push((
                ratio(a.cpu.scheduler, b.cpu.scheduler),
                ratio(a.cpu.ticks, b.cpu.ticks),
            ));
            qcapi.extend(a);
            bare.extend(b);
        }
        Ok::<_, String>((qcapi, bare, ratios))
    })();
    // The server ends when its connection closes; never leave it behind.
    drop(floor.client);
    let _ = server.kill();
    let _ = server.wait();
    let (qcapi, bare, ratios) = result?;
    let median = |pick: fn(&(f64, f64)) -> f64| {
        let mut v: Vec<f64> = ratios.iter().map(pick).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (by_scheduler, by_ticks) = (median(|r| r.0), median(|r| r.1));
    let (cpu, floor_cpu) = (qcapi.cpu_per_call(), bare.cpu_per_call());
    eprintln!(
        "client CPU per call {:.1} us (ticks {:.1} us); bare ping-pong ({} + {} bytes) {:.1} us \
         (ticks {:.1} us) per round trip; median of {rounds} rounds: {by_scheduler:.2}x \
         (ticks {by_ticks:.2}x); ping-pong {}",
        micros(cpu.scheduler),
        micros(cpu.ticks),
        floor.request_bytes,
        floor.response_bytes,
        micros(floor_cpu.scheduler),
        micros(floor_cpu.ticks),
        bare.summary(),
    );
    let extra = json!({
        "ureq_resolver": ureq_resolver,
        "rounds": rounds,
        "client_cpu_per_call": cpu.to_json(),
        "pingpong": {
            "request_bytes": floor.request_bytes,
            "response_bytes": floor.response_bytes,
            "client_cpu_per_round_trip": floor_cpu.to_json(),
            "latency": bare.summary().to_json(),
        },
        "client_cpu_vs_pingpong": {
            "median_scheduler": by_scheduler,
            "median_ticks": by_ticks,
            "rounds": ratios.iter().map(|r| json!([r.0, r.1])).collect::<Vec<_>>(),
        },
    });
    Ok((qcapi.summary(), extra))
}

/// The ping-pong client, connected to its server.
struct Floor {
    client: pingpong::PingPong,
    request_bytes: usize,
    response_bytes: usize,
}

/// Records one real call to `endpoint`, starts `qcapi-load pingpong-server` with
/// its sizes and connects to it.
fn start_floor(
    endpoint: &str,
    account: &Account,
    floor_cpu: Option<&str>,
) -> Result<(Floor, std::process::Child), String> {
    let upstream = endpoint
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let exchange = pingpong::record_exchange(&upstream, |url| {
        let client =
            load::blocking_client(url, account, HttpMethod::Get).map_err(|e| e.to_string())?;
        client
            .send(&load::e2e_action())
            .map(drop)
            .map_err(|e| e.to_string())
    })?;
    let (request_bytes, response_bytes) = (exchange.request.len(), exchange.response.len());
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    // `--floor-cpu N` pins the server to CPU N (with taskset), as the emulator may be.
    let mut command = match floor_cpu {
        Some(cpu) => {
            let mut c = std::process::Command::new("taskset");
            c.args(["-c", cpu]).arg(exe);
            c
        }
        None => std::process::Command::new(exe),
    };
    let mut server = command
        .args([
            "pingpong-server",
            "--request-bytes",
            &request_bytes.to_string(),
        ])
        .args(["--response-bytes", &response_bytes.to_string()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting the ping-pong server: {e}"))?;
    let addr = listening_on(&mut server)?;
    match pingpong::PingPong::connect(&addr, exchange.request, response_bytes) {
        Ok(client) => Ok((
            Floor {
                client,
                request_bytes,
                response_bytes,
            },
            server,
        )),
        Err(e) => {
            let _ = server.kill();
            let _ = server.wait();
            Err(format!("ping-pong server at {addr:?}: {e}"))
        }
    }
}

/// Median time per call of `f`, over batches filling about `secs` seconds.
fn time_per_call(secs: usize, mut f: impl FnMut()) -> Duration {
    let batch = {
        // Size a batch to about 10 ms.
        let t = Instant::now();
        let mut n = 0u32;
        while t.elapsed() < Duration::from_millis(10) {
            f();
            n += 1;
        }
        n.max(1)
    };
    let mut per_call = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(secs as u64);
    while Instant::now() < deadline || per_call.len() < 5 {
        let t = Instant::now();
        for _ in 0..batch {
            f();
        }
        per_call.push(t.elapsed() / batch);
    }
    per_call.sort_unstable();
    per_call[per_call.len() / 2]
}

/// Quick versions of the criterion benches (`cargo bench -p qcapi-bench` has the
/// rigorous ones), so the side-by-side script gets qcapi's numbers in its own run.
fn micro(secs: usize) -> serde_json::Value {
    let (get, post) = (
        fixtures::config(HttpMethod::Get),
        fixtures::config(HttpMethod::Post),
    );
    let (reject, create) = (fixtures::reject(), fixtures::create_vpc_5_subnets());
    let sts = build_request(&reject, &get, fixtures::CTX)
        .map(|r| r.string_to_sign().to_owned())
        .unwrap_or_default();
    let key = fixtures::SECRET_KEY;
    let mut results = serde_json::Map::new();
    let mut measure = |name: &str, f: &mut dyn FnMut()| {
        let ns = time_per_call(secs, f).as_secs_f64() * 1e9;
        eprintln!("{name}: {ns:.0} ns");
        results.insert(name.to_owned(), json!(ns));
    };
    measure("floor_hmac_sha256_base64_ns", &mut || {
        black_box(fixtures::hmac_sha256_base64(
            black_box(key.as_bytes()),
            black_box(sts.as_bytes()),
        ));
    });
    measure("signature_only_ns", &mut || {
        black_box(qcapi_core::sign::sign(
            black_box(key),
            qcapi_core::SignatureMethod::HmacSha256,
            black_box(&sts),
        ));
    });
    for (name, action, config) in [
        ("reject_get_ns", &reject as &dyn ErasedBuild, &get),
        ("reject_post_ns", &reject, &post),
        ("create_vpc_5_subnets_get_ns", &create, &get),
        ("create_vpc_5_subnets_post_ns", &create, &post),
    ] {
        measure(name, &mut || action.build(config));
    }
    let key = qcapi_core::sign::SigningKey::new(key);
    measure("signature_keyed_once_ns", &mut || {
        black_box(key.sign(qcapi_core::SignatureMethod::HmacSha256, black_box(&sts)));
    });
    let mut own = qcapi_core::Params::new();
    create.write_params(&mut own);
    let spec = create.spec();
    measure("validate_create_vpc_5_subnets_ns", &mut || {
        black_box(spec.map(|s| s.validate(black_box(&own))));
    });
    // Parsing: the typed path consumes its response, so each call copies the body;
    // that copy is measured alone and subtracted.
    let body = fixtures::describe_peerings_body(100);
    let describe = qcapi_core::vpc::DescribeVpcPeeringConnections::new();
    measure("parse_body_copy_ns", &mut || {
        black_box(qcapi_core::HttpResponse::new(200, black_box(&body).clone()));
    });
    measure("parse_typed_with_copy_ns", &mut || {
        let response = qcapi_core::HttpResponse::new(200, black_box(&body).clone());
        black_box(qcapi_core::parse_response(&describe, response).ok());
    });
    measure("parse_value_ns", &mut || {
        black_box(serde_json::from_slice::<serde_json::Value>(black_box(&body)).ok());
    });
    let ns = |name: &str| results.get(name).and_then(|v| v.as_f64()).unwrap_or(0.0);
    let typed = ns("parse_typed_with_copy_ns") - ns("parse_body_copy_ns");
    results.insert("parse_typed_ns".into(), json!(typed));
    json!({ "micro": results, "string_to_sign_bytes": sts.len(), "parse_body_bytes": body.len() })
}

/// `build_request` for actions of different types behind one reference.
trait ErasedBuild {
    fn build(&self, config: &qcapi_core::Config);
}

impl<A: Action> ErasedBuild for A {
    fn build(&self, config: &qcapi_core::Config) {
        black_box(build_request(black_box(self), config, fixtures::CTX).ok());
    }
}
