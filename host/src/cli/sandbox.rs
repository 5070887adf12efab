//! `wrk-zoom sandbox`: the built-in Zoom simulator as a server.

use wrk_zoom::model::ConnectionKind;
use wrk_zoom::{HostError, ZoomConnection};
use zoom_simulator::{RunningSimulator, seed};

/// The simulator started in this process, for `--sandbox` (`run`, `mcp`).
pub async fn start_in_process() -> Result<RunningSimulator, HostError> {
    zoom_simulator::start(zoom_simulator::SimConfig::default())
        .await
        .map_err(|e| HostError::Internal(format!("cannot start the sandbox simulator: {e:#}")))
}

/// The simulator's demo connection for an action of `kind`.
pub fn demo_connection(sim: &RunningSimulator, kind: ConnectionKind) -> ZoomConnection {
    let token = match kind {
        ConnectionKind::User => seed::USER_TOKEN,
        ConnectionKind::Admin => seed::ADMIN_TOKEN,
    };
    ZoomConnection {
        access_token: token.to_string(),
        api_base: sim.base_url(),
        account: None,
    }
}

pub async fn serve(port: u16) -> Result<(), HostError> {
    let sim = zoom_simulator::start(zoom_simulator::SimConfig {
        port,
        // Beside a fixed port, the WebSocket's is the next one, so that a
        // script (or the docs) can name it.
        websocket_port: if port == 0 { 0 } else { port.saturating_add(1) },
        // `PUT /meetings/{id}/status {"action":"end"}` holds a whole meeting.
        sandbox_autopilot: true,
        ..Default::default()
    })
    .await
    .map_err(|e| {
        HostError::Internal(format!("cannot start the simulator on port {port}: {e:#}"))
    })?;
    println!("{}", sim.base_url());
    eprintln!(
        "sandbox: Zoom simulator listening at {base} (Ctrl-C to stop); this is not your Zoom account\n  user token:  {user}\n  admin token: {admin}\n  e.g. wrk-zoom run retrieve-user --api-base {base} --token {user}\n  Zoom's events: the app's secret token is {secret} (app id {app_id}); it sends them like Zoom once subscribed:\n    ZOOM_WEBHOOK_SECRET_TOKEN={secret} wrk-zoom events app add sandbox --zoom-app-id {app_id}\n    wrk-zoom events setup sandbox --public-url http://127.0.0.1:8787 --subscribe --token {admin} --api-base {base}\n  Zoom's events over a WebSocket (no public URL needed): {ws}?subscriptionId={ws_sub}\n    wrk-zoom events listen --websocket '{ws}?subscriptionId={ws_sub}' --websocket-token {admin} --websocket-api-base {base}\n  A demo meeting's whole life (started, ended, recorded, transcribed), for meeting ID:\n    wrk-zoom run api-call method=PUT path=/meetings/ID/status body='{{\"action\":\"end\"}}' --api-base {base} --token {user}",
        base = sim.base_url(),
        user = seed::USER_TOKEN,
        admin = seed::ADMIN_TOKEN,
        secret = seed::WEBHOOK_SECRET_TOKEN,
        app_id = seed::APP_ID,
        ws = sim.websocket_url(),
        ws_sub = seed::WEBSOCKET_SUBSCRIPTION_ID,
    );
    let _ = tokio::signal::ctrl_c().await;
    sim.shutdown().await;
    Ok(())
}
