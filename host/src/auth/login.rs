//! Signing in through a browser: authorization code with PKCE (S256) on a
//! loopback redirect (`http://127.0.0.1:<free port>/callback`), `state`
//! checked, bounded by a timeout. The token exchange itself is
//! [`super::oauth`]'s.

use super::oauth::{
    ClientCredentials, OAuthFailure, TokenGrant, authorize_endpoint, client, failure, grant_from,
    http_send,
};
use oauth2::{AuthUrl, AuthorizationCode, CsrfToken, PkceCodeChallenge, RedirectUrl};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How to run a login.
pub struct LoginOptions<'a> {
    /// The app's client ID and secret.
    pub credentials: &'a ClientCredentials,
    /// The OAuth base, e.g. `https://zoom.us`.
    pub oauth_base: &'a str,
    /// How long to wait for the browser to come back.
    pub timeout: Duration,
    /// Called once with the authorize URL (print it, open a browser).
    pub on_authorize_url: Box<dyn FnOnce(&str) + Send + 'a>,
}

/// Why a login failed (one sentence, with what to do).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoginFailure {
    /// No redirect arrived in time.
    Timeout(Duration),
    /// The user (or Zoom) refused; Zoom's reason.
    Denied(String),
    /// The loopback listener or browser could not be set up.
    Setup(String),
    /// Exchanging the code for tokens failed.
    Token(OAuthFailure),
}

impl std::fmt::Display for LoginFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoginFailure::Timeout(t) => write!(
                f,
                "no answer from the browser within {} s; run the login again and approve the app in the browser (or raise --timeout)",
                t.as_secs()
            ),
            LoginFailure::Denied(reason) => write!(
                f,
                "Zoom did not grant access ({reason}); run the login again and approve the app"
            ),
            LoginFailure::Setup(m) => f.write_str(m),
            LoginFailure::Token(e) => write!(f, "{e}"),
        }
    }
}

/// Authorization code + PKCE with a loopback redirect. Returns the grant.
pub async fn login(options: LoginOptions<'_>) -> Result<TokenGrant, LoginFailure> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| {
            LoginFailure::Setup(format!("cannot listen on 127.0.0.1 for the redirect: {e}"))
        })?;
    let port = listener
        .local_addr()
        .map_err(|e| LoginFailure::Setup(format!("cannot listen on 127.0.0.1: {e}")))?
        .port();
    let redirect = format!("http://127.0.0.1:{port}/callback");
    let auth_url = AuthUrl::new(authorize_endpoint(options.oauth_base)).map_err(|e| {
        LoginFailure::Setup(format!(
            "'{}' is not a valid OAuth base URL ({e}); use e.g. https://zoom.us",
            options.oauth_base
        ))
    })?;
    let client = client(options.credentials, options.oauth_base)
        .map_err(LoginFailure::Setup)?
        .set_auth_uri(auth_url)
        .set_redirect_uri(
            RedirectUrl::new(redirect.clone())
                .map_err(|e| LoginFailure::Setup(format!("bad redirect URL: {e}")))?,
        );
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state) = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge)
        .url();
    (options.on_authorize_url)(url.as_str());

    let code = tokio::time::timeout(options.timeout, wait_for_code(&listener, state.secret()))
        .await
        .map_err(|_| LoginFailure::Timeout(options.timeout))??;
    let response = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&http_send)
        .await
        .map_err(|e| LoginFailure::Token(failure(e)))?;
    tracing::debug!("token endpoint granted a token for the authorization code");
    Ok(grant_from(response, options.oauth_base))
}

/// Serves the loopback redirect until a request to `/callback` with this
/// login's `state` arrives. Each connection is served on its own task, so a
/// client that connects and says nothing cannot hold the login up; a request
/// with another `state` (a stale tab, a forged link, a page probing loopback
/// ports) gets 400 and the login keeps waiting.
async fn wait_for_code(
    listener: &tokio::net::TcpListener,
    expected_state: &str,
) -> Result<String, LoginFailure> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<String, LoginFailure>>(1);
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let (tx, state) = (tx.clone(), expected_state.to_string());
                tasks.spawn(async move {
                    if let Some(outcome) = serve_redirect(stream, &state).await {
                        let _ = tx.send(outcome).await;
                    }
                });
            }
            Some(outcome) = rx.recv() => return outcome,
        }
    }
}

/// Answers one request to the loopback listener; `Some` when it is this
/// login's redirect.
async fn serve_redirect(
    mut stream: tokio::net::TcpStream,
    expected_state: &str,
) -> Option<Result<String, LoginFailure>> {
    let target = read_request_target(&mut stream).await?;
    let Ok(url) = url::Url::parse(&format!("http://127.0.0.1{target}")) else {
        respond(&mut stream, 400, "Bad request.").await;
        return None;
    };
    if url.path() != "/callback" {
        respond(&mut stream, 404, "Not found.").await;
        return None;
    }
    let get = |key: &str| {
        url.query_pairs()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    };
    if get("state").as_deref() != Some(expected_state) {
        tracing::warn!("ignored a redirect with another state than this login's");
        respond(
            &mut stream,
            400,
            "This sign-in link does not belong to the running wrk-zoom login. Close this window and use the link the login printed.",
        )
        .await;
        return None;
    }
    if let Some(error) = get("error") {
        let reason = get("error_description").map_or(error.clone(), |d| format!("{error}: {d}"));
        respond(
            &mut stream,
            400,
            "Zoom did not grant access. You can close this window.",
        )
        .await;
        return Some(Err(LoginFailure::Denied(reason)));
    }
    match get("code").filter(|c| !c.is_empty()) {
        Some(code) => {
            respond(
                &mut stream,
                200,
                "wrk-zoom is connected to Zoom. You can close this window.",
            )
            .await;
            Some(Ok(code))
        }
        None => {
            respond(&mut stream, 400, "The redirect carries no code.").await;
            Some(Err(LoginFailure::Denied(
                "the redirect carried no code".into(),
            )))
        }
    }
}

/// The request target of one HTTP/1 request (`/callback?code=...`).
async fn read_request_target(stream: &mut tokio::net::TcpStream) -> Option<String> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 2048];
    let read = async {
        while !buffer.windows(4).any(|w| w == b"\r\n\r\n") && buffer.len() < 32 * 1024 {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                break;
            }
            buffer.extend_from_slice(&chunk[..n]);
        }
        Some(())
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .ok()??;
    let text = String::from_utf8_lossy(&buffer);
    let line = text.lines().next()?;
    let mut parts = line.split_whitespace();
    let _method = parts.next()?;
    let target = parts.next()?;
    target.starts_with('/').then(|| target.to_string())
}

async fn respond(stream: &mut tokio::net::TcpStream, status: u16, message: &str) {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Bad Request",
    };
    let body = format!(
        "<!doctype html><html><head><title>wrk-zoom</title></head><body><p>{message}</p></body></html>"
    );
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// The Zoom account a new connection belongs to (`GET /users/me`'s
/// `account_id`), by which Zoom's events are routed to it; or why not.
pub async fn account_id_of(connection: &super::StoredConnection) -> Result<String, String> {
    use http_body_util::BodyExt;
    let transport = crate::transport::shared()?;
    let url = format!("{}/users/me", connection.api_base.trim_end_matches('/'));
    let request = hyper::Request::get(&url)
        .header(
            "authorization",
            format!("Bearer {}", connection.access_token.expose()),
        )
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .map_err(|e| format!("cannot make the request: {e}"))?;
    let response = transport
        .send(request, Duration::from_secs(30))
        .await
        .map_err(|e| format!("{e:?}"))?;
    let status = response.status();
    let body = tokio::time::timeout(Duration::from_secs(30), response.into_body().collect())
        .await
        .map_err(|_| "no answer from Zoom within 30 s".to_string())?
        .map_err(|e| format!("cannot read Zoom's answer: {e}"))?
        .to_bytes();
    if !status.is_success() {
        return Err(format!("Zoom answered {status} to GET /users/me"));
    }
    serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|me| me.get("account_id")?.as_str().map(str::to_string))
        .filter(|id| !id.is_empty())
        .ok_or_else(|| "GET /users/me named no account_id".to_string())
}
