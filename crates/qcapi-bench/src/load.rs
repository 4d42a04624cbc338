//! End-to-end workloads against an emulator over loopback.
//!
//! - [`blocking_sequential`]: one blocking (ureq) client, one call after another;
//! - [`async_in_flight`]: one async (reqwest) client with N calls in flight;
//! - [`mixed`]: several clients at once, each creating, describing, accepting,
//!   rejecting and deleting, then checking that the emulator's final state matches
//!   what they did.
//!
//! The single-client workloads all send [`e2e_action`], a `DescribeVpcEx` listing
//! the [`SEED_VPCS`] VPCs [`seed`] creates, exactly as the official SDK does it in
//! `scripts/bench_official_sdk.py`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use qcapi_core::{Action, Credentials, Error, HttpMethod, vpc};
use qcapi_emulator::Account;

use crate::stats::Summary;

/// How many VPCs the end-to-end account holds while it is measured.
pub const SEED_VPCS: usize = 5;

/// The call the single-client end-to-end workloads repeat.
pub fn e2e_action() -> vpc::DescribeVpcEx {
    vpc::DescribeVpcEx::new()
}

fn settings<C: qcapi_core::FromConfig>(
    endpoint: &str,
    account: &Account,
    method: HttpMethod,
) -> qcapi_core::ConfigBuilder<C> {
    qcapi_core::ConfigBuilder::<C>::default()
        .endpoint(endpoint)
        .credentials(Credentials::new(
            account.secret_id.as_str(),
            account.secret_key.as_str(),
        ))
        .region("gz")
        .http_method(method)
        .timeout(Duration::from_secs(10))
}

/// A blocking client for `account` at `endpoint` (region `gz`).
pub fn blocking_client(
    endpoint: &str,
    account: &Account,
    method: HttpMethod,
) -> Result<qcapi_ureq::Client, Error> {
    settings(endpoint, account, method).build()
}

/// An async client for `account` at `endpoint` (region `gz`).
pub fn async_client(
    endpoint: &str,
    account: &Account,
    method: HttpMethod,
) -> Result<qcapi_reqwest::Client, Error> {
    settings(endpoint, account, method).build()
}

/// A blocking client configured exactly like `qcapi_ureq::Client` does it, but on an
/// agent with ureq's default resolver, as qcapi-ureq was before its
/// [`qcapi_ureq::CachingResolver`]: the "before" of that fix.
pub fn blocking_client_ureq_resolver(
    endpoint: &str,
    account: &Account,
) -> Result<qcapi_ureq::BlockingClient<qcapi_ureq::UreqTransport>, Error> {
    use qcapi_ureq::UreqTransport;
    let config: qcapi_core::Config = settings(endpoint, account, HttpMethod::Get).build()?;
    let agent = ureq::Agent::with_parts(
        UreqTransport::agent_config(&config)?,
        ureq::unversioned::transport::DefaultConnector::new(),
        ureq::unversioned::resolver::DefaultResolver::default(),
    );
    qcapi_ureq::BlockingClient::with_transport(config, qcapi_ureq::UreqTransport::from_agent(agent))
}

/// Makes sure `account` has at least [`SEED_VPCS`] VPCs (named `bench-seed-N`).
pub fn seed(endpoint: &str, account: &Account) -> Result<(), Error> {
    let client = blocking_client(endpoint, account, HttpMethod::Get)?;
    let have = client.send(&e2e_action())?.total_count.unwrap_or(0);
    for i in usize::try_from(have).unwrap_or(0)..SEED_VPCS {
        client.send(&vpc::CreateVpc::new(
            format!("bench-seed-{i}"),
            format!("10.{}.0.0/16", 100 + i),
        ))?;
    }
    Ok(())
}

/// A blocking client sending [`e2e_action`] to `endpoint`: `qcapi_ureq::Client` as
/// shipped, or with `ureq_resolver`, the same client on an agent with ureq's default
/// resolver (see [`blocking_client_ureq_resolver`]).
pub fn blocking_sender(
    endpoint: &str,
    account: &Account,
    ureq_resolver: bool,
) -> Result<Box<dyn Fn() -> Result<(), Error>>, Error> {
    let action = e2e_action();
    if ureq_resolver {
        let client = blocking_client_ureq_resolver(endpoint, account)?;
        return Ok(Box::new(move || client.send(&action).map(drop)));
    }
    let client = blocking_client(endpoint, account, HttpMethod::Get)?;
    Ok(Box::new(move || client.send(&action).map(drop)))
}

/// `calls` [`e2e_action`] calls on one async client with `in_flight` of them
/// outstanding at any time, on a tokio runtime with `worker_threads` workers
/// (0: a current-thread runtime), after `warmup` unmeasured calls.
pub fn async_in_flight(
    endpoint: &str,
    account: &Account,
    calls: usize,
    in_flight: usize,
    worker_threads: usize,
    warmup: usize,
) -> Result<Summary, Error> {
    let runtime = if worker_threads == 0 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(worker_threads)
            .enable_all()
            .build()
    }
    .map_err(|e| Error::invalid_input("runtime", e.to_string()))?;
    let client = {
        let _guard = runtime.enter();
        Arc::new(async_client(endpoint, account, HttpMethod::Get)?)
    };
    runtime.block_on(async move {
        let action = Arc::new(e2e_action());
        // Warm up with the same concurrency, so the pool holds its connections.
        run_tasks(&client, &action, warmup, in_flight).await?;
        let start = Instant::now();
        let latencies = run_tasks(&client, &action, calls, in_flight).await?;
        Ok(Summary::new(latencies, start.elapsed()))
    })
}

/// Runs `calls` calls from `tasks` tasks that each take the next call when their last one ends.
async fn run_tasks(
    client: &Arc<qcapi_reqwest::Client>,
    action: &Arc<vpc::DescribeVpcEx>,
    calls: usize,
    tasks: usize,
) -> Result<Vec<Duration>, Error> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..tasks.max(1) {
        let (client, action, next) = (Arc::clone(client), Arc::clone(action), Arc::clone(&next));
        set.spawn(async move {
            let mut latencies = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < calls {
                let t = Instant::now();
                client.send(&*action).await?;
                latencies.push(t.elapsed());
            }
            Ok::<_, Error>(latencies)
        });
    }
    let mut all = Vec::with_capacity(calls);
    while let Some(joined) = set.join_next().await {
        let latencies =
            joined.map_err(|e| Error::invalid_input("load task", format!("panicked: {e}")))??;
        all.extend(latencies);
    }
    Ok(all)
}

/// Calls in one round of the mixed workload.
pub const CALLS_PER_ROUND: usize = 8;

/// The accounts a mixed run of `clients` clients needs: an initiator and a receiver per client.
pub fn mixed_accounts(clients: usize) -> Vec<Account> {
    (0..clients)
        .flat_map(|i| {
            ["a", "b"].into_iter().enumerate().map(move |(side, role)| {
                Account::new(
                    format!("AKIDbench{role}{i:04}"),
                    format!("bench-key-{role}-{i}"),
                    format!("2000{i:04}{side}"),
                )
            })
        })
        .collect()
}

/// What a mixed run did and found.
#[derive(Debug)]
pub struct MixedReport {
    /// Latency and throughput over every measured call of every client.
    pub summary: Summary,
    /// Measured calls per action, over all clients.
    pub calls_by_action: BTreeMap<&'static str, u64>,
    /// Calls that failed or answered something other than expected, and state mismatches.
    pub unexpected: Vec<String>,
    /// Rounds each client completed.
    pub rounds: usize,
}

impl MixedReport {
    /// The report as a JSON object.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "summary": self.summary.to_json(),
            "calls_by_action": self.calls_by_action,
            "unexpected": self.unexpected,
            "rounds_per_client": self.rounds,
        })
    }
}

/// What one client of a mixed run brings back: latencies, calls per action, problems.
type ClientResult = (Vec<Duration>, BTreeMap<&'static str, u64>, Vec<String>);

/// Either client, with one `send`.
enum AnyClient {
    Blocking(qcapi_ureq::Client),
    Async(tokio::runtime::Runtime, qcapi_reqwest::Client),
}

impl AnyClient {
    fn new(endpoint: &str, account: &Account, asynchronous: bool) -> Result<Self, Error> {
        if !asynchronous {
            return Ok(Self::Blocking(blocking_client(
                endpoint,
                account,
                HttpMethod::Post,
            )?));
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::invalid_input("runtime", e.to_string()))?;
        let client = {
            let _guard = runtime.enter();
            async_client(endpoint, account, HttpMethod::Get)?
        };
        Ok(Self::Async(runtime, client))
    }

    fn send<A: Action + Sync>(&self, action: &A) -> Result<A::Output, Error> {
        match self {
            Self::Blocking(c) => c.send(action),
            Self::Async(rt, c) => rt.block_on(c.send(action)),
        }
    }
}

/// One client's side of a mixed run: two accounts, and what happened.
struct Worker {
    a: AnyClient,
    b: AnyClient,
    b_uin: String,
    latencies: Vec<Duration>,
    calls: BTreeMap<&'static str, u64>,
}

impl Worker {
    /// Sends a measured call; a failure is an unexpected error naming the round.
    fn call<A: Action + Sync>(
        &mut self,
        from_b: bool,
        action: &A,
        round: usize,
    ) -> Result<A::Output, String> {
        let client = if from_b { &self.b } else { &self.a };
        let t = Instant::now();
        let result = client.send(action);
        self.latencies.push(t.elapsed());
        let name: &'static str = action.spec().map_or("unknown", |s| s.name);
        *self.calls.entry(name).or_default() += 1;
        result.map_err(|e| format!("round {round}: {name}: {e}"))
    }

    /// One round of [`CALLS_PER_ROUND`] calls. Even rounds accept, then delete
    /// the peering and A's VPC; odd rounds reject, then delete B's VPC.
    fn round(&mut self, worker: usize, r: usize) -> Result<(), String> {
        let fail = |what: String| format!("client {worker} round {r}: {what}");
        let out = self.call(
            false,
            &vpc::CreateVpc::new(format!("a{r}"), format!("10.{}.{}.0/24", r >> 8, r & 255)),
            r,
        )?;
        let vpc_a = out
            .un_vpc_id
            .ok_or_else(|| fail("CreateVpc: no id".into()))?;
        let out = self.call(
            true,
            &vpc::CreateVpc::new(
                format!("b{r}"),
                format!("172.{}.{}.0/24", 16 + (r >> 8) % 16, r & 255),
            ),
            r,
        )?;
        let vpc_b = out
            .un_vpc_id
            .ok_or_else(|| fail("CreateVpc: no id".into()))?;
        let uin = self.b_uin.clone();
        let out = self.call(
            false,
            &vpc::CreateVpcPeeringConnection::new(&vpc_a, &vpc_b, &uin, format!("p{r}")),
            r,
        )?;
        let id = out
            .peering_connection_id
            .ok_or_else(|| fail("CreateVpcPeeringConnection: no id".into()))?;
        let state = self.peering_state(true, &id, r)?;
        if state != Some(0) {
            return Err(fail(format!("{id} should be pending, is {state:?}")));
        }
        let accept = r % 2 == 0;
        if accept {
            self.call(true, &vpc::AcceptVpcPeeringConnection::new(&id), r)?;
        } else {
            self.call(true, &vpc::RejectVpcPeeringConnection::new(&id), r)?;
        }
        let out = self.call(false, &vpc::DescribeVpcEx::new().vpc_id(&vpc_a), r)?;
        if out.total_count != Some(1) {
            return Err(fail(format!(
                "DescribeVpcEx {vpc_a}: {:?}",
                out.total_count
            )));
        }
        if accept {
            self.call(false, &vpc::DeleteVpcPeeringConnection::new(&id), r)?;
            self.call(false, &vpc::DeleteVpc::new(&vpc_a), r)?;
        } else {
            let state = self.peering_state(false, &id, r)?;
            if state != Some(3) {
                return Err(fail(format!("{id} should be rejected, is {state:?}")));
            }
            self.call(true, &vpc::DeleteVpc::new(&vpc_b), r)?;
        }
        Ok(())
    }

    fn peering_state(&mut self, from_b: bool, id: &str, r: usize) -> Result<Option<i64>, String> {
        let out = self.call(
            from_b,
            &vpc::DescribeVpcPeeringConnections::new().peering_connection_id(id),
            r,
        )?;
        Ok(out.data.unwrap_or_default().first().and_then(|p| p.state))
    }

    /// Compares the emulator's final state with what `rounds` rounds leave behind (unmeasured calls).
    fn check_state(&self, worker: usize, rounds: usize) -> Vec<String> {
        let mut problems = Vec::new();
        let mut expect = |what: &str, got: Result<Option<i64>, Error>, want: usize| match got {
            Ok(Some(n)) if usize::try_from(n) == Ok(want) => {}
            other => problems.push(format!(
                "client {worker}: {what}: expected {want}, got {other:?}"
            )),
        };
        let (even, odd) = (rounds.div_ceil(2), rounds / 2);
        let vpcs = |c: &AnyClient| c.send(&vpc::DescribeVpcEx::new()).map(|o| o.total_count);
        let peerings = |c: &AnyClient, state: Option<i64>| {
            let mut q = vpc::DescribeVpcPeeringConnections::new();
            if let Some(s) = state {
                q = q.state(s);
            }
            c.send(&q).map(|o| o.total_count)
        };
        expect("A's VPCs (odd rounds keep them)", vpcs(&self.a), odd);
        expect("B's VPCs (even rounds keep them)", vpcs(&self.b), even);
        expect("A's peerings", peerings(&self.a, None), rounds);
        expect("B's peerings", peerings(&self.b, None), rounds);
        expect("deleted peerings", peerings(&self.a, Some(4)), even);
        expect("rejected peerings", peerings(&self.b, Some(3)), odd);
        expect("pending peerings", peerings(&self.a, Some(0)), 0);
        expect("active peerings", peerings(&self.a, Some(1)), 0);
        problems
    }
}

/// `clients` clients at once (even ones blocking over POST, odd ones async over
/// GET), each running `calls_per_client / 8` rounds of creates, describes,
/// accepts or rejects and deletes against the emulator at `endpoint`, which must
/// accept [`mixed_accounts`]`(clients)`. Then checks every account's state.
pub fn mixed(endpoint: &str, clients: usize, calls_per_client: usize) -> MixedReport {
    let accounts = mixed_accounts(clients);
    let accounts = &accounts;
    let rounds = (calls_per_client / CALLS_PER_ROUND).max(1);
    let start = Instant::now();
    let results: Vec<ClientResult> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..clients)
            .map(|i| {
                let (a, b) = (&accounts[2 * i], &accounts[2 * i + 1]);
                scope.spawn(move || {
                    let asynchronous = i % 2 == 1;
                    let mut worker = match (
                        AnyClient::new(endpoint, a, asynchronous),
                        AnyClient::new(endpoint, b, asynchronous),
                    ) {
                        (Ok(a), Ok(b)) => Worker {
                            a,
                            b,
                            b_uin: accounts[2 * i + 1].uin.clone(),
                            latencies: Vec::with_capacity(rounds * CALLS_PER_ROUND),
                            calls: BTreeMap::new(),
                        },
                        (Err(e), _) | (_, Err(e)) => {
                            return (Vec::new(), BTreeMap::new(), vec![e.to_string()]);
                        }
                    };
                    let mut unexpected = Vec::new();
                    for r in 0..rounds {
                        if let Err(e) = worker.round(i, r) {
                            unexpected.push(e);
                            break;
                        }
                    }
                    if unexpected.is_empty() {
                        unexpected = worker.check_state(i, rounds);
                    }
                    (worker.latencies, worker.calls, unexpected)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    (
                        Vec::new(),
                        BTreeMap::new(),
                        vec!["a client thread panicked".to_owned()],
                    )
                })
            })
            .collect()
    });
    let elapsed = start.elapsed();
    let mut latencies = Vec::new();
    let mut calls_by_action = BTreeMap::new();
    let mut unexpected = Vec::new();
    for (l, calls, problems) in results {
        latencies.extend(l);
        for (name, n) in calls {
            *calls_by_action.entry(name).or_default() += n;
        }
        unexpected.extend(problems);
    }
    MixedReport {
        summary: Summary::new(latencies, elapsed),
        calls_by_action,
        unexpected,
        rounds,
    }
}
