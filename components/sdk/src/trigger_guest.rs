//! The boundary between a trigger declaration and the generated WIT types:
//! what the [`export_trigger!`](crate::export_trigger) macro calls.

use crate::trigger_bindings::exports::wrk::zoom::trigger as wit;
use wrk_zoom_spec::triggers::{self, Trigger, TriggerFailure};

/// The trigger bindings' shared conversions.
mod types {
    crate::guest::shared_conversions!(crate::trigger_bindings::wrk::zoom::types);
}

/// `describe()`: the declaration as the WIT `trigger-info`.
pub fn describe(trigger: &Trigger) -> wit::TriggerInfo {
    let texts = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
    wit::TriggerInfo {
        name: trigger.name.into(),
        title: trigger.title.into(),
        events: texts(trigger.events),
        connection: trigger.connection.into(),
        classic_scopes: texts(trigger.classic_scopes),
        granular_scopes: texts(trigger.granular_scopes),
        params: trigger.params.iter().map(types::param_spec).collect(),
        output_schema: triggers::output_schema(trigger),
        sample_output: triggers::sample_output(trigger),
    }
}

/// `check(params)`.
pub fn check(trigger: &Trigger, params: &[(String, String)]) -> Result<(), wit::TriggerError> {
    triggers::check(trigger, params)
        .map(|_| ())
        .map_err(Into::into)
}

/// `map(event, params)`.
pub fn map(
    trigger: &Trigger,
    event: &str,
    params: &[(String, String)],
) -> Result<Vec<wit::TriggerOutput>, wit::TriggerError> {
    let outputs = triggers::map(trigger, event, params)?;
    Ok(outputs
        .into_iter()
        .map(|o| wit::TriggerOutput {
            key: o.key,
            output: o.output.to_string(),
        })
        .collect())
}

impl From<TriggerFailure> for wit::TriggerError {
    fn from(failure: TriggerFailure) -> Self {
        match failure {
            TriggerFailure::InvalidParams(list) => wit::TriggerError::InvalidParams(
                list.into_iter()
                    .map(|p| wit::InvalidParam {
                        name: p.name,
                        message: p.message,
                    })
                    .collect(),
            ),
            TriggerFailure::InvalidEvent(m) => wit::TriggerError::InvalidEvent(m),
        }
    }
}
