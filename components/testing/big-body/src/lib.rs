//! Test component: POSTs a body of `mib` MiB to `{api_base}/users/me/meetings`
//! without a content-length, streamed in 1 MiB writes, so tests can check
//! that the host refuses an oversized request body.
//!
//! It answers with the status it got (`{"status": N, "sent_mib": M}`), or a
//! transport error with the error text when the host or the server refused
//! the body or the request.

use wasip2::http::outgoing_handler;
use wasip2::http::types::{
    Fields, FutureIncomingResponse, Method as WasiMethod, OutgoingBody, OutgoingRequest,
};
use wasip2::io::streams::{OutputStream, StreamError};
use wrk_zoom_sdk::{
    Action, Call, ConnectionKind, Failure, Method, Param, ParamType, RateCategory, Reply, Values,
};

const MIB: usize = 1024 * 1024;

/// An integer parameter, or the default its declaration states.
fn integer(action: &Action, values: &Values, name: &str) -> i64 {
    values
        .integer_or_default(action, name)
        .expect("the parameter is declared with an integer default")
}

fn big_body(action: &Action, call: &Call, values: &Values) -> Result<Reply, Failure> {
    let mib = integer(action, values, "mib");
    let url = format!("{}/users/me/meetings", call.api_base.trim_end_matches('/'));
    let (scheme, authority, path) = wrk_zoom_sdk::http::split_url(&url)
        .ok_or_else(|| Failure::Transport(format!("'{url}' is not an absolute http(s) URL")))?;
    let build = |what: &str| Failure::Transport(format!("could not build request: {what}"));
    // No content-length: the body is sent chunked, its size unknown upfront.
    let headers: Vec<(String, Vec<u8>)> = vec![
        ("accept".into(), b"application/json".to_vec()),
        (
            "authorization".into(),
            format!("Bearer {}", call.access_token).into_bytes(),
        ),
        ("content-type".into(), b"application/octet-stream".to_vec()),
    ];
    let fields = Fields::from_list(&headers).map_err(|e| build(&format!("headers ({e:?})")))?;
    let request = OutgoingRequest::new(fields);
    request
        .set_method(&WasiMethod::Post)
        .map_err(|()| build("method"))?;
    request
        .set_scheme(Some(&scheme))
        .map_err(|()| build("scheme"))?;
    request
        .set_authority(Some(authority))
        .map_err(|()| build("authority"))?;
    request
        .set_path_with_query(Some(path))
        .map_err(|()| build("path"))?;
    let body = request.body().map_err(|()| build("body"))?;

    // Start the exchange first, so the body streams to the host as written.
    let pending = outgoing_handler::handle(request, None)
        .map_err(|code| Failure::Transport(format!("the request was refused: {code:?}")))?;
    let stream = body.write().map_err(|()| build("body stream"))?;
    let written = write_body(&stream, mib);
    // The stream must be gone before its body is finished.
    drop(stream);
    if let Err(error) = written {
        return Err(Failure::Transport(format!(
            "writing the {mib} MiB body failed: {}{}",
            stream_error(error),
            answer_so_far(&pending)
        )));
    }
    OutgoingBody::finish(body, None).map_err(|code| {
        Failure::Transport(format!(
            "finishing the {mib} MiB body failed: {code:?}{}",
            answer_so_far(&pending)
        ))
    })?;

    pending.subscribe().block();
    match pending.get() {
        Some(Ok(Ok(response))) => {
            let status = response.status();
            Ok(Reply {
                status,
                body: format!("{{\"status\":{status},\"sent_mib\":{mib}}}"),
                next_page_token: None,
            })
        }
        Some(Ok(Err(code))) => Err(Failure::Transport(format!("the request failed: {code:?}"))),
        Some(Err(())) | None => Err(Failure::Transport("no answer".into())),
    }
}

/// Writes `mib` MiB from one reused 1 MiB buffer, as fast as the stream
/// takes it, then flushes.
fn write_body(stream: &OutputStream, mib: i64) -> Result<(), StreamError> {
    let chunk = vec![b'a'; MIB];
    for _ in 0..mib {
        let mut rest: &[u8] = &chunk;
        while !rest.is_empty() {
            let permitted = stream.check_write()?;
            if permitted == 0 {
                stream.subscribe().block();
                continue;
            }
            let n = rest
                .len()
                .min(usize::try_from(permitted).unwrap_or(usize::MAX));
            stream.write(&rest[..n])?;
            rest = &rest[n..];
        }
    }
    stream.blocking_flush()
}

fn stream_error(error: StreamError) -> String {
    match error {
        StreamError::Closed => "the stream was closed".into(),
        StreamError::LastOperationFailed(e) => e.to_debug_string(),
    }
}

/// What the exchange came to so far, if it already ended (`; ...`).
fn answer_so_far(pending: &FutureIncomingResponse) -> String {
    match pending.get() {
        Some(Ok(Ok(response))) => format!("; the answer was {}", response.status()),
        Some(Ok(Err(code))) => format!("; the request failed: {code:?}"),
        Some(Err(())) | None => String::new(),
    }
}

const BIG_BODY: Action = Action {
    name: "big-body",
    title: "Test: POST a huge body without a content-length",
    connection: ConnectionKind::User,
    classic_scopes: &[],
    granular_scopes: &[],
    method: Method::Post,
    path: "/users/{userId}/meetings",
    rate: RateCategory::Light,
    list_key: None,
    params: &[Param::control(
        "mib",
        ParamType::Integer,
        "Size of the request body in MiB, written in 1 MiB chunks",
    )
    .range(1, 1024)
    .default("64")],
    rules: &[],
    custom_run: Some(big_body),
    ..Action::BASE
};

wrk_zoom_sdk::export_action!(BIG_BODY);
