//! Embedding the wrk-zoom host in a program of your own: one call and
//! every page of a list through the one call path ([`Caller`]), then the
//! whole HTTP API (actions, OpenAPI, MCP, metrics, health) mounted under
//! `/zoom` in an application of your own.
//!
//! `cargo run -p wrk-zoom --example embed` runs it against the built-in
//! Zoom simulator; with `ZOOM_ACCESS_TOKEN` set it calls Zoom itself.

use std::sync::Arc;
use wrk_zoom::call::{Caller, ConnectionRequest};
use wrk_zoom::server::{ApiKeys, ServerConfig};
use wrk_zoom::{Host, HostConfig, ZoomConnection};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let host = Arc::new(Host::new(HostConfig::from_env()?)?);
    let _simulator; // kept alive while the calls run
    let token = match std::env::var("ZOOM_ACCESS_TOKEN") {
        Ok(token) => ZoomConnection {
            access_token: token,
            api_base: wrk_zoom::auth::DEFAULT_API_BASE.into(),
            account: None,
        },
        Err(_) => {
            let sim = zoom_simulator::start(Default::default()).await?;
            let token = ZoomConnection {
                access_token: zoom_simulator::seed::USER_TOKEN.into(),
                api_base: sim.base_url(),
                account: None,
            };
            _simulator = sim;
            token
        }
    };

    // No token store here: every call brings its token.
    let caller = Caller::new(&host, None);
    let on = || ConnectionRequest::token(token.clone());
    let me = caller.call("retrieve-user", &[], on()).await?;
    println!("signed in as {}", me.body["email"]);

    let mut topics = Vec::new();
    let mut sink = |meeting: serde_json::Value| {
        topics.push(meeting["topic"].to_string());
        Ok(())
    };
    let summary = caller
        .call_all("retrieve-meetings", &[], on(), None, &mut sink)
        .await?;
    println!(
        "{} meetings over {} pages: {}",
        summary.items,
        summary.pages,
        topics.join(", ")
    );

    // The HTTP API, mounted in an application of your own.
    let config = ServerConfig::new(ApiKeys::parse("an-example-key-of-24-chars")?);
    let api = wrk_zoom::server::router(host.clone(), None, config);
    let app = axum::Router::new()
        .route("/", axum::routing::get(|| async { "my workflow app" }))
        .nest("/zoom", api);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    let health = get(&format!("http://{addr}/zoom/health")).await?;
    println!("GET /zoom/health: {health}");
    Ok(())
}

/// A GET with hyper's client (any HTTP client would do).
async fn get(url: &str) -> Result<String, Box<dyn std::error::Error>> {
    use http_body_util::BodyExt;
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Empty<bytes::Bytes>>();
    let response = client.get(url.parse()?).await?;
    let body = response.into_body().collect().await?.to_bytes();
    Ok(String::from_utf8_lossy(&body).into_owned())
}
