//! Embedding the wrk-zoom host in a program of your own: one call, then
//! every page of a list.
//!
//! `cargo run -p wrk-zoom --example embed` runs it against the built-in
//! Zoom simulator; with `ZOOM_ACCESS_TOKEN` set it calls Zoom itself.

use wrk_zoom::{Host, HostConfig, ZoomConnection};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let host = Host::new(HostConfig::default())?;
    let _simulator; // kept alive while the calls run
    let connection = match std::env::var("ZOOM_ACCESS_TOKEN") {
        Ok(token) => ZoomConnection {
            access_token: token,
            api_base: "https://api.zoom.us/v2".into(),
            account: None,
        },
        Err(_) => {
            let sim = zoom_simulator::start(Default::default()).await?;
            let connection = ZoomConnection {
                access_token: zoom_simulator::seed::USER_TOKEN.into(),
                api_base: sim.base_url(),
                account: None,
            };
            _simulator = sim;
            connection
        }
    };

    let me = host.run("retrieve-user", &connection, &[]).await?;
    println!("signed in as {}", me.body["email"]);

    let mut topics = Vec::new();
    let summary = wrk_zoom::paginate::for_each_item(
        &host,
        "retrieve-meetings",
        &connection,
        &[],
        None,
        |meeting| {
            topics.push(meeting["topic"].to_string());
            Ok(())
        },
    )
    .await?;
    println!(
        "{} meetings over {} pages: {}",
        summary.items,
        summary.pages,
        topics.join(", ")
    );
    Ok(())
}
