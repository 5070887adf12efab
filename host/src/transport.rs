//! Transport: the one pooled HTTP client every outgoing request of the
//! process goes through: the components' egress (`egress`) and the
//! OAuth token requests ([`crate::auth`]).
//!
//! Connections are kept alive and reused per host (HTTP/1.1 keep-alive;
//! HTTP/2 when the server offers it by ALPN), so following 334 pages costs
//! one TLS handshake instead of 334. TLS is rustls with the ring provider,
//! the only one compiled in: wasmtime-wasi-http is built without its own
//! client (`default-send-request` off), so its TLS code is not in the
//! process at all. Roots are Mozilla's (webpki-roots) plus any the operator
//! adds ([`TransportConfig::extra_roots`]; from the environment,
//! `WRK_ZOOM_CA_FILE`, a PEM file). A PostgreSQL store can have roots of its
//! own (`crate::postgres::PostgresConfig`), which are never trusted for Zoom.
//!
//! What the egress needs to retry safely is [`Failure`]: whether a failed
//! request can have reached the server. The pool itself resends a request
//! only when a reused connection closed before any of it was written
//! (hyper-util's `retry_canceled_requests`), which is safe for a POST too.

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::Semaphore;

/// How the pooled client connects.
#[derive(Clone, Debug)]
pub struct TransportConfig {
    /// Certificates (DER) trusted besides Mozilla's roots: a test CA, or a
    /// TLS-inspecting proxy's.
    pub extra_roots: Vec<Vec<u8>>,
    /// Longest wait for TCP and TLS to be established.
    pub connect_timeout: Duration,
    /// Idle connections are closed after this long (well under the minutes
    /// servers keep them, so a reused connection is rarely one the server
    /// is closing).
    pub idle_timeout: Duration,
    /// Idle connections kept per host.
    pub max_idle_per_host: usize,
    /// Requests in flight at once across the process; more wait their turn.
    pub max_concurrent_requests: usize,
}

impl Default for TransportConfig {
    fn default() -> Self {
        TransportConfig {
            extra_roots: Vec::new(),
            connect_timeout: Duration::from_secs(15),
            idle_timeout: Duration::from_secs(50),
            max_idle_per_host: 32,
            max_concurrent_requests: 512,
        }
    }
}

impl TransportConfig {
    /// The defaults, trusting also the certificates of the PEM file named by
    /// `WRK_ZOOM_CA_FILE`, if set.
    pub fn from_env() -> Result<TransportConfig, String> {
        let mut config = TransportConfig::default();
        if let Some(path) = std::env::var_os("WRK_ZOOM_CA_FILE") {
            config.extra_roots = certificates_from_file("WRK_ZOOM_CA_FILE", &path)?;
        }
        Ok(config)
    }
}

/// The certificates of the PEM file at `path`, named by `variable`.
pub(crate) fn certificates_from_file(
    variable: &str,
    path: &std::ffi::OsStr,
) -> Result<Vec<Vec<u8>>, String> {
    let shown = std::path::Path::new(path).display();
    let pem = std::fs::read(path).map_err(|e| format!("{variable}: cannot read {shown}: {e}"))?;
    certificates_from_pem(&pem)
        .map_err(|e| format!("{variable}: {shown}: {e}; give a PEM file of CERTIFICATE blocks"))
}

/// The DER certificates of a PEM document (at least one).
pub fn certificates_from_pem(pem: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let certs: Vec<Vec<u8>> = CertificateDer::pem_slice_iter(pem)
        .map(|c| c.map(|c| c.to_vec()))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("not a PEM certificate ({e})"))?;
    if certs.is_empty() {
        return Err("no certificate in it".into());
    }
    Ok(certs)
}

/// Why a request got no answer.
#[derive(Debug)]
pub enum Failure {
    /// No byte of the request reached the server (connect, DNS, TLS
    /// handshake, a connection closed before the request was written).
    NotSent(String),
    /// The request may have reached the server.
    MaybeSent(String),
    /// Trying again cannot help (the server's certificate is not trusted,
    /// the URL is not absolute).
    Fatal(String),
    /// No answer within the time allowed; the request may have arrived.
    TimedOut,
}

/// The TLS client setup of the connections to Zoom (and of a PostgreSQL
/// store without roots of its own): the web's roots plus
/// `config.extra_roots`, ring.
pub fn tls_client_config(config: &TransportConfig) -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for der in &config.extra_roots {
        roots
            .add(CertificateDer::from(der.clone()))
            .map_err(|e| format!("an extra trusted certificate is not usable: {e}"))?;
    }
    client_config(roots)
}

/// A client trusting `roots`, with ring and safe protocol versions.
pub(crate) fn client_config(roots: rustls::RootCertStore) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

type PooledClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// The pooled client. Cheap to share: clone the `Arc`.
///
/// A request made on a multi-threaded runtime uses the one pool; a request
/// made on a current-thread runtime (`serve`'s serving threads, the CLI)
/// uses a pool of that thread's, so its connections are driven by the
/// runtime that waits for them and no other thread is woken per request.
pub struct Transport {
    client: PooledClient,
    /// Builds a pool like `client`'s for a current-thread runtime.
    builder: hyper_util::client::legacy::Builder,
    connector: hyper_rustls::HttpsConnector<HttpConnector>,
    /// Told apart from other transports in [`THREAD_POOLS`] (dropped with it).
    alive: Arc<()>,
    in_flight: Arc<Semaphore>,
}

thread_local! {
    /// The pools of this thread's current-thread runtime, one per live
    /// transport.
    static THREAD_POOLS: std::cell::RefCell<Vec<(std::sync::Weak<()>, PooledClient)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

impl Transport {
    /// A client configured by `config` (no connection is made yet).
    pub fn new(config: &TransportConfig) -> Result<Transport, String> {
        let tls = tls_client_config(config)?;
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(config.connect_timeout));
        http.set_nodelay(true);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(http);
        let mut builder = Client::builder(TokioExecutor::new());
        builder
            .pool_idle_timeout(config.idle_timeout)
            .pool_max_idle_per_host(config.max_idle_per_host)
            .retry_canceled_requests(true);
        Ok(Transport {
            client: builder.build(https.clone()),
            builder,
            connector: https,
            alive: Arc::new(()),
            in_flight: Arc::new(Semaphore::new(config.max_concurrent_requests.max(1))),
        })
    }

    /// The pool for a request made here: this thread's when it runs a
    /// current-thread runtime, else the shared one.
    fn client(&self) -> PooledClient {
        let flavor = tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor());
        if !matches!(flavor, Ok(tokio::runtime::RuntimeFlavor::CurrentThread)) {
            return self.client.clone();
        }
        THREAD_POOLS.with_borrow_mut(|pools| {
            // Pools of transports since dropped go with them.
            pools.retain(|(alive, _)| alive.strong_count() > 0);
            let me = Arc::downgrade(&self.alive);
            match pools.iter().find(|(alive, _)| alive.ptr_eq(&me)) {
                Some((_, client)) => client.clone(),
                None => {
                    let client = self.builder.build(self.connector.clone());
                    pools.push((me, client.clone()));
                    client
                }
            }
        })
    }

    /// Sends `request` (an absolute URL) and waits at most `first_byte` for
    /// the answer's head; the body streams on.
    pub async fn send(
        &self,
        request: hyper::Request<Full<Bytes>>,
        first_byte: Duration,
    ) -> Result<hyper::Response<hyper::body::Incoming>, Failure> {
        let _turn = self
            .in_flight
            .acquire()
            .await
            .map_err(|_| Failure::Fatal("the transport is shut down".into()))?;
        match tokio::time::timeout(first_byte, self.client().request(request)).await {
            Err(_) => Err(Failure::TimedOut),
            Ok(Ok(response)) => Ok(response),
            Ok(Err(e)) => Err(classify(&e)),
        }
    }
}

/// How [`shared`] connects, once set.
static SHARED_CONFIG: OnceLock<Result<TransportConfig, String>> = OnceLock::new();

/// Sets how the process's [`shared`] transport connects, before its first
/// use (later calls change nothing). The command line passes
/// [`TransportConfig::from_env`]'s result: an error in it is what each use
/// of [`shared`] then answers. Unset, [`shared`] uses the defaults.
pub fn configure_shared(config: Result<TransportConfig, String>) {
    let _ = SHARED_CONFIG.set(config);
}

/// The TLS setup [`shared`] connects with (for connections that are not
/// HTTP requests: Zoom's WebSocket).
pub(crate) fn shared_tls_config() -> Result<rustls::ClientConfig, String> {
    let config = SHARED_CONFIG
        .get_or_init(|| Ok(TransportConfig::default()))
        .clone()?;
    tls_client_config(&config)
}

/// The process's transport for requests made outside a [`crate::Host`]
/// (OAuth token requests), as [`configure_shared`] set it.
pub fn shared() -> Result<Arc<Transport>, String> {
    static SHARED: OnceLock<Result<Arc<Transport>, String>> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            let config = SHARED_CONFIG
                .get_or_init(|| Ok(TransportConfig::default()))
                .clone()?;
            Transport::new(&config).map(Arc::new)
        })
        .clone()
}

fn classify(e: &hyper_util::client::legacy::Error) -> Failure {
    let text = chain(e);
    if has_source::<rustls::Error>(e, |t| matches!(t, rustls::Error::InvalidCertificate(_))) {
        return Failure::Fatal(text);
    }
    if e.is_connect() {
        return Failure::NotSent(text);
    }
    // hyper cancels a request it never wrote (its connection closed first).
    if has_source::<hyper::Error>(e, hyper::Error::is_canceled) {
        return Failure::NotSent(text);
    }
    if has_source::<hyper::Error>(e, hyper::Error::is_user) {
        return Failure::Fatal(text);
    }
    Failure::MaybeSent(text)
}

/// The next cause of `err`. An `io::Error` that wraps another error
/// (rustls' arrive so, twice over) hides it from `source()`.
fn cause<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a (dyn std::error::Error + 'static)> {
    match err
        .downcast_ref::<std::io::Error>()
        .and_then(std::io::Error::get_ref)
    {
        Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
        None => err.source(),
    }
}

/// Whether some error in `e`'s chain of causes is a `T` that `test` accepts.
fn has_source<T: std::error::Error + 'static>(
    e: &(dyn std::error::Error + 'static),
    test: impl Fn(&T) -> bool,
) -> bool {
    let mut next = Some(e);
    while let Some(err) = next {
        if err.downcast_ref::<T>().is_some_and(&test) {
            return true;
        }
        next = cause(err);
    }
    false
}

/// The error and its causes, in one line.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut next = cause(e);
    while let Some(err) = next {
        let more = err.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        next = cause(err);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_must_hold_certificates() {
        assert!(certificates_from_pem(b"").is_err());
        assert!(certificates_from_pem(b"not pem at all").is_err());
    }

    #[tokio::test]
    async fn an_untrusted_certificate_is_fatal_and_says_so() {
        let sim = zoom_simulator::start(zoom_simulator::SimConfig {
            tls: true,
            ..Default::default()
        })
        .await
        .unwrap();
        let transport = Transport::new(&TransportConfig::default()).unwrap();
        let request = hyper::Request::get(format!("{}/users/me", sim.base_url()))
            .body(Full::new(Bytes::new()))
            .unwrap();
        match transport.send(request, Duration::from_secs(5)).await {
            Err(Failure::Fatal(why)) => assert!(why.contains("UnknownIssuer"), "{why}"),
            other => panic!("{other:?}"),
        }
        // Trusting the simulator's CA, the same request is answered.
        let trusting = Transport::new(&TransportConfig {
            extra_roots: vec![sim.ca_certificate_der().unwrap()],
            ..TransportConfig::default()
        })
        .unwrap();
        let request = hyper::Request::get(format!("{}/users/me", sim.base_url()))
            .body(Full::new(Bytes::new()))
            .unwrap();
        let answer = trusting
            .send(request, Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(answer.status(), 401, "answered (without a token)");
    }

    /// `n` requests one after another on the runtime this runs on, each
    /// answer read to its end (so its connection can be reused).
    async fn get_n(transport: &Transport, base: &str, n: usize) {
        use http_body_util::BodyExt;
        for _ in 0..n {
            let request = hyper::Request::get(format!("{base}/users/me"))
                .body(Full::new(Bytes::new()))
                .unwrap();
            let answer = transport
                .send(request, Duration::from_secs(5))
                .await
                .unwrap();
            assert_eq!(answer.status(), 401);
            answer.into_body().collect().await.unwrap();
        }
    }

    fn current_thread() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    /// The simulator on a multi-threaded runtime of its own.
    fn simulator() -> (tokio::runtime::Runtime, zoom_simulator::RunningSimulator) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let sim = runtime
            .block_on(zoom_simulator::start(zoom_simulator::SimConfig::default()))
            .unwrap();
        (runtime, sim)
    }

    fn pools_on_this_thread() -> usize {
        THREAD_POOLS.with_borrow(Vec::len)
    }

    #[test]
    fn a_current_thread_runtime_sends_through_a_pool_of_its_own() {
        let (sim_runtime, sim) = simulator();
        let base = sim.base_url();
        let transport = Transport::new(&TransportConfig::default()).unwrap();
        // A multi-threaded runtime sends through the shared pool.
        sim_runtime.block_on(get_n(&transport, &base, 2));
        assert_eq!(pools_on_this_thread(), 0);
        // A current-thread runtime, through this thread's own, made once.
        current_thread().block_on(get_n(&transport, &base, 3));
        assert_eq!(pools_on_this_thread(), 1);
        // Another thread's runtime makes one of its own.
        std::thread::scope(|scope| {
            scope.spawn(|| {
                current_thread().block_on(get_n(&transport, &base, 2));
                assert_eq!(pools_on_this_thread(), 1);
            });
        });
    }

    #[test]
    fn a_dropped_transport_leaves_no_pool_on_the_thread() {
        let (_sim_runtime, sim) = simulator();
        let base = sim.base_url();
        let runtime = current_thread();
        for _ in 0..3 {
            let transport = Transport::new(&TransportConfig::default()).unwrap();
            runtime.block_on(get_n(&transport, &base, 1));
        }
        assert_eq!(
            THREAD_POOLS.with_borrow(Vec::len),
            1,
            "only the last transport's"
        );
    }

    #[tokio::test]
    async fn a_refused_connection_was_not_sent() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let transport = Transport::new(&TransportConfig::default()).unwrap();
        let request = hyper::Request::post(format!("http://127.0.0.1:{port}/v2/x"))
            .body(Full::new(Bytes::from_static(b"{}")))
            .unwrap();
        match transport.send(request, Duration::from_secs(5)).await {
            Err(Failure::NotSent(why)) => assert!(why.contains("onnect"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
}
