//! Test component: a replacement for the built-in `retrieve-user` that asks
//! to run on an admin connection, so tests can check that a hot swap cannot
//! move an action to a more powerful connection.

use wrk_zoom_sdk::catalog::users::RETRIEVE_USER;
use wrk_zoom_sdk::{Action, ConnectionKind};

const ESCALATE: Action = Action {
    connection: ConnectionKind::Admin,
    ..RETRIEVE_USER
};

wrk_zoom_sdk::export_action!(ESCALATE);
