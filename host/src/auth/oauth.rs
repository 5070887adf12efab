//! Zoom's OAuth endpoints, through the `oauth2` crate:
//!
//! - [`login`](super::login::login) (its own module): authorization code
//!   with PKCE (S256) on a loopback redirect;
//! - [`refresh`]: `grant_type=refresh_token` (Zoom rotates the refresh token
//!   on every use);
//! - [`account_credentials`]: Server-to-Server (`grant_type=account_credentials`).
//!
//! Every token request authenticates the client with
//! `Authorization: Basic base64(client_id:client_secret)`. HTTP goes through
//! the same pooled hyper + rustls client the components' egress uses
//! ([`crate::transport`]), so no second HTTP client is compiled in. Nothing here logs or formats a token or a secret.

use super::store::Secret;
use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::http;
use oauth2::basic::{
    BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    Client, ClientId, ClientSecret, EndpointNotSet, EndpointSet, ExtraTokenFields, HttpRequest,
    HttpResponse, RefreshToken, RequestTokenError, StandardRevocableToken, StandardTokenResponse,
    TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The OAuth app's client credentials.
#[derive(Clone, Debug)]
pub struct ClientCredentials {
    /// The app's client ID.
    pub client_id: String,
    /// The app's client secret.
    pub client_secret: Secret,
}

/// Zoom's extra token-response field.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ZoomTokenFields {
    /// e.g. `https://api.zoom.us`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
}

impl ExtraTokenFields for ZoomTokenFields {}

type ZoomTokenResponse = StandardTokenResponse<ZoomTokenFields, BasicTokenType>;

/// Zoom's token-endpoint error body: `{"reason":"...","error":"..."}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ZoomOAuthError {
    #[serde(default)]
    /// The OAuth `error` code, e.g. `invalid_grant`.
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Zoom's `reason`, when given.
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The `error_description`, when given.
    pub error_description: Option<String>,
}

impl std::fmt::Display for ZoomOAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let reason = self
            .reason
            .as_deref()
            .or(self.error_description.as_deref())
            .unwrap_or("no reason given");
        write!(f, "{} ({reason})", self.error)
    }
}

impl oauth2::ErrorResponse for ZoomOAuthError {}

type ZoomClient<HasAuthUrl> = Client<
    ZoomOAuthError,
    ZoomTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    HasAuthUrl,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// What a token request granted.
#[derive(Clone, Debug)]
pub struct TokenGrant {
    /// The access token.
    pub access_token: Secret,
    /// The refresh token (none for Server-to-Server grants).
    pub refresh_token: Option<Secret>,
    /// `expires_in` (Zoom: 3599 or 3600).
    pub expires_in: i64,
    /// Granted scopes (`scope`, space-separated on the wire).
    pub scopes: Vec<String>,
    /// `api_url` + `/v2`, when Zoom named one.
    pub api_base: Option<String>,
}

/// Why a token request failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OAuthFailure {
    /// `invalid_grant`: the refresh token or code is no longer valid.
    InvalidGrant(String),
    /// `invalid_client`: wrong client ID or secret.
    InvalidClient(String),
    /// Any other OAuth error Zoom returned.
    Refused(String),
    /// Zoom could not be reached or answered something that is not OAuth.
    Transport(String),
}

impl std::fmt::Display for OAuthFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OAuthFailure::InvalidGrant(r) => write!(f, "Zoom refused the grant: {r}"),
            OAuthFailure::InvalidClient(r) => {
                write!(f, "Zoom refused the client ID or secret: {r}")
            }
            OAuthFailure::Refused(r) => write!(f, "Zoom's token endpoint refused: {r}"),
            OAuthFailure::Transport(r) => write!(f, "could not reach Zoom's token endpoint: {r}"),
        }
    }
}

/// Whether `url` is HTTPS on zoom.us or one of its subdomains.
pub fn is_zoom_https(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| {
        matches!((u.host_str(), u.port_or_known_default()),
            (Some(host), Some(port)) if crate::zoom_hosts::is_zoom_origin(u.scheme(), host, port))
    })
}

/// An OAuth base secrets may be sent to: HTTPS, or plain HTTP only to this
/// machine (the simulator, a test server).
pub fn check_oauth_base(oauth_base: &str) -> Result<(), String> {
    let url = url::Url::parse(oauth_base).map_err(|e| {
        format!("'{oauth_base}' is not a valid OAuth base URL ({e}); use e.g. https://zoom.us")
    })?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => Err(format!(
            "'{oauth_base}' is plain HTTP to another machine: client secrets and tokens would cross the network unencrypted; use https (plain http only to 127.0.0.1 or localhost)"
        )),
        other => Err(format!(
            "'{oauth_base}' has scheme '{other}'; use https, e.g. https://zoom.us"
        )),
    }
}

/// The variable naming the origins, besides Zoom's HTTPS hosts, that
/// connections in a shared store may send their secrets to.
pub const ALLOW_BASE_VAR: &str = "WRK_ZOOM_ALLOW_BASE";

/// Where a connection kept in a shared (database) store may send its client
/// secret and tokens: HTTPS on zoom.us or one of its subdomains (the rule
/// of `is_zoom_https`), or an origin the operator allows with
/// `WRK_ZOOM_ALLOW_BASE` (comma-separated, e.g. `http://127.0.0.1:4010`
/// for the simulator). Whoever can write the database cannot point a
/// connection anywhere else.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredBases {
    /// (scheme, host, port) of each allowed origin.
    allowed: Vec<(String, String, u16)>,
}

impl StoredBases {
    /// Zoom's hosts and the origins of `WRK_ZOOM_ALLOW_BASE`.
    pub fn from_env() -> Result<StoredBases, String> {
        StoredBases::parse(&std::env::var(ALLOW_BASE_VAR).unwrap_or_default())
    }

    /// Zoom's hosts and the origins in `list` (comma-separated URLs; only
    /// their scheme, host and port count).
    pub fn parse(list: &str) -> Result<StoredBases, String> {
        let mut allowed = Vec::new();
        for url in list.split(',').map(str::trim).filter(|u| !u.is_empty()) {
            allowed.push(origin(url).ok_or_else(|| {
                format!(
                    "{ALLOW_BASE_VAR}: '{url}' is not an http(s) origin; give e.g. http://127.0.0.1:4010 (comma-separated)"
                )
            })?);
        }
        Ok(StoredBases { allowed })
    }

    /// Whether a stored connection may send its secrets to `url`.
    pub fn admits(&self, url: &str) -> bool {
        is_zoom_https(url) || origin(url).is_some_and(|o| self.allowed.contains(&o))
    }

    /// [`StoredBases::admits`] as an error that names the connection, the
    /// field and the fix.
    pub fn check(&self, name: &str, field: &str, url: &str) -> Result<(), String> {
        if self.admits(url) {
            return Ok(());
        }
        Err(format!(
            "the stored connection '{name}' has {field} '{url}', which is not HTTPS on zoom.us or a subdomain of it, so its secrets are not sent there; if the database was edited, log in again with `wrk-zoom auth login --connection {name}`; if that base is yours, allow its origin with {ALLOW_BASE_VAR}"
        ))
    }
}

/// (scheme, host, port) of an http(s) URL without user info, as both URL
/// parsers used for sending (url's and hyper's) read it.
fn origin(url: &str) -> Option<(String, String, u16)> {
    let parsed = url::Url::parse(url).ok()?;
    if !matches!(parsed.scheme(), "http" | "https")
        || !parsed.username().is_empty()
        || parsed.password().is_some()
    {
        return None;
    }
    let host = parsed.host_str()?.to_ascii_lowercase();
    let uri: hyper::Uri = url.parse().ok()?;
    if !uri.host()?.eq_ignore_ascii_case(&host) {
        return None;
    }
    Some((
        parsed.scheme().to_string(),
        host,
        parsed.port_or_known_default()?,
    ))
}

/// The longest token lifetime believed from a token response (Zoom's are an
/// hour): a larger `expires_in` is read as this.
const MAX_TOKEN_LIFETIME_SECS: u64 = 30 * 86_400;

/// `<base>/oauth/authorize`.
pub fn authorize_endpoint(oauth_base: &str) -> String {
    format!("{}/oauth/authorize", oauth_base.trim_end_matches('/'))
}

/// `<base>/oauth/token`.
pub fn token_endpoint(oauth_base: &str) -> String {
    format!("{}/oauth/token", oauth_base.trim_end_matches('/'))
}

/// The transport error of the HTTP client (never contains a request body).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(String);

/// Sends one request through the process's pooled client
/// ([`crate::transport::shared`]), with bounded timeouts.
pub async fn http_send(request: HttpRequest) -> Result<HttpResponse, HttpError> {
    let (mut parts, body) = request.into_parts();
    let authority = parts
        .uri
        .authority()
        .map(|a| a.to_string())
        .ok_or_else(|| HttpError(format!("'{}' has no host", parts.uri)))?;
    if let Ok(host) = hyper::header::HeaderValue::from_str(&authority) {
        parts.headers.insert(hyper::header::HOST, host);
    }
    let target = format!(
        "{}://{}{}",
        parts.uri.scheme_str().unwrap_or("https"),
        authority,
        parts.uri.path()
    );
    let transport = crate::transport::shared().map_err(HttpError)?;
    let request = hyper::Request::from_parts(parts, Full::new(Bytes::from(body)));
    let response = transport
        .send(request, Duration::from_secs(30))
        .await
        .map_err(|e| HttpError(format!("{target}: {}", describe(e))))?;
    let (parts, body) = response.into_parts();
    let body = tokio::time::timeout(Duration::from_secs(60), body.collect())
        .await
        .map_err(|_| HttpError(format!("{target}: the answer did not arrive in time")))?
        .map_err(|e| HttpError(format!("{target}: {e}")))?
        .to_bytes();
    Ok(http::Response::from_parts(parts, body.to_vec()))
}

fn describe(failure: crate::transport::Failure) -> String {
    use crate::transport::Failure;
    match failure {
        Failure::NotSent(why) | Failure::MaybeSent(why) | Failure::Fatal(why) => why,
        Failure::TimedOut => "no answer in time".into(),
    }
}

pub(super) fn client(
    credentials: &ClientCredentials,
    oauth_base: &str,
) -> Result<ZoomClient<EndpointNotSet>, String> {
    check_oauth_base(oauth_base)?;
    let token_url = TokenUrl::new(token_endpoint(oauth_base)).map_err(|e| {
        format!("'{oauth_base}' is not a valid OAuth base URL ({e}); use e.g. https://zoom.us")
    })?;
    Ok(Client::new(ClientId::new(credentials.client_id.clone()))
        .set_client_secret(ClientSecret::new(
            credentials.client_secret.expose().to_string(),
        ))
        .set_token_uri(token_url))
}

/// The grant in a token response from `oauth_base`. When the OAuth server
/// is Zoom's, an `api_url` that is not HTTPS on a Zoom host is ignored (the
/// default API base is used): it would become where the token is sent.
pub(super) fn grant_from(response: ZoomTokenResponse, oauth_base: &str) -> TokenGrant {
    let api_base = response
        .extra_fields()
        .api_url
        .as_ref()
        .filter(|u| !u.is_empty())
        .filter(|u| {
            let trusted = !is_zoom_https(oauth_base) || is_zoom_https(u);
            if !trusted {
                tracing::warn!(api_url = %u, "ignored an api_url that is not HTTPS on a Zoom host");
            }
            trusted
        })
        .map(|u| format!("{}/v2", u.trim_end_matches('/')));
    TokenGrant {
        access_token: Secret::new(response.access_token().secret().clone()),
        refresh_token: response
            .refresh_token()
            .map(|t| Secret::new(t.secret().clone())),
        expires_in: response
            .expires_in()
            .map(|d| d.as_secs().min(MAX_TOKEN_LIFETIME_SECS) as i64)
            .unwrap_or(3600),
        scopes: response
            .scopes()
            .map(|s| s.iter().map(|s| s.to_string()).collect())
            .unwrap_or_default(),
        api_base,
    }
}

fn failure_from_error(error: ZoomOAuthError) -> OAuthFailure {
    let text = error.to_string();
    match error.error.as_str() {
        "invalid_grant" => OAuthFailure::InvalidGrant(text),
        "invalid_client" => OAuthFailure::InvalidClient(text),
        _ => OAuthFailure::Refused(text),
    }
}

pub(super) fn failure(error: RequestTokenError<HttpError, ZoomOAuthError>) -> OAuthFailure {
    match error {
        RequestTokenError::ServerResponse(e) => failure_from_error(e),
        RequestTokenError::Request(e) => OAuthFailure::Transport(e.to_string()),
        // The body may hold tokens: name the problem, never the body.
        RequestTokenError::Parse(e, _) => OAuthFailure::Transport(format!(
            "the answer is not an OAuth token response ({})",
            e.path()
        )),
        RequestTokenError::Other(m) => OAuthFailure::Transport(m),
    }
}

/// `grant_type=refresh_token`.
pub async fn refresh(
    credentials: &ClientCredentials,
    oauth_base: &str,
    refresh_token: &Secret,
) -> Result<TokenGrant, OAuthFailure> {
    let client = client(credentials, oauth_base).map_err(OAuthFailure::Refused)?;
    let token = RefreshToken::new(refresh_token.expose().to_string());
    let response = client
        .exchange_refresh_token(&token)
        .request_async(&http_send)
        .await
        .map_err(failure)?;
    tracing::debug!("token endpoint granted a refreshed token");
    Ok(grant_from(response, oauth_base))
}

/// `grant_type=account_credentials&account_id=...` (Server-to-Server). Not
/// a standard grant, so the request is built here; the response is parsed
/// with the same types as the standard grants.
pub async fn account_credentials(
    credentials: &ClientCredentials,
    oauth_base: &str,
    account_id: &str,
) -> Result<TokenGrant, OAuthFailure> {
    check_oauth_base(oauth_base).map_err(OAuthFailure::Refused)?;
    let url = token_endpoint(oauth_base);
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "account_credentials")
        .append_pair("account_id", account_id)
        .finish();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        credentials.client_id,
        credentials.client_secret.expose()
    ));
    let mut authorization = hyper::header::HeaderValue::from_str(&format!("Basic {basic}"))
        .map_err(|_| {
            OAuthFailure::InvalidClient(
                "the client ID or secret contains invalid characters".into(),
            )
        })?;
    authorization.set_sensitive(true);
    let request = http::Request::builder()
        .method(http::Method::POST)
        .uri(&url)
        .header(http::header::AUTHORIZATION, authorization)
        .header(http::header::ACCEPT, "application/json")
        .header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body.into_bytes())
        .map_err(|e| {
            OAuthFailure::Refused(format!(
                "'{oauth_base}' is not a valid OAuth base URL ({e}); use e.g. https://zoom.us"
            ))
        })?;
    let response = http_send(request)
        .await
        .map_err(|e| OAuthFailure::Transport(e.to_string()))?;
    let status = response.status();
    if status != http::StatusCode::OK {
        return Err(
            match serde_json::from_slice::<ZoomOAuthError>(response.body()) {
                Ok(e) if !e.error.is_empty() => failure_from_error(e),
                _ => OAuthFailure::Transport(format!(
                    "the token endpoint answered HTTP {status} without an OAuth error"
                )),
            },
        );
    }
    let parsed: ZoomTokenResponse = serde_json::from_slice(response.body()).map_err(|e| {
        OAuthFailure::Transport(format!(
            "the answer is not an OAuth token response (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    tracing::debug!("token endpoint granted a Server-to-Server token");
    Ok(grant_from(parsed, oauth_base))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_go_over_https_or_to_this_machine_only() {
        assert!(check_oauth_base("https://zoom.us").is_ok());
        assert!(check_oauth_base("http://127.0.0.1:4010").is_ok());
        assert!(check_oauth_base("http://localhost:4010").is_ok());
        assert!(check_oauth_base("http://[::1]:4010").is_ok());
        let remote = check_oauth_base("http://zoom.example.com").unwrap_err();
        assert!(remote.contains("unencrypted"), "{remote}");
        assert!(check_oauth_base("ftp://zoom.us").is_err());
        assert!(check_oauth_base("zoom.us").is_err());
    }

    #[test]
    fn an_api_url_off_zoom_is_ignored_when_the_oauth_server_is_zooms() {
        let response = |api_url: &str| -> ZoomTokenResponse {
            serde_json::from_str(&format!(
                r#"{{"access_token":"a","token_type":"bearer","expires_in":3600,"api_url":"{api_url}"}}"#
            ))
            .unwrap()
        };
        let zoom = "https://zoom.us";
        assert_eq!(
            grant_from(response("http://evil.example"), zoom).api_base,
            None
        );
        assert_eq!(
            grant_from(response("https://evil.example"), zoom).api_base,
            None
        );
        assert_eq!(
            grant_from(response("https://api-eu.zoom.us"), zoom)
                .api_base
                .as_deref(),
            Some("https://api-eu.zoom.us/v2")
        );
        // Another OAuth server (the simulator) names its own API.
        assert_eq!(
            grant_from(response("http://127.0.0.1:4010"), "http://127.0.0.1:4010")
                .api_base
                .as_deref(),
            Some("http://127.0.0.1:4010/v2")
        );
    }

    #[test]
    fn a_token_lifetime_is_believed_up_to_thirty_days() {
        let response: ZoomTokenResponse = serde_json::from_str(
            r#"{"access_token":"a","token_type":"bearer","expires_in":1000000000000}"#,
        )
        .unwrap();
        assert_eq!(
            grant_from(response, "https://zoom.us").expires_in,
            30 * 86_400
        );
    }

    #[test]
    fn stored_bases_are_zoom_https_or_an_origin_the_operator_allows() {
        let zoom_only = StoredBases::parse("").unwrap();
        assert!(zoom_only.admits("https://zoom.us"));
        assert!(zoom_only.admits("https://api.zoom.us/v2"));
        for elsewhere in [
            "https://evil.example",
            "http://127.0.0.1:4010",
            "http://api.zoom.us/v2",
            "https://api.zoom.us.evil.example/v2",
        ] {
            assert!(!zoom_only.admits(elsewhere), "{elsewhere}");
        }
        let err = zoom_only
            .check("admin", "oauth_base", "https://evil.example")
            .unwrap_err();
        assert!(
            err.contains("'admin'")
                && err.contains("oauth_base")
                && err.contains("auth login --connection admin")
                && err.contains(ALLOW_BASE_VAR),
            "{err}"
        );

        let sim = StoredBases::parse(" http://127.0.0.1:4010/v2 , https://proxy.internal").unwrap();
        assert!(sim.admits("http://127.0.0.1:4010"));
        assert!(sim.admits("http://127.0.0.1:4010/v2"));
        assert!(sim.admits("https://proxy.internal:443/v2"));
        assert!(!sim.admits("http://127.0.0.1:4011/v2"), "another port");
        assert!(!sim.admits("https://127.0.0.1:4010/v2"), "another scheme");
        assert!(!sim.admits("http://x@127.0.0.1:4010/v2"), "user info");
        assert!(sim.admits("https://zoom.us"));

        let bad = StoredBases::parse("127.0.0.1:4010").unwrap_err();
        assert!(bad.contains(ALLOW_BASE_VAR), "{bad}");
    }

    #[test]
    fn zoom_hosts_are_https_zoom_us_only() {
        assert!(is_zoom_https("https://api.zoom.us"));
        assert!(is_zoom_https("https://zoom.us/"));
        assert!(!is_zoom_https("http://api.zoom.us"));
        assert!(!is_zoom_https("https://evil.example/api.zoom.us"));
        assert!(!is_zoom_https("https://api.zoom.us.evil.example"));
        assert!(!is_zoom_https("https://api.zoom.us:444"));
    }
}
