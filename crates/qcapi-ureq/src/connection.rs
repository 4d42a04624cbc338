//! Pooled connections that cost four system calls per call beyond the send and
//! the receive (the checkout probe's three and the write timeout), not eight.
//!
//! - **One liveness probe per reuse.** ureq probes a connection (a non-blocking
//!   read that must find nothing: two `ioctl`s and a `recvfrom` on TCP) both when
//!   it goes back into the pool and when it comes out. The first is redundant: a
//!   connection is pooled right after its response was read to the end, and
//!   whatever the server sends or closes later is caught by the probe at
//!   checkout, which always runs.
//! - **One socket read timeout.** ureq gives each read the call's remaining time,
//!   different on every call, so it sets the socket's timeout again each time (a
//!   `setsockopt`). Reads here wait in slices of [`READ_SLICE`] instead, the same
//!   value every time, and a slice that runs out is simply waited again until the
//!   call's own deadline: the deadline stays exact, and the socket option is set
//!   only when less than a slice remains. (Writes keep ureq's timeout: a write that
//!   timed out may have sent part of the request, so it cannot be retried.)
//!
//! BENCHMARKS.md has what this saves.

use std::fmt;

use ureq::Timeout;
use ureq::unversioned::transport::time::Duration;
use ureq::unversioned::transport::{Buffers, ConnectionDetails, Connector, NextTimeout, Transport};

/// How long one socket read waits before it is waited again (see the module docs).
pub const READ_SLICE: std::time::Duration = std::time::Duration::from_secs(1);

/// The connector at the end of qcapi-ureq's chain: wraps each new transport in
/// [`SteadyTransport`].
#[derive(Debug, Default)]
pub(crate) struct SteadyConnections;

impl<In: Transport> Connector<In> for SteadyConnections {
    type Out = SteadyTransport<In>;

    fn connect(
        &self,
        _details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        Ok(chained.map(|inner| SteadyTransport {
            inner,
            used_since_probe: false,
        }))
    }
}

/// A transport whose `is_open` probes only when no I/O happened since the last
/// `is_open` (at checkout from the pool, not at check-in), and whose reads wait in
/// slices of [`READ_SLICE`].
pub(crate) struct SteadyTransport<T> {
    inner: T,
    used_since_probe: bool,
}

impl<T> fmt::Debug for SteadyTransport<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SteadyTransport").finish_non_exhaustive()
    }
}

impl<T: Transport> Transport for SteadyTransport<T> {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.used_since_probe = true;
        self.inner.transmit_output(amount, timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.used_since_probe = true;
        if timeout.per_read.is_some() {
            // An agent configured with its own per-read timeout keeps it.
            return self.inner.await_input(timeout);
        }
        let started = std::time::Instant::now();
        loop {
            // What is left of the call's own budget.
            let after = match timeout.after {
                Duration::Exact(budget) => match budget.checked_sub(started.elapsed()) {
                    Some(left) if !left.is_zero() => Duration::Exact(left),
                    _ => return Err(ureq::Error::Timeout(timeout.reason)),
                },
                Duration::NotHappening => Duration::NotHappening,
            };
            let slice = NextTimeout {
                after,
                per_read: Some(Duration::Exact(READ_SLICE)),
                ..timeout
            };
            match self.inner.await_input(slice) {
                // Nothing arrived in a slice, so nothing was consumed: wait again.
                Err(ureq::Error::Timeout(Timeout::PerRead)) => continue,
                other => return other,
            }
        }
    }

    fn is_open(&mut self) -> bool {
        // Check-in follows the response's last read: the checkout probe decides.
        if std::mem::take(&mut self.used_since_probe) {
            return true;
        }
        self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::time::Duration;

    /// A server that answers one request per connection, then closes it.
    fn one_answer_per_connection(connections: usize) -> (String, std::thread::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            for _ in 0..connections {
                let (mut stream, _) = listener.accept().unwrap();
                stream
                    .set_read_timeout(Some(Duration::from_secs(5)))
                    .unwrap();
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                // Keep-alive as far as HTTP says, then close: a stale pooled connection.
                stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                    .unwrap();
            }
        });
        (url, server)
    }

    /// A server that answers one request after `delay`.
    fn slow_answer(delay: Duration) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut byte = [0u8; 1];
            let mut head = Vec::new();
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            std::thread::sleep(delay);
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
        });
        url
    }

    fn steady_agent(timeout: Duration) -> ureq::Agent {
        ureq::Agent::with_parts(
            ureq::Agent::config_builder()
                .timeout_global(Some(timeout))
                .build(),
            ureq::unversioned::transport::Connector::chain(
                ureq::unversioned::transport::DefaultConnector::new(),
                SteadyConnections,
            ),
            ureq::unversioned::resolver::DefaultResolver::default(),
        )
    }

    #[test]
    fn a_read_waits_past_its_slices_until_the_calls_own_deadline() {
        // Longer than a slice, shorter than the call's timeout: the answer arrives.
        let url = slow_answer(READ_SLICE + Duration::from_millis(300));
        let mut response = steady_agent(READ_SLICE * 3).get(&url).call().unwrap();
        assert_eq!(response.body_mut().read_to_string().unwrap(), "ok");
        // Longer than the call's timeout: a timeout, and not before the deadline.
        let url = slow_answer(READ_SLICE * 3);
        let timeout = READ_SLICE + Duration::from_millis(200);
        let started = std::time::Instant::now();
        match steady_agent(timeout).get(&url).call() {
            Err(ureq::Error::Timeout(_)) => {}
            other => panic!("{other:?}"),
        }
        assert!(started.elapsed() >= timeout, "{:?}", started.elapsed());
    }

    #[test]
    fn a_connection_the_server_closed_while_pooled_is_not_reused() {
        let (url, server) = one_answer_per_connection(2);
        let agent = ureq::Agent::with_parts(
            ureq::Agent::config_builder().build(),
            ureq::unversioned::transport::Connector::chain(
                ureq::unversioned::transport::DefaultConnector::new(),
                SteadyConnections,
            ),
            ureq::unversioned::resolver::DefaultResolver::default(),
        );
        for call in 0..2 {
            let mut response = agent.get(&url).call().unwrap();
            assert_eq!(
                response.body_mut().read_to_string().unwrap(),
                "ok",
                "call {call}"
            );
            // Let the server's close reach this side before the next checkout.
            std::thread::sleep(Duration::from_millis(50));
        }
        server.join().unwrap();
    }
}
