//! Test component: `retrieve-user` built against the older contract
//! `wrk:zoom@0.1.0` (no output schema in its `describe()`), to prove a host
//! keeps loading, swapping in and running components of a released
//! version. It runs the catalog's `retrieve-user` and adds
//! `"contract": "0.1.0"` to the answer.

mod bindings {
    wit_bindgen::generate!({
        path: "../../../wit/v0.1.0",
        world: "wrk:zoom/zoom-action",
    });
}

include!("component.rs");

retrieve_user_component!("0.1.0", {});
