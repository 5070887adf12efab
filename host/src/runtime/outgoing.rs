//! `wasi:http/outgoing-handler.handle`, answered on the calling task when
//! the request has no body.
//!
//! wasi-http 48 spawns a task for every outgoing request (and one more for
//! its I/O) and hands the guest a join handle to wait on. A request without
//! a body (every GET and DELETE the actions send) needs nothing from the
//! guest once it is handed over, so here it is sent and its answer's head
//! awaited inside `handle` itself, on the task that runs the call; the
//! guest's `future-incoming-response` is ready when `handle` returns. A
//! request with a body still goes through wasi-http's own `handle`: the
//! guest writes the body after `handle` returns, so the exchange must run
//! beside it.
//!
//! Everything else is wasi-http's: the request's resources, the checks of
//! its scheme and headers, and the egress hooks every request leaves
//! through ([`crate::egress`]). One difference a guest could see: two
//! bodiless requests started before either is awaited are sent one after
//! the other, not side by side (the actions send one at a time).

use super::store::CallState;
use std::pin::Pin;
use wasmtime::StoreContextMut;
use wasmtime::component::{Linker, Resource};
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::http::outgoing_handler::Host as _;
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Method, RequestOptions, Scheme};
use wasmtime_wasi_http::p2::types::{HostFutureIncomingResponse, HostOutgoingRequest};

/// The interface this answers, in the version wasi-http 48 links (guests
/// importing an older 0.2 release are matched to it by semver).
const INTERFACE: &str = "wasi:http/outgoing-handler@0.2.12";

type Answer = Result<Resource<HostFutureIncomingResponse>, ErrorCode>;

/// Adds `wasi:http/outgoing-handler` to the linker.
pub fn add_to_linker(linker: &mut Linker<CallState>) -> wasmtime::Result<()> {
    linker.instance(INTERFACE)?.func_wrap_async(
        "handle",
        |store: StoreContextMut<'_, CallState>,
         (request, options): (
            Resource<HostOutgoingRequest>,
            Option<Resource<RequestOptions>>,
        )| Box::new(async move { Ok((handle(store, request, options).await?,)) }),
    )
}

async fn handle(
    mut store: StoreContextMut<'_, CallState>,
    request: Resource<HostOutgoingRequest>,
    options: Option<Resource<RequestOptions>>,
) -> wasmtime::Result<Answer> {
    let mut view = store.data_mut().http();
    let outgoing = view.table.get(&request)?;
    let bodiless =
        outgoing.body.is_none() && !outgoing.headers.contains_key(hyper::header::CONTENT_LENGTH);
    if !bodiless {
        return match view.handle(request, options) {
            Ok(pending) => Ok(Ok(pending)),
            Err(e) => Ok(Err(e.downcast()?)),
        };
    }
    let options = options.and_then(|o| view.table.get(&o).ok()).cloned();
    let outgoing = view.table.delete(request)?;
    let hyper_request = match to_hyper(&mut view, outgoing) {
        Ok(request) => request,
        Err(code) => return Ok(Err(code)),
    };
    let sent = view
        .hooks
        .send_request(hyper_request, options, Box::new(async { Ok(()) }));
    let answer = match Pin::from(sent).await {
        Ok((response, io)) => {
            // The guest's incoming body keeps this handle; the hooks' I/O
            // future is already done (their client drives its connections).
            let io = wasmtime_wasi::runtime::spawn(async move {
                if let Err(e) = Pin::from(io).await {
                    tracing::warn!("an outgoing request's I/O failed: {e}");
                }
            });
            Ok((response, io))
        }
        Err(e) => Err(e),
    };
    let pending = HostFutureIncomingResponse::Ready(answer);
    Ok(Ok(store.data_mut().http().table.push(pending)?))
}

/// The hyper request for a request without a body, as wasi-http builds it.
fn to_hyper(
    view: &mut wasmtime_wasi_http::WasiHttpCtxView<'_>,
    outgoing: HostOutgoingRequest,
) -> Result<hyper::Request<wasmtime_wasi_http::WasiBody>, ErrorCode> {
    use http_body_util::{BodyExt, Empty};
    let method = match outgoing.method {
        Method::Get => hyper::Method::GET,
        Method::Head => hyper::Method::HEAD,
        Method::Post => hyper::Method::POST,
        Method::Put => hyper::Method::PUT,
        Method::Delete => hyper::Method::DELETE,
        Method::Connect => hyper::Method::CONNECT,
        Method::Options => hyper::Method::OPTIONS,
        Method::Trace => hyper::Method::TRACE,
        Method::Patch => hyper::Method::PATCH,
        Method::Other(m) => hyper::Method::from_bytes(m.as_bytes())
            .map_err(|_| ErrorCode::HttpRequestMethodInvalid)?,
    };
    let scheme = match outgoing.scheme {
        Some(scheme) => {
            let scheme = match scheme {
                Scheme::Http => hyper::http::uri::Scheme::HTTP,
                Scheme::Https => hyper::http::uri::Scheme::HTTPS,
                Scheme::Other(other) => hyper::http::uri::Scheme::try_from(other.as_str())
                    .map_err(|_| ErrorCode::HttpProtocolError)?,
            };
            if !view.hooks.is_supported_scheme(&scheme) {
                return Err(ErrorCode::HttpProtocolError);
            }
            scheme
        }
        None => view
            .hooks
            .default_scheme()
            .ok_or(ErrorCode::HttpProtocolError)?,
    };
    let authority = outgoing.authority.unwrap_or_default();
    let mut uri = hyper::Uri::builder()
        .scheme(scheme)
        .authority(authority.as_str());
    if let Some(path) = outgoing.path_with_query {
        uri = uri.path_and_query(path);
    }
    let uri = uri
        .build()
        .map_err(wasmtime_wasi_http::p2::http_request_error)?;
    let mut builder = hyper::Request::builder().method(method).uri(uri);
    if view.hooks.set_host_header() {
        builder = builder.header(hyper::header::HOST, authority.as_str());
    }
    for (name, value) in outgoing.headers.iter() {
        builder = builder.header(name, value);
    }
    let body = Empty::new().map_err(|never| match never {}).boxed_unsync();
    builder
        .body(body)
        .map_err(|e| ErrorCode::InternalError(Some(e.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::egress::EgressHooks;
    use wasmtime::component::ResourceTable;
    use wasmtime_wasi_http::FieldMap;
    use wasmtime_wasi_http::WasiHttpCtx;

    fn convert(
        method: Method,
        scheme: Option<Scheme>,
    ) -> Result<hyper::Request<wasmtime_wasi_http::WasiBody>, ErrorCode> {
        let mut hooks = EgressHooks::sealed();
        let mut headers = hyper::HeaderMap::new();
        headers.insert("authorization", "Bearer stand-in".parse().unwrap());
        headers.append("accept", "application/json".parse().unwrap());
        let headers = FieldMap::new_immutable(&mut hooks, headers);
        let (mut table, mut ctx) = (ResourceTable::new(), WasiHttpCtx::new());
        let mut view = wasmtime_wasi_http::WasiHttpCtxView {
            hooks: &mut hooks,
            table: &mut table,
            ctx: &mut ctx,
        };
        let outgoing = HostOutgoingRequest {
            method,
            scheme,
            authority: Some("api.zoom.us".into()),
            path_with_query: Some("/v2/users/me?x=1".into()),
            headers,
            body: None,
        };
        to_hyper(&mut view, outgoing)
    }

    #[test]
    fn a_bodiless_request_leaves_as_wasi_http_would_send_it() {
        let request = convert(Method::Get, Some(Scheme::Https)).expect("a request");
        assert_eq!(request.method(), hyper::Method::GET);
        assert_eq!(
            request.uri().to_string(),
            "https://api.zoom.us/v2/users/me?x=1"
        );
        let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
        assert_eq!(header("host"), Some("api.zoom.us"));
        assert_eq!(header("authorization"), Some("Bearer stand-in"));
        assert_eq!(header("accept"), Some("application/json"));

        let other = convert(Method::Other("PURGE".into()), None).expect("a request");
        assert_eq!(other.method().as_str(), "PURGE");
        assert_eq!(
            other.uri().scheme_str(),
            Some("https"),
            "wasi-http's default"
        );
    }

    #[test]
    fn a_bad_method_or_scheme_is_the_guests_error_not_a_trap() {
        assert!(matches!(
            convert(Method::Other("NOT A METHOD".into()), None),
            Err(ErrorCode::HttpRequestMethodInvalid)
        ));
        assert!(matches!(
            convert(Method::Get, Some(Scheme::Other("ftp".into()))),
            Err(ErrorCode::HttpProtocolError)
        ));
    }
}
