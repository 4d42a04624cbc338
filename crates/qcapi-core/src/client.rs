//! The generic clients: build, sign, hand to a transport, parse. Written once for
//! every transport; `qcapi-ureq` and `qcapi-reqwest` only plug in the bytes-moving part.

use crate::config::{Clock, FromConfig, NonceSource};
use crate::{
    Action, AsyncTransport, BlockingTransport, Config, ConfigBuilder, Error, SignContext,
    build_request, parse_response,
};

/// How a transport crate builds its transport and provides the system clock and a
/// CSPRNG (core reads neither).
pub trait TransportFactory: Sized {
    /// Builds the transport from the shared settings (timeouts, pooling, ...).
    fn from_config(config: &Config) -> Result<Self, Error>;
    /// The current UNIX time in seconds.
    fn unix_time() -> u64;
    /// A fresh random positive nonce.
    fn random_nonce() -> u64;
}

/// The clock and nonce source a client stamps requests with.
#[derive(Clone)]
struct Stamp {
    clock: Clock,
    nonce: NonceSource,
}

impl Stamp {
    fn from_config(config: &Config) -> Result<Self, Error> {
        let missing = |what: &str| {
            Error::invalid_input(
                what,
                "a client with a custom transport needs an injected clock and nonce source",
            )
        };
        Ok(Self {
            clock: config.clock.clone().ok_or_else(|| missing("clock"))?,
            nonce: config
                .nonce
                .clone()
                .ok_or_else(|| missing("nonce_source"))?,
        })
    }

    fn with_defaults<T: TransportFactory>(config: &Config) -> Self {
        Self {
            clock: config.clock.clone().unwrap_or_else(|| {
                let now: fn() -> u64 = T::unix_time;
                std::sync::Arc::new(now)
            }),
            nonce: config.nonce.clone().unwrap_or_else(|| {
                let nonce: fn() -> u64 = T::random_nonce;
                std::sync::Arc::new(nonce)
            }),
        }
    }

    fn next(&self) -> SignContext {
        SignContext::new((self.clock)(), (self.nonce)())
    }
}

/// A blocking client over any [`BlockingTransport`]. `qcapi_ureq::Client` is this with ureq.
pub struct BlockingClient<T> {
    config: Config,
    transport: T,
    stamp: Stamp,
}

/// An async client over any [`AsyncTransport`]. `qcapi_reqwest::Client` is this with reqwest.
pub struct AsyncClient<T> {
    config: Config,
    transport: T,
    stamp: Stamp,
}

macro_rules! common_client_impl {
    ($client:ident, $bound:ident) => {
        impl<T: $bound> $client<T> {
            /// A client over a custom transport (a closure works). The config must
            /// inject a clock and a nonce source, since core reads neither.
            pub fn with_transport(config: Config, transport: T) -> Result<Self, Error> {
                let stamp = Stamp::from_config(&config)?;
                Ok(Self {
                    config,
                    transport,
                    stamp,
                })
            }

            /// The configuration.
            pub fn config(&self) -> &Config {
                &self.config
            }

            /// The transport.
            pub fn transport(&self) -> &T {
                &self.transport
            }
        }

        impl<T: $bound + TransportFactory> $client<T> {
            /// A builder for the client's settings.
            pub fn builder() -> ConfigBuilder<Self> {
                ConfigBuilder::default()
            }

            /// A client from settings, with the transport's system clock and CSPRNG
            /// unless the config injects others.
            pub fn new(config: Config) -> Result<Self, Error> {
                let transport = T::from_config(&config)?;
                let stamp = Stamp::with_defaults::<T>(&config);
                Ok(Self {
                    config,
                    transport,
                    stamp,
                })
            }
        }

        impl<T: $bound + TransportFactory> FromConfig for $client<T> {
            fn from_config(config: Config) -> Result<Self, Error> {
                Self::new(config)
            }
        }

        impl<T> std::fmt::Debug for $client<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($client))
                    .field("config", &self.config)
                    .finish_non_exhaustive()
            }
        }
    };
}

common_client_impl!(BlockingClient, BlockingTransport);
common_client_impl!(AsyncClient, AsyncTransport);

impl<T: BlockingTransport> BlockingClient<T> {
    /// Sends `action` and parses its response.
    pub fn send<A: Action + ?Sized>(&self, action: &A) -> Result<A::Output, Error> {
        let request = build_request(action, &self.config, self.stamp.next())?;
        let response = self.transport.execute(request)?;
        parse_response(action, response)
    }
}

impl<T: AsyncTransport> AsyncClient<T> {
    /// Sends `action` and parses its response.
    pub async fn send<A: Action + Sync + ?Sized>(&self, action: &A) -> Result<A::Output, Error> {
        let request = build_request(action, &self.config, self.stamp.next())?;
        let response = self.transport.execute(request).await?;
        parse_response(action, response)
    }
}
