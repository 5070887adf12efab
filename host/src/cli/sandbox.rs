//! `wrk-zoom sandbox`: the built-in Zoom simulator as a server.

use wrk_zoom::HostError;

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
        zoom_simulator::seed::USER_TOKEN,
        zoom_simulator::seed::ADMIN_TOKEN,
        sim.base_url(),
        zoom_simulator::seed::USER_TOKEN,
    );
    let _ = tokio::signal::ctrl_c().await;
    sim.shutdown().await;
    Ok(())
}
