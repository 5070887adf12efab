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
        ..Default::default()
    })
    .await
    .map_err(|e| {
        HostError::Internal(format!("cannot start the simulator on port {port}: {e:#}"))
    })?;
    println!("{}", sim.base_url());
    eprintln!(
        "sandbox: Zoom simulator listening at {} (Ctrl-C to stop)\n  user token:  {}\n  admin token: {}\n  e.g. wrk-zoom run retrieve-user --api-base {} --token {}",
        sim.base_url(),
        seed::USER_TOKEN,
        seed::ADMIN_TOKEN,
        sim.base_url(),
        seed::USER_TOKEN,
    );
    let _ = tokio::signal::ctrl_c().await;
    sim.shutdown().await;
    Ok(())
}
