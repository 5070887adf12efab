//! `wrk-zoom auth`: log in (user or admin, authorization code + PKCE),
//! connect a Server-to-Server app, show and forget stored connections.

// HostError is the CLI's error type everywhere; its size is not this file's.
#![allow(clippy::result_large_err)]

use super::{Store, print_json};
use clap::{Args, Subcommand};
use std::time::Duration;
use wrk_zoom::HostError;
use wrk_zoom::auth::{
    ClientCredentials, DEFAULT_API_BASE, DEFAULT_OAUTH_BASE, FileStore, Grant, LoginOptions,
    Secret, StoreError, StoredConnection, account_credentials, check_oauth_base, new_connection,
    relogin_command,
};
use wrk_zoom::clock::{format_utc, now_secs};
use wrk_zoom::model::ConnectionKind;

#[derive(Subcommand)]
pub enum AuthCommand {
    /// Log in to Zoom in a browser (authorization code with PKCE, loopback
    /// redirect on 127.0.0.1) and store the connection.
    Login(LoginArgs),
    /// Connect a Server-to-Server OAuth app (grant_type=account_credentials).
    S2s(S2sArgs),
    /// Show the stored connections: kind, granted scopes, expiry, whether a
    /// login is needed. Never shows tokens.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Forget one stored connection (--connection NAME) or all of them.
    Logout {
        /// The connection to forget; without it every connection is forgotten.
        #[arg(long, value_name = "NAME")]
        connection: Option<String>,
    },
}

/// The OAuth app: flags, else environment, else
/// `$WRK_ZOOM_HOME/config.json` (`{"client_id": "...", "client_secret": "...",
/// "oauth_base": "...", "account_id": "..."}`).
#[derive(Args)]
pub struct ClientArgs {
    /// OAuth client ID of your Zoom app.
    #[arg(long, env = "ZOOM_CLIENT_ID")]
    client_id: Option<String>,
    /// OAuth client secret (prefer ZOOM_CLIENT_SECRET or the config file:
    /// a flag is visible to other local users).
    #[arg(long, env = "ZOOM_CLIENT_SECRET", hide_env_values = true)]
    client_secret: Option<String>,
    /// OAuth base URL (`/oauth/authorize`, `/oauth/token`) [default: https://zoom.us].
    #[arg(long, env = "ZOOM_OAUTH_BASE", value_name = "URL")]
    oauth_base: Option<String>,
}

#[derive(Args)]
pub struct LoginArgs {
    /// Log in as an account admin (an admin-level app with admin scopes);
    /// the connection can run admin actions.
    #[arg(long)]
    admin: bool,
    /// Name of the stored connection [default: user, or admin with --admin].
    #[arg(long, value_name = "NAME")]
    connection: Option<String>,
    /// Make it the default connection of its kind (the first one of a kind
    /// always is).
    #[arg(long)]
    default: bool,
    /// Seconds to wait for the browser to come back.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    timeout: u64,
    /// Only print the authorize URL; do not try to open a browser.
    #[arg(long)]
    no_browser: bool,
    #[command(flatten)]
    client: ClientArgs,
}

#[derive(Args)]
pub struct S2sArgs {
    /// Zoom account ID of the Server-to-Server app.
    #[arg(long, env = "ZOOM_ACCOUNT_ID", value_name = "ID")]
    account_id: Option<String>,
    /// Name of the stored connection [default: s2s].
    #[arg(long, value_name = "NAME")]
    connection: Option<String>,
    /// Make it the default admin connection (the first one always is).
    #[arg(long)]
    default: bool,
    #[command(flatten)]
    client: ClientArgs,
}

#[derive(Default, serde::Deserialize)]
struct ConfigFile {
    client_id: Option<String>,
    client_secret: Option<String>,
    oauth_base: Option<String>,
    account_id: Option<String>,
}

fn read_config() -> Result<ConfigFile, HostError> {
    let Ok(home) = FileStore::from_env() else {
        return Ok(ConfigFile::default());
    };
    let path = home.dir().join("config.json");
    warn_if_readable_by_others(&path);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            HostError::Auth(format!(
                "{} is not valid JSON ({e}); it holds {{\"client_id\": \"...\", \"client_secret\": \"...\"}}",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ConfigFile::default()),
        Err(e) => {
            let message = format!("cannot read {}: {e}", path.display());
            Err(HostError::Store(StoreError::io(message, e)))
        }
    }
}

/// Client credentials and OAuth base from flags, environment or config.
/// The flag (or its environment variable) when given, else the config
/// file's value; blank counts as not given.
fn flag_or_config(flag: Option<String>, config: &Option<String>) -> Option<String> {
    flag.or_else(|| config.clone())
        .filter(|s| !s.trim().is_empty())
}

fn client(args: ClientArgs, config: &ConfigFile) -> Result<(ClientCredentials, String), HostError> {
    let client_id = flag_or_config(args.client_id, &config.client_id)
        .ok_or_else(|| {
            HostError::Auth(
                "no OAuth client ID: pass --client-id, set ZOOM_CLIENT_ID, or put \"client_id\" in the config file (see `wrk-zoom auth login --help`)".into(),
            )
        })?;
    let client_secret = flag_or_config(args.client_secret, &config.client_secret)
        .ok_or_else(|| {
            HostError::Auth(
                "no OAuth client secret: set ZOOM_CLIENT_SECRET, pass --client-secret, or put \"client_secret\" in the config file".into(),
            )
        })?;
    let oauth_base = flag_or_config(args.oauth_base, &config.oauth_base)
        .unwrap_or_else(|| DEFAULT_OAUTH_BASE.to_string());
    let parsed = url::Url::parse(&oauth_base).ok();
    if !parsed.is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some()) {
        return Err(HostError::InvalidInput {
            field: "--oauth-base".into(),
            message: format!(
                "'{oauth_base}' is not an http(s) URL; pass e.g. --oauth-base https://zoom.us"
            ),
        });
    }
    check_oauth_base(&oauth_base).map_err(|message| HostError::InvalidInput {
        field: "--oauth-base".into(),
        message,
    })?;
    Ok((
        ClientCredentials {
            client_id: client_id.trim().to_string(),
            client_secret: Secret::new(client_secret.trim()),
        },
        oauth_base.trim_end_matches('/').to_string(),
    ))
}

pub async fn run(command: AuthCommand, store: &Store) -> Result<(), HostError> {
    match command {
        AuthCommand::Login(args) => login(args, store).await,
        AuthCommand::S2s(args) => s2s(args, store).await,
        AuthCommand::Status { json } => status(json, store).await,
        AuthCommand::Logout { connection } => logout(connection, store).await,
    }
}

async fn login(args: LoginArgs, store: &Store) -> Result<(), HostError> {
    let kind = if args.admin {
        ConnectionKind::Admin
    } else {
        ConnectionKind::User
    };
    let name = args.connection.clone().unwrap_or_else(|| kind.to_string());
    wrk_zoom::auth::check_connection_name(&name)?;
    let config = read_config()?;
    let (credentials, oauth_base) = client(args.client, &config)?;
    let connections = store.open().await?;
    // A damaged store is reported before the browser round trip, not after
    // (one damaged connection in a database is not: the login replaces it).
    connections.store().check().await?;
    let no_browser = args.no_browser;
    let grant = wrk_zoom::auth::login(LoginOptions {
        credentials: &credentials,
        oauth_base: &oauth_base,
        timeout: Duration::from_secs(args.timeout.max(1)),
        on_authorize_url: Box::new(move |url| {
            eprintln!(
                "To connect wrk-zoom to Zoom, open this URL in a browser and approve the app:"
            );
            eprintln!("  {url}");
            if !no_browser && open_browser(url) {
                eprintln!("(a browser was opened)");
            }
            eprintln!("waiting for the browser to come back...");
        }),
    })
    .await
    .map_err(|e| HostError::Auth(format!("login failed: {e}")))?;
    let mut connection = new_connection(
        kind,
        Grant::AuthorizationCode,
        &credentials,
        &oauth_base,
        DEFAULT_API_BASE,
        None,
        grant,
        now_secs(),
    );
    // Zoom's events name the account, not the user: keep it to route them.
    match wrk_zoom::auth::account_id_of(&connection).await {
        Ok(account) => connection.account_id = Some(account),
        Err(why) => eprintln!(
            "note: cannot read the connection's Zoom account ({why}); Zoom's events reach '{name}' only after a login that can"
        ),
    }
    connections
        .save(&name, connection.clone(), args.default)
        .await?;
    eprintln!(
        "connected: '{name}' is a {} connection; it renews itself before it expires",
        kind.as_str()
    );
    print_json(&summary(
        &name,
        &connection,
        &connections.read().await?.defaults,
    ))
}

/// `config.json` holds a client secret: say so when others may read it.
fn warn_if_readable_by_others(path: &std::path::Path) {
    #[cfg(unix)]
    if let Ok(meta) = std::fs::metadata(path) {
        use std::os::unix::fs::MetadataExt;
        if meta.mode() & 0o077 != 0 {
            eprintln!(
                "warning: {} holds a client secret and others may read it (mode {:o}); `chmod 600` it",
                path.display(),
                meta.mode() & 0o777
            );
        }
    }
}

async fn s2s(args: S2sArgs, store: &Store) -> Result<(), HostError> {
    let name = args.connection.clone().unwrap_or_else(|| "s2s".to_string());
    wrk_zoom::auth::check_connection_name(&name)?;
    let config = read_config()?;
    let account_id = args
        .account_id
        .clone()
        .or_else(|| config.account_id.clone())
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            HostError::Auth(
                "no account ID: pass --account-id (the Account ID on your Server-to-Server app's page) or set ZOOM_ACCOUNT_ID".into(),
            )
        })?;
    let (credentials, oauth_base) = client(args.client, &config)?;
    let connections = store.open().await?;
    let grant = account_credentials(&credentials, &oauth_base, account_id.trim())
        .await
        .map_err(|e| HostError::Auth(format!("Server-to-Server connection failed: {e}; check the account ID, client ID and client secret of the app")))?;
    let connection = new_connection(
        ConnectionKind::Admin,
        Grant::AccountCredentials,
        &credentials,
        &oauth_base,
        DEFAULT_API_BASE,
        Some(account_id.trim().to_string()),
        grant,
        now_secs(),
    );
    connections
        .save(&name, connection.clone(), args.default)
        .await?;
    eprintln!(
        "connected: '{name}' is a Server-to-Server (admin) connection; a new token is fetched before each one expires"
    );
    print_json(&summary(
        &name,
        &connection,
        &connections.read().await?.defaults,
    ))
}

fn summary(
    name: &str,
    c: &StoredConnection,
    defaults: &wrk_zoom::auth::Defaults,
) -> serde_json::Value {
    let now = now_secs();
    serde_json::json!({
        "connection": name,
        "kind": c.kind.as_str(),
        "grant": match c.grant {
            Grant::AuthorizationCode => "authorization_code",
            Grant::AccountCredentials => "account_credentials",
        },
        "default": defaults.get(c.kind) == Some(name),
        "scopes": c.scopes,
        "api_base": c.api_base,
        "expires_at": format_utc(c.expires_at),
        "expires_in": (c.expires_at - now).max(0),
        "renewals": c.renewals,
        "needs_login": c.needs_login.is_some(),
        "needs_login_reason": c.needs_login,
    })
}

async fn status(json: bool, store: &Store) -> Result<(), HostError> {
    let connections = store.open().await?;
    let data = connections.read().await?;
    if json {
        let list: Vec<_> = data
            .connections
            .iter()
            .map(|(name, c)| summary(name, c, &data.defaults))
            .collect();
        return print_json(&serde_json::json!({
            "store": connections.store().describe(),
            "connections": list,
        }));
    }
    if data.connections.is_empty() {
        println!(
            "no stored connections ({}); connect with `wrk-zoom auth login` (a user), `wrk-zoom auth login --admin` or `wrk-zoom auth s2s --account-id ID`",
            connections.store().describe()
        );
        return Ok(());
    }
    let now = now_secs();
    let mut out = String::new();
    for (name, c) in &data.connections {
        let default = if data.defaults.get(c.kind) == Some(name.as_str()) {
            format!(" (default {} connection)", c.kind.as_str())
        } else {
            String::new()
        };
        let grant = match c.grant {
            Grant::AuthorizationCode => "login",
            Grant::AccountCredentials => "server-to-server",
        };
        out.push_str(&format!("{name}{default}\n"));
        out.push_str(&format!("  kind:    {} ({grant})\n", c.kind.as_str()));
        out.push_str(&format!("  scopes:  {}\n", c.scopes.join(" ")));
        let left = c.expires_at - now;
        let expiry = if left > 0 {
            format!("{} (in {left} s)", format_utc(c.expires_at))
        } else {
            format!(
                "{} (expired; renewed on next use)",
                format_utc(c.expires_at)
            )
        };
        out.push_str(&format!("  expires: {expiry}\n"));
        out.push_str(&format!("  api:     {}\n", c.api_base));
        match &c.needs_login {
            Some(reason) => out.push_str(&format!(
                "  NEEDS LOGIN: {reason}; run `{}`\n",
                relogin_command(name, c.kind, c.grant, c.account_id.as_deref())
            )),
            None => out.push_str("  needs login: no\n"),
        }
    }
    print!("{out}");
    Ok(())
}

async fn logout(connection: Option<String>, store: &Store) -> Result<(), HostError> {
    let connections = store.open().await?;
    let names: Vec<String> = match connection {
        Some(name) => vec![name],
        None => connections
            .read()
            .await?
            .connections
            .keys()
            .cloned()
            .collect(),
    };
    if names.is_empty() {
        eprintln!("no stored connections; nothing to forget");
        return Ok(());
    }
    for name in names {
        if connections.remove(&name).await? {
            eprintln!(
                "forgot connection '{name}' (its tokens are deleted from this machine; revoke the app in Zoom to invalidate them there)"
            );
        } else {
            return Err(HostError::Auth(format!(
                "there is no connection named '{name}'; `wrk-zoom auth status` lists them"
            )));
        }
    }
    Ok(())
}

/// Opens `url` in a browser where one exists; `false` when none was found.
fn open_browser(url: &str) -> bool {
    use std::process::{Command, Stdio};
    let spawn = |program: &str, args: &[&str]| {
        let mut command = Command::new(program);
        command.args(args).arg(url);
        // The browser needs none of our settings, and several of them are
        // secrets (client secret, tokens, API keys, the store key and the
        // database URL): every variable of ours goes, not a list that new
        // ones would slip past.
        for (name, _) in std::env::vars_os() {
            let ours = name
                .to_str()
                .is_some_and(|n| n.starts_with("WRK_ZOOM_") || n.starts_with("ZOOM_"));
            if ours {
                command.env_remove(name);
            }
        }
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .is_ok()
    };
    if let Some(browser) = std::env::var("BROWSER")
        .ok()
        .filter(|b| !b.trim().is_empty())
    {
        return spawn(browser.trim(), &[]);
    }
    if cfg!(target_os = "macos") {
        return spawn("open", &[]);
    }
    if cfg!(windows) {
        return spawn("explorer", &[]);
    }
    let graphical = std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty())
        || std::env::var_os("WAYLAND_DISPLAY").is_some_and(|d| !d.is_empty());
    let on_path = |program: &str| {
        std::env::var_os("PATH").is_some_and(|paths| {
            std::env::split_paths(&paths).any(|dir| dir.join(program).is_file())
        })
    };
    graphical && on_path("xdg-open") && spawn("xdg-open", &[])
}
