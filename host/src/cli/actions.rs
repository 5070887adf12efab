//! `wrk-zoom actions` and `wrk-zoom describe`.

use super::print_json;
use std::io::Write;
use wrk_zoom::{Host, HostConfig, HostError};

pub async fn list(json: bool) -> Result<(), HostError> {
    let host = Host::new(HostConfig::from_env()?)?;
    let infos = host.describe_all().await?;
    if json {
        return print_json(&serde_json::to_value(&infos).expect("action infos serialise"));
    }
    let width = infos.iter().map(|i| i.name.len()).max().unwrap_or(0);
    let mut out = std::io::stdout().lock();
    for info in &infos {
        let kind = info.connection.as_str();
        let _ = writeln!(out, "{:width$}  {kind:5}  {}", info.name, info.title);
    }
    Ok(())
}

/// What `describe` prints.
pub enum Describe {
    /// The description (endpoint, scopes, parameters).
    Info,
    /// The parameters as JSON Schema.
    Parameters,
    /// What one answer is, as JSON Schema.
    Output,
    /// What following every page returns, as JSON Schema.
    OutputAllPages,
    /// A realistic answer (or, with `--all`, every page's envelope).
    Sample { all: bool },
}

pub async fn describe(action: &str, what: Describe) -> Result<(), HostError> {
    let host = Host::new(HostConfig::from_env()?)?;
    let info = host.info(action).await?;
    match what {
        Describe::Info => {}
        Describe::Parameters => return print_json(&wrk_zoom::json_schema::parameters(&info)),
        Describe::Output => return print_json(&wrk_zoom::output_schema::one_answer(&info)?),
        Describe::OutputAllPages => {
            return print_json(&wrk_zoom::output_schema::all_pages(&info)?);
        }
        Describe::Sample { all } => {
            let schema = match all {
                true => wrk_zoom::output_schema::all_pages(&info)?,
                false => wrk_zoom::output_schema::one_answer(&info)?,
            };
            return print_json(&wrk_zoom::output_schema::sample(&schema));
        }
    }
    print_json(&serde_json::to_value(&info).expect("action info serialises"))
}
