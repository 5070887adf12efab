//! Test component: `retrieve-user` built against `wrk:zoom@0.3.0` (the
//! version that added triggers; its action world is 0.2.0's), to prove a
//! host loads, swaps in and runs an action of that version. The SDK builds
//! actions against 0.2.0, so nothing else does. It runs the catalog's
//! `retrieve-user` and adds `"contract": "0.3.0"` to the answer.

mod bindings {
    wit_bindgen::generate!({
        path: "../../../wit/v0.3.0",
        world: "wrk:zoom/zoom-action",
    });
}

include!("../../retrieve-user-v0-1/src/component.rs");

retrieve_user_component!("0.3.0", {
    output_schema: wrk_zoom_sdk::catalog::users::RETRIEVE_USER.output_schema.map(Into::into),
});
