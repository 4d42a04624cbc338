//! The two transport traits: move a [`HttpRequest`] to the server and bring back a [`HttpResponse`].
//!
//! Transports never see action names, JSON or secrets beyond the signed bytes.
//! A closure is a blocking transport, which makes test doubles one line long:
//!
//! ```
//! use qcapi_core::{BlockingTransport, HttpRequest, HttpResponse, TransportError};
//! let fake = |_req: HttpRequest| -> Result<HttpResponse, TransportError> {
//!     Ok(HttpResponse::new(200, r#"{"code":0,"message":""}"#))
//! };
//! # fn takes(_: impl BlockingTransport) {}
//! takes(fake);
//! ```

use std::time::Duration;

use crate::{HttpRequest, HttpResponse, TransportError};

/// A blocking HTTP transport.
pub trait BlockingTransport {
    /// Sends the request and returns the whole response.
    fn execute(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;

    /// Waits between retries and task polls. Core never sleeps on its own.
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

impl<F> BlockingTransport for F
where
    F: Fn(HttpRequest) -> Result<HttpResponse, TransportError>,
{
    fn execute(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self(request)
    }
}

/// An async HTTP transport.
#[async_trait::async_trait]
pub trait AsyncTransport: Send + Sync {
    /// Sends the request and returns the whole response.
    async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;

    /// Waits between retries and task polls, on the transport's runtime
    /// (`qcapi-reqwest` waits with tokio). There is no default: core has no timer,
    /// and a transport that did not wait would retry with no backoff at all.
    async fn sleep(&self, duration: Duration);
}
