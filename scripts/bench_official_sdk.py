#!/usr/bin/env python3
"""qcapi next to the official legacy Python SDK (qcloudapi-sdk-python 2.0.15): the same
workloads in the same run, then the ratios against the targets of issue #6.

    pip install qcloudapi-sdk-python==2.0.15
    python3 scripts/bench_official_sdk.py            # about 3 minutes on 2 cores
    python3 scripts/bench_official_sdk.py --quick    # a smoke run, numbers not for BENCHMARKS.md

It builds the release binaries it needs (qcapi-emulator, qcapi-load and the
qcapi-ureq `describe_vpcs` example; `--no-build` skips that), then:

1. Signed-request building. The SDK builds RejectVpcPeeringConnection and a CreateVpc
   with a 5-subnet subnetSet, GET and POST, through `Base.generateUrl` with its service
   object reused and through the public `QcloudApi.generateUrl` (a new service per
   call). qcapi's numbers come from `qcapi-load micro` (same keys, region, actions,
   parameter values and HmacSHA256), with the bare HMAC-SHA256 + base64 floor and
   typed-vs-`serde_json::Value` parsing of a 100-entry DescribeVpcPeeringConnections.
2. End to end against ONE emulator process (the release binary, 127.0.0.1). The SDK
   sends DescribeVpcEx through its own `Base.call` (request building, signing, its
   HTTP code, `json.loads` of the answer); only its connection class is swapped for
   plain HTTP, since the SDK hard-codes HTTPS. By default the SDK closes the
   connection after every call; a keep-alive run is shown too. qcapi: the blocking
   client sequentially, and the async client with 64 calls in flight.
   Also measured: the blocking client on an agent with ureq's default resolver, the
   "before" of qcapi-ureq's `CachingResolver` (`qcapi-load blocking --resolver ureq`),
   and the physical limit: a bare 300-byte TCP ping-pong between two processes.
3. The peak RSS of one call: the release `describe_vpcs` example (one DescribeVpcEx
   through the blocking client) and the `qcapi` CLI (`qcapi DescribeVpcEx`), each
   under `/usr/bin/time -f %M` ("Maximum resident set size"). Not wait4 from this script: Linux carries a parent's RSS high-water mark
   into a forked child's ru_maxrss, so every child of a 25 MB Python reads >= 25 MB.
   qcapi-load reports its own VmHWM.
4. The mixed load: `qcapi-load mixed` (8 clients x 2,000 calls, state checked).
"""
import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from QcloudApi.modules.base import Base
from QcloudApi.qcloudapi import QcloudApi

ROOT = Path(__file__).resolve().parent.parent
SECRET_ID = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA"
SECRET_KEY = "Gu5t9xGARNpq86cd98joQYCN3Cozk1qA"
DEMO_A = ("AKIDemulatorAccountA0000000000000001", "emulator-secret-key-A")
REJECT = ("RejectVpcPeeringConnection", {"peeringConnectionId": "pcx-8g675gr8"})
CREATE = ("CreateVpc", {
    "vpcName": "bench-vpc", "cidrBlock": "10.0.0.0/16",
    "subnetSet": [{"subnetName": f"subnet-{i}", "cidrBlock": f"10.0.{i}.0/24", "zoneId": 100003}
                  for i in range(5)],
})
SEED_VPCS = 5  # qcapi_bench::load::SEED_VPCS


def target_dir():
    return Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


def build():
    for args in (["-p", "qcapi-emulator", "-p", "qcapi-bench", "-p", "qcapi-cli", "--bins"],
                 ["-p", "qcapi-ureq", "--example", "describe_vpcs"]):
        subprocess.run(["cargo", "build", "--release", "--quiet", *args], cwd=ROOT, check=True)


def per_call(f, secs, min_batches=5):
    """Median seconds per call of f over batches of about 10 ms filling `secs`."""
    f()
    n, t = 0, time.perf_counter()
    while time.perf_counter() - t < 0.01:
        f()
        n += 1
    batches, deadline = [], time.perf_counter() + secs
    while time.perf_counter() < deadline or len(batches) < min_batches:
        t = time.perf_counter()
        for _ in range(n):
            f()
        batches.append((time.perf_counter() - t) / n)
    return statistics.median(batches)


def run_json(args):
    """Runs a qcapi-load command and returns its JSON report (with its own peak RSS, VmHWM)."""
    proc = subprocess.run(args, stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, args))} failed ({proc.returncode}): {proc.stdout}")
    return json.loads(proc.stdout)


def peak_rss_kib(args, env=None):
    """The peak RSS of a command in KiB, from /usr/bin/time -f %M (a small parent)."""
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", *args], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=True, env=env)
    return int(proc.stderr.strip().splitlines()[-1])


def ping_pong(n):
    """Round trips of 300 bytes over loopback TCP between this process and a forked one."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    pid = os.fork()
    if pid == 0:
        conn, _ = listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while data := conn.recv(4096):
            conn.sendall(data)
        os._exit(0)
    client = socket.create_connection(listener.getsockname())
    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    latencies = []
    start = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        client.sendall(b"x" * 300)
        client.recv(4096)
        latencies.append(time.perf_counter() - t)
    elapsed = time.perf_counter() - start
    client.close()
    os.waitpid(pid, 0)
    latencies.sort()
    return {"round_trips_per_sec": n / elapsed, "p50_us": 1e6 * latencies[n // 2],
            "p99_us": 1e6 * latencies[int(n * 0.99)]}


# --- 1. signed-request building ---------------------------------------------------

def sdk_config(method):
    return {"Region": "gz", "secretId": SECRET_ID, "secretKey": SECRET_KEY,
            "method": method, "SignatureMethod": "HmacSHA256"}


def signing(secs):
    out = {}
    for method in ("GET", "POST"):
        api = QcloudApi("vpc", sdk_config(method))
        svc = api._factory("vpc", sdk_config(method))
        for label, (action, params) in (("reject", REJECT), ("create_vpc_5_subnets", CREATE)):
            out[f"{label}_{method.lower()}_reused_ns"] = 1e9 * per_call(
                lambda: svc.generateUrl(action, params), secs)
            # The public path is ~1000x slower: fewer, longer batches.
            out[f"{label}_{method.lower()}_public_ns"] = 1e9 * per_call(
                lambda: api.generateUrl(action, params), secs / 2, min_batches=3)
    return out


# --- 2. end to end -------------------------------------------------------------------

class PlainConnection(http.client.HTTPConnection):
    """The SDK's MyHTTPSConnection minus TLS: same interface (request_length)."""

    def __init__(self, host, port=None):
        super().__init__(host, port)
        self.request_length = 0

    def send(self, data):
        super().send(data)
        self.request_length += len(data)

    def request(self, method, url, body=None, headers={}):
        self.request_length = 0
        super().request(method, url, body, headers)


def sdk_client(host, account, keep_alive=False):
    base = Base({"secretId": account[0], "secretKey": account[1], "Region": "gz",
                 "method": "GET", "SignatureMethod": "HmacSHA256", "endpoint": host})
    name, _, port = host.partition(":")
    base.apiRequest.conn = PlainConnection(name, int(port))
    base.apiRequest.keep_alive = keep_alive
    return base


def sdk_call(base, action, params):
    resp = json.loads(base.call(action, params))
    assert int(resp["code"]) == 0, resp
    return resp


def sdk_sequential(host, calls, keep_alive):
    base = sdk_client(host, DEMO_A, keep_alive)
    for _ in range(min(200, calls)):
        sdk_call(base, "DescribeVpcEx", {})
    latencies = []
    start = time.perf_counter()
    for _ in range(calls):
        t = time.perf_counter()
        resp = sdk_call(base, "DescribeVpcEx", {})
        latencies.append(time.perf_counter() - t)
    elapsed = time.perf_counter() - start
    assert int(resp["totalCount"]) == SEED_VPCS, resp
    latencies.sort()
    rank = lambda p: latencies[max(1, -(-len(latencies) * p // 100)) - 1]
    return {"calls": calls, "calls_per_sec": calls / elapsed,
            "p50_us": 1e6 * rank(50), "p99_us": 1e6 * rank(99)}


def start_emulator(binary):
    proc = subprocess.Popen([binary, "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if line.startswith("listening on http://"):
            return proc, line.strip().removeprefix("listening on http://")
    proc.kill()
    raise SystemExit("the emulator did not report its address")


# --- report ----------------------------------------------------------------------------

def row(what, value, target, ok):
    return f"| {what} | {value} | {target} | {'pass' if ok else 'MISS'} |"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="short runs, for a smoke test")
    ap.add_argument("--no-build", action="store_true", help="use the binaries already built")
    ap.add_argument("--mixed-calls", type=int, default=2000, help="calls per client of the mixed run")
    ap.add_argument("--json", help="also write every measurement to this file")
    args = ap.parse_args()
    quick = args.quick
    secs = 0.3 if quick else 2.0
    if not args.no_build:
        build()
    release = target_dir() / "release"
    load = str(release / "qcapi-load")

    print("1/4 signed-request building (official SDK, then qcapi-load micro)", file=sys.stderr)
    sdk_sign = signing(secs)
    micro = run_json([load, "micro", "--secs", "1" if quick else "3"])
    q = micro["micro"]

    print("2/4 end to end against one emulator process", file=sys.stderr)
    emulator, host = start_emulator(str(release / "qcapi-emulator"))
    try:
        seeder = sdk_client(host, DEMO_A)
        have = int(sdk_call(seeder, "DescribeVpcEx", {})["totalCount"])
        for i in range(have, SEED_VPCS):  # the same VPCs qcapi_bench::load::seed makes
            sdk_call(seeder, "CreateVpc", {"vpcName": f"bench-seed-{i}", "cidrBlock": f"10.{100 + i}.0.0/16"})
        n_sdk = 500 if quick else 3000
        sdk_close = sdk_sequential(host, n_sdk, keep_alive=False)
        sdk_keep = sdk_sequential(host, n_sdk, keep_alive=True)
        url = f"http://{host}"
        n_blocking = "2000" if quick else "20000"
        blocking = run_json([load, "blocking", "--endpoint", url, "--calls", n_blocking])
        before = run_json([load, "blocking", "--endpoint", url, "--calls", n_blocking,
                           "--resolver", "ureq"])
        asyn = run_json([load, "async", "--endpoint", url,
                         "--calls", "5000" if quick else "50000", "--in-flight", "64"])
        print("3/4 peak RSS of one call", file=sys.stderr)
        example = [str(release / "examples" / "describe_vpcs"), url, *DEMO_A]
        rss = [peak_rss_kib(example) for _ in range(5)]
        # The qcapi CLI doing the same call, credentials from the environment.
        cli = [str(release / "qcapi"), "--endpoint", url, "--region", "gz", "DescribeVpcEx"]
        cli_env = dict(os.environ, TENCENTCLOUD_SECRET_ID=DEMO_A[0], TENCENTCLOUD_SECRET_KEY=DEMO_A[1])
        cli_rss = [peak_rss_kib(cli, cli_env) for _ in range(5)] if Path(cli[0]).exists() else []
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
    limit = ping_pong(2000 if quick else 20000)

    print("4/4 mixed load", file=sys.stderr)
    mixed = run_json([load, "mixed", "--clients", "8",
                         "--calls", str(200 if quick else args.mixed_calls)])

    floor = q["floor_hmac_sha256_base64_ns"]
    seed = q["reject_get_ns"]
    lines = ["## Signed-request building (ns per request, median)", "",
             "| workload | qcapi | official SDK, service reused | ratio | official SDK, QcloudApi.generateUrl | ratio |",
             "|---|---|---|---|---|---|"]
    for label, name in (("reject", "RejectVpcPeeringConnection"), ("create_vpc_5_subnets", "CreateVpc, 5 subnets")):
        for m in ("get", "post"):
            ours = q[f"{label}_{m}_ns"]
            reused = sdk_sign[f"{label}_{m}_reused_ns"]
            public = sdk_sign[f"{label}_{m}_public_ns"]
            lines.append(f"| {name} {m.upper()} | {ours:,.0f} | {reused:,.0f} | {reused / ours:,.1f}x "
                         f"| {public:,.0f} | {public / ours:,.0f}x |")
    lines += ["", f"Floor, bare HMAC-SHA256 + base64 of the {micro['string_to_sign_bytes']}-byte seed string-to-sign: "
              f"{floor:,.0f} ns; qcapi_core::sign::sign on it: {q['signature_only_ns']:,.0f} ns, "
              f"SigningKey::sign (keyed once per client): {q['signature_keyed_once_ns']:,.0f} ns; "
              f"ActionSpec::validate of the CreateVpc: {q['validate_create_vpc_5_subnets_ns']:,.0f} ns.",
              f"Parsing the {micro['parse_body_bytes']:,}-byte 100-entry DescribeVpcPeeringConnections: typed "
              f"{q['parse_typed_ns'] / 1e3:,.1f} us, serde_json::Value {q['parse_value_ns'] / 1e3:,.1f} us.", "",
              "## End to end, DescribeVpcEx against one emulator process", "",
              "| client | calls | calls/s | p50 us | p99 us | peak RSS of the process |", "|---|---|---|---|---|---|",
              f"| official SDK, sequential (its default: a new connection per call) | {sdk_close['calls']} "
              f"| {sdk_close['calls_per_sec']:,.0f} | {sdk_close['p50_us']:,.0f} | {sdk_close['p99_us']:,.0f} | |",
              f"| official SDK, sequential, keep-alive | {sdk_keep['calls']} | {sdk_keep['calls_per_sec']:,.0f} "
              f"| {sdk_keep['p50_us']:,.0f} | {sdk_keep['p99_us']:,.0f} | |",
              f"| qcapi blocking (ureq), sequential | {blocking['calls']} | {blocking['calls_per_sec']:,.0f} "
              f"| {blocking['p50_us']:,.0f} | {blocking['p99_us']:,.0f} | {blocking['peak_rss_kib'] / 1024:.1f} MiB |",
              f"| qcapi blocking, ureq's default resolver (before `CachingResolver`) | {before['calls']} "
              f"| {before['calls_per_sec']:,.0f} | {before['p50_us']:,.0f} | {before['p99_us']:,.0f} "
              f"| {before['peak_rss_kib'] / 1024:.1f} MiB |",
              f"| qcapi async (reqwest), 64 in flight | {asyn['calls']} | {asyn['calls_per_sec']:,.0f} "
              f"| {asyn['p50_us']:,.0f} | {asyn['p99_us']:,.0f} | {asyn['peak_rss_kib'] / 1024:.1f} MiB |",
              f"| physical limit: bare 300-byte TCP ping-pong, two processes | | {limit['round_trips_per_sec']:,.0f} "
              f"| {limit['p50_us']:,.0f} | {limit['p99_us']:,.0f} | |", "",
              f"qcapi-ureq's `CachingResolver`, whole qcapi-load process (seeding and warm-up included): "
              f"{blocking['cpu_ms']:,} ms CPU and {blocking['involuntary_context_switches']:,} involuntary context switches, "
              f"against {before['cpu_ms']:,} ms and {before['involuntary_context_switches']:,} with ureq's default resolver.", "",
              f"One call (`describe_vpcs` example, release): peak RSS {min(rss) / 1024:.1f} to {max(rss) / 1024:.1f} MiB over {len(rss)} runs."
              + (f" The `qcapi` CLI (`qcapi DescribeVpcEx`, release): {min(cli_rss) / 1024:.1f} to "
                 f"{max(cli_rss) / 1024:.1f} MiB." if cli_rss else ""), "",
              f"Mixed load, {mixed['clients']} clients x {mixed['rounds_per_client'] * 8} calls: "
              f"{mixed['summary']['calls_per_sec']:,.0f} calls/s, p50 {mixed['summary']['p50_us']:,.0f} us, "
              f"p99 {mixed['summary']['p99_us']:,.0f} us, {len(mixed['unexpected'])} unexpected results, state consistent.", "",
              "## Targets", "", "| target | measured | goal | verdict |", "|---|---|---|---|"]
    ratio_floor = seed / floor
    ratio_sdk = sdk_sign["reject_get_reused_ns"] / seed
    ratio_parse = q["parse_value_ns"] / q["parse_typed_ns"]
    ratio_e2e = blocking["calls_per_sec"] / sdk_close["calls_per_sec"]
    ratio_e2e_keep = blocking["calls_per_sec"] / sdk_keep["calls_per_sec"]
    ratio_async = asyn["calls_per_sec"] / blocking["calls_per_sec"]
    lines += [
        row("signed seed request (Reject GET) / bare HMAC+base64", f"{ratio_floor:.2f}x", "<= 2.5x", ratio_floor <= 2.5),
        row("official SDK reused service / qcapi, seed request", f"{ratio_sdk:.1f}x", ">= 20x", ratio_sdk >= 20),
        row("typed parse speed / serde_json::Value", f"{ratio_parse:.2f}x", ">= 1x", ratio_parse >= 1),
        row("qcapi blocking / official SDK calls/s (SDK default)", f"{ratio_e2e:.1f}x", ">= 10x", ratio_e2e >= 10),
        row("qcapi blocking / official SDK calls/s (SDK keep-alive)", f"{ratio_e2e_keep:.1f}x", ">= 10x", ratio_e2e_keep >= 10),
        f"| bound: bare TCP ping-pong / official SDK calls/s (no client and server can beat it) "
        f"| {limit['round_trips_per_sec'] / sdk_close['calls_per_sec']:.1f}x | (explains the two rows above) "
        f"| {'10x reachable' if limit['round_trips_per_sec'] >= 10 * sdk_close['calls_per_sec'] else '10x unreachable here'} |",
        row("async 64 in flight / blocking sequential", f"{ratio_async:.2f}x", ">= 2x", ratio_async >= 2),
        row("peak RSS of one call (describe_vpcs)", f"{max(rss) / 1024:.1f} MiB", "< 20 MB", max(rss) * 1024 < 20e6),
    ]
    if cli_rss:
        lines.append(row("peak RSS of one `qcapi` CLI call", f"{max(cli_rss) / 1024:.1f} MiB", "< 20 MB",
                         max(cli_rss) * 1024 < 20e6))
    print("\n".join(lines))
    if args.json:
        Path(args.json).write_text(json.dumps({
            "sdk_sign": sdk_sign, "qcapi_micro": micro, "sdk_e2e": sdk_close, "sdk_e2e_keep_alive": sdk_keep,
            "blocking": blocking, "blocking_ureq_resolver": before, "async": asyn,
            "ping_pong": limit, "one_call_rss_kib": rss, "cli_one_call_rss_kib": cli_rss,
            "mixed": mixed}, indent=1))


if __name__ == "__main__":
    main()
