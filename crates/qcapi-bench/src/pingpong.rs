//! The floor of an end-to-end call: a bare TCP ping-pong over loopback with the
//! same request and response sizes as a real qcapi call.
//!
//! [`record_exchange`] relays one real call between a qcapi client and the
//! emulator and keeps the exact bytes each way; [`serve`] answers every request of
//! that size with a response of that size (no HTTP parsing at all), and
//! [`PingPong`] is the client side: one `write` and reads until the response is
//! complete. What a qcapi call costs the client beyond that is qcapi's (and ureq's).

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::stats::{self, Summary};

/// One request and its response, byte for byte as they crossed the wire.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The HTTP request the client wrote (head and body).
    pub request: Vec<u8>,
    /// The HTTP response the server wrote (head and body).
    pub response: Vec<u8>,
}

/// Relays the one request `call` makes (to the URL it is given) to `upstream`
/// (`host:port`) and returns what went each way. The request must be a GET or carry
/// a `Content-Length`, and the response must carry a `Content-Length`.
pub fn record_exchange(
    upstream: &str,
    call: impl FnOnce(&str) -> Result<(), String>,
) -> Result<Exchange, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let url = format!(
        "http://{}",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    let upstream = upstream.to_owned();
    let relay = std::thread::spawn(move || -> io::Result<Exchange> {
        let (mut client, _) = listener.accept()?;
        client.set_read_timeout(Some(Duration::from_secs(10)))?;
        let request = read_http_message(&mut client)?;
        let mut server = TcpStream::connect(&upstream)?;
        server.set_read_timeout(Some(Duration::from_secs(10)))?;
        server.write_all(&request)?;
        let response = read_http_message(&mut server)?;
        client.write_all(&response)?;
        Ok(Exchange { request, response })
    });
    call(&url)?;
    relay
        .join()
        .map_err(|_| "the relay thread panicked".to_owned())?
        .map_err(|e| format!("relaying: {e}"))
}

/// Reads one HTTP/1.1 message: the head, then `Content-Length` bytes of body.
fn read_http_message(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut message = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = message.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if message.len() > 64 * 1024 {
            return Err(io::Error::other("head over 64 KiB"));
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        message.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&message[..head_end]).to_ascii_lowercase();
    let body_len: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .map_or(Ok(0), |v| v.trim().parse())
        .map_err(|_| io::Error::other("bad content-length"))?;
    let total = head_end + body_len;
    while message.len() < total {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        message.extend_from_slice(&chunk[..n]);
    }
    message.truncate(total);
    Ok(message)
}

/// Serves the ping-pong on `listener` to `connections` clients, one after another:
/// every `request_len` bytes read are answered with `response_len` bytes until the
/// client hangs up.
pub fn serve(
    listener: &TcpListener,
    connections: usize,
    request_len: usize,
    response_len: usize,
) -> io::Result<()> {
    let response = vec![b'.'; response_len];
    let mut buf = vec![0u8; request_len.max(1)];
    for _ in 0..connections {
        let (mut stream, _) = listener.accept()?;
        stream.set_nodelay(true)?;
        while stream.read_exact(&mut buf).is_ok() && stream.write_all(&response).is_ok() {}
    }
    Ok(())
}

/// The ping-pong client: one connection, one fixed request.
#[derive(Debug)]
pub struct PingPong {
    stream: TcpStream,
    request: Vec<u8>,
    response: Vec<u8>,
}

impl PingPong {
    /// Connects to a [`serve`]r at `addr` that answers `request` with `response_len` bytes.
    pub fn connect(addr: &str, request: Vec<u8>, response_len: usize) -> io::Result<Self> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        Ok(Self {
            stream,
            request,
            response: vec![0; response_len],
        })
    }

    /// One round trip: write the request, read until the response is complete.
    pub fn round_trip(&mut self) -> io::Result<()> {
        self.stream.write_all(&self.request)?;
        self.stream.read_exact(&mut self.response)
    }
}

/// One measured run of calls: latencies, wall time and the calling thread's CPU time.
#[derive(Debug, Clone, Default)]
pub struct Run {
    /// Latency of each call.
    pub latencies: Vec<Duration>,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// CPU time of the calling thread over the whole run.
    pub cpu: stats::ThreadCpu,
}

impl Run {
    /// `calls` calls of `once`, one after another, on this thread.
    pub fn measure<E>(calls: usize, mut once: impl FnMut() -> Result<(), E>) -> Result<Self, E> {
        let mut latencies = Vec::with_capacity(calls);
        let cpu = stats::ThreadCpu::now();
        let start = Instant::now();
        for _ in 0..calls {
            let t = Instant::now();
            once()?;
            latencies.push(t.elapsed());
        }
        let elapsed = start.elapsed();
        Ok(Self {
            latencies,
            elapsed,
            cpu: stats::ThreadCpu::per_call_since(cpu, 1),
        })
    }

    /// CPU time per call.
    pub fn cpu_per_call(&self) -> stats::ThreadCpu {
        let n = u32::try_from(self.latencies.len().max(1)).unwrap_or(u32::MAX);
        stats::ThreadCpu {
            scheduler: self.cpu.scheduler / n,
            ticks: self.cpu.ticks / n,
        }
    }

    /// Adds `other`'s calls to these.
    pub fn extend(&mut self, other: Run) {
        self.latencies.extend(other.latencies);
        self.elapsed += other.elapsed;
        self.cpu.scheduler += other.cpu.scheduler;
        self.cpu.ticks += other.cpu.ticks;
    }

    /// Latency and throughput of all the calls.
    pub fn summary(&self) -> Summary {
        Summary::new(self.latencies.clone(), self.elapsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_an_exchange_and_plays_it_back_at_the_same_sizes() {
        // An upstream that answers one fixed HTTP response.
        let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
        let upstream_addr = upstream.local_addr().unwrap().to_string();
        let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello".to_vec();
        let served = answer.clone();
        std::thread::spawn(move || {
            let (mut s, _) = upstream.accept().unwrap();
            read_http_message(&mut s).unwrap();
            s.write_all(&served).unwrap();
        });
        let exchange = record_exchange(&upstream_addr, |url| {
            let mut s = TcpStream::connect(url.trim_start_matches("http://")).unwrap();
            s.write_all(b"GET /x HTTP/1.1\r\nhost: a\r\n\r\n").unwrap();
            let got = read_http_message(&mut s).map_err(|e| e.to_string())?;
            assert_eq!(got, answer);
            Ok(())
        })
        .unwrap();
        assert_eq!(exchange.request, b"GET /x HTTP/1.1\r\nhost: a\r\n\r\n");
        assert_eq!(exchange.response.len(), answer.len());

        let floor = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = floor.local_addr().unwrap().to_string();
        let (req, resp) = (exchange.request.len(), exchange.response.len());
        let server = std::thread::spawn(move || serve(&floor, 1, req, resp));
        let mut client = PingPong::connect(&addr, exchange.request.clone(), resp).unwrap();
        let run = Run::measure(20, || client.round_trip()).unwrap();
        assert_eq!(run.summary().calls, 20);
        drop(client);
        server.join().unwrap().unwrap();
    }
}
