//! The schema, created and upgraded by the program itself: numbered
//! migrations, embedded, applied in order inside one transaction. A database
//! upgraded by a newer wrk-zoom is refused rather than misread.
//!
//! Everything lives in the schema `wrk_zoom`, which must belong to the role
//! the store connects as, as must every table in it: a role that created
//! them first (a co-tenant of the database) could read or rewrite what the
//! store holds, so the store refuses to start instead. No other role can
//! use the schema unless its owner grants it, so the lock that serialises
//! migrations (a table lock on `wrk_zoom.wrk_zoom_migrations`) and the
//! whole-store lock (`tokens.rs`) cannot be held by anyone else, as a
//! database-wide advisory lock id could.
//!
//! Tables of an older wrk-zoom (before this schema: `wrk_zoom_*` in
//! `public` or the role's own schema) are moved here, connections and all,
//! inside the migration's transaction, when they belong to the role.

use crate::error::StoreError;
use tokio_postgres::error::SqlState;

/// The tables of the store besides the migrations' (their names are kept
/// from before the schema, in which older wrk-zoom releases made them).
const TABLES: [&str; 3] = [
    "wrk_zoom_connections",
    "wrk_zoom_defaults",
    "wrk_zoom_rate_limits",
];

/// (version, what it does, SQL). Append only: a released migration never
/// changes (1 gained its schema name when the tables moved to `wrk_zoom`;
/// tables made before are moved there, see [`adopt_older_tables`]).
const MIGRATIONS: &[(i32, &str, &str)] = &[
    (
        1,
        "connections, defaults and shared rate limits",
        "
    CREATE TABLE wrk_zoom.wrk_zoom_connections (
        name text PRIMARY KEY,
        -- The connection without its secrets (JSON, as in the file store).
        public jsonb NOT NULL,
        -- Client secret, access and refresh token, encrypted (seal.rs).
        sealed bytea NOT NULL,
        key_id text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE wrk_zoom.wrk_zoom_defaults (
        kind text PRIMARY KEY CHECK (kind IN ('user', 'admin')),
        name text NOT NULL
    );
    -- One GCRA cell per (account, table/category), and the daily limit
    -- known to be used up there.
    CREATE TABLE wrk_zoom.wrk_zoom_rate_limits (
        account text NOT NULL,
        bucket text NOT NULL,
        next_allowed_us bigint NOT NULL,
        daily_resets_at bigint,
        daily_limit text,
        daily_message text,
        PRIMARY KEY (account, bucket)
    );
    ",
    ),
    (
        2,
        "what sealed secrets are bound to (seal.rs formats)",
        "
    -- 1: the connection's name alone; 2: also where its secrets go.
    ALTER TABLE wrk_zoom.wrk_zoom_connections
        ADD COLUMN seal_format smallint NOT NULL DEFAULT 1;
    ",
    ),
    (
        3,
        "rate-limit slots given back before their time",
        "
    ALTER TABLE wrk_zoom.wrk_zoom_rate_limits
        -- Starts (microseconds) of slots whose waits were dropped, for
        -- the next takers (pacing.rs).
        ADD COLUMN returned_us bigint[] NOT NULL DEFAULT '{}',
        -- The start of the slot the last take granted.
        ADD COLUMN slot_us bigint;
    ",
    ),
    (
        4,
        "daily limits recorded before resets were bounded",
        "
    -- A reset further away than the bound (the next UTC midnight plus a day)
    -- came from an answer no longer believed; the messages are cut to the
    -- bound egress/advice.rs keeps.
    UPDATE wrk_zoom.wrk_zoom_rate_limits SET daily_resets_at =
        extract(epoch FROM date_trunc('day', clock_timestamp() AT TIME ZONE 'UTC'))::bigint + 172800
        WHERE daily_resets_at >
            extract(epoch FROM date_trunc('day', clock_timestamp() AT TIME ZONE 'UTC'))::bigint + 172800;
    UPDATE wrk_zoom.wrk_zoom_rate_limits SET daily_message = left(daily_message, 500)
        WHERE length(daily_message) > 500;
    ",
    ),
    (
        5,
        "Zoom events: apps, the inbox, consumers' cursors and subscriptions",
        "
    -- Zoom apps whose deliveries `serve` takes (events.rs).
    CREATE TABLE wrk_zoom.wrk_zoom_event_apps (
        name text PRIMARY KEY,
        -- The app without its secrets (JSON, as in the file store).
        public jsonb NOT NULL,
        -- Its secret token and the one it replaces, encrypted (seal.rs).
        sealed bytea NOT NULL,
        key_id text NOT NULL,
        seal_format smallint NOT NULL,
        -- Unix seconds of the last URL validation answered.
        validated_at bigint,
        -- Deliveries refused so far.
        refused bigint NOT NULL DEFAULT 0
    );
    -- The inbox's newest number: appends lock this one row, so numbers
    -- follow commit order (events.rs, APPEND).
    CREATE TABLE wrk_zoom.wrk_zoom_event_seq (
        one boolean PRIMARY KEY DEFAULT true CHECK (one),
        last_seq bigint NOT NULL
    );
    INSERT INTO wrk_zoom.wrk_zoom_event_seq (one, last_seq) VALUES (true, 0);
    -- Every verified event, once per app: a second delivery has the same
    -- request id or the same semantic key (NULLs never conflict).
    CREATE TABLE wrk_zoom.wrk_zoom_events (
        seq bigint PRIMARY KEY,
        app text NOT NULL,
        -- Unix milliseconds.
        received_at bigint NOT NULL,
        event text NOT NULL,
        event_ts bigint,
        account_id text,
        request_id text,
        semantic_key text,
        connections text[] NOT NULL,
        source text NOT NULL,
        -- As Zoom sent it.
        body text NOT NULL,
        CONSTRAINT wrk_zoom_events_request UNIQUE (app, request_id),
        CONSTRAINT wrk_zoom_events_semantic UNIQUE (app, semantic_key)
    );
    CREATE INDEX wrk_zoom_events_received_at ON wrk_zoom.wrk_zoom_events (received_at);
    -- Pull consumers' committed cursors.
    CREATE TABLE wrk_zoom.wrk_zoom_event_consumers (
        name text PRIMARY KEY,
        cursor bigint NOT NULL
    );
    -- Push subscriptions.
    CREATE TABLE wrk_zoom.wrk_zoom_event_subscriptions (
        id text PRIMARY KEY,
        url text NOT NULL,
        -- The signing secret, encrypted and bound to the id and the URL.
        sealed bytea NOT NULL,
        key_id text NOT NULL,
        seal_format smallint NOT NULL,
        filter jsonb NOT NULL,
        -- Unix seconds.
        created_at bigint NOT NULL,
        -- The delivery state (JSON), changed under the row's lock.
        state jsonb NOT NULL
    );
    ",
    ),
];

/// How many times a start that raced another one creating the schema (a
/// unique violation in the catalog) tries again.
const ATTEMPTS: usize = 5;

/// The newest schema version this build knows.
pub fn latest() -> i32 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

/// Why one attempt failed.
enum Failure {
    /// Another process created the schema or a table at the same time.
    Raced,
    Failed(StoreError),
}

/// A PostgreSQL error while doing `what`; a race on the catalog's unique
/// names is [`Failure::Raced`].
fn fail(what: &str) -> impl Fn(tokio_postgres::Error) -> Failure + '_ {
    move |e| match e.code() {
        Some(code)
            if *code == SqlState::UNIQUE_VIOLATION
                || *code == SqlState::DUPLICATE_SCHEMA
                || *code == SqlState::DUPLICATE_TABLE =>
        {
            Failure::Raced
        }
        _ => Failure::Failed(super::error(what, e)),
    }
}

/// Brings the database's schema up to [`latest`]; returns the migrations
/// applied now.
pub async fn migrate(client: &mut tokio_postgres::Client) -> Result<Vec<i32>, StoreError> {
    for _ in 1..ATTEMPTS {
        match attempt(client).await {
            Err(Failure::Raced) => continue,
            Err(Failure::Failed(e)) => return Err(e),
            Ok(applied) => return Ok(applied),
        }
    }
    attempt(client).await.map_err(|failure| match failure {
        Failure::Failed(e) => e,
        Failure::Raced => StoreError::new(
            "PostgreSQL store: other processes kept creating the schema wrk_zoom at the same time; start again",
        ),
    })
}

async fn attempt(client: &mut tokio_postgres::Client) -> Result<Vec<i32>, Failure> {
    let tx = client
        .transaction()
        .await
        .map_err(fail("start a migration"))?;
    let schema = tx
        .query_opt(
            "SELECT n.nspowner = r.oid, pg_catalog.pg_get_userbyid(n.nspowner), r.rolname::text
             FROM pg_catalog.pg_namespace n, pg_catalog.pg_roles r
             WHERE n.nspname = 'wrk_zoom' AND r.rolname = current_user",
            &[],
        )
        .await
        .map_err(fail("look for the schema wrk_zoom"))?;
    match schema {
        None => tx
            .batch_execute("CREATE SCHEMA wrk_zoom")
            .await
            .map_err(fail("create the schema wrk_zoom"))?,
        Some(row) if !row.get::<_, bool>(0) => {
            let (owner, me): (String, String) = (row.get(1), row.get(2));
            return Err(Failure::Failed(StoreError::new(format!(
                "PostgreSQL store: the schema wrk_zoom belongs to role {owner}, not to {me} (the role of WRK_ZOOM_DATABASE_URL), so whoever made it could read or rewrite the store: if it is this deployment's, give it to {me} (`ALTER SCHEMA wrk_zoom OWNER TO {me}`, and each table in it), else drop it, or connect as {owner}"
            ))));
        }
        Some(_) => {}
    }
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS wrk_zoom.wrk_zoom_migrations (
            version integer PRIMARY KEY,
            description text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )",
    )
    .await
    .map_err(fail("create the migrations table"))?;
    // Self-exclusive, so concurrent starts migrate one at a time; only a
    // role that may use the schema (its owner) can take it.
    tx.batch_execute("LOCK TABLE wrk_zoom.wrk_zoom_migrations IN SHARE ROW EXCLUSIVE MODE")
        .await
        .map_err(fail("lock the schema for migration"))?;
    check_owners(&tx).await?;
    let mut current = schema_version(&tx).await?;
    if current == 0 {
        current = adopt_older_tables(&tx).await?;
    }
    if current > latest() {
        return Err(Failure::Failed(StoreError::new(format!(
            "the database's wrk-zoom schema is version {current}, newer than this wrk-zoom knows ({}); upgrade wrk-zoom",
            latest()
        ))));
    }
    let mut applied = Vec::new();
    for (version, description, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        tx.batch_execute(sql)
            .await
            .map_err(fail(&format!("apply migration {version} ({description})")))?;
        tx.execute(
            "INSERT INTO wrk_zoom.wrk_zoom_migrations (version, description) VALUES ($1, $2)",
            &[version, description],
        )
        .await
        .map_err(fail("record a migration"))?;
        applied.push(*version);
    }
    tx.commit().await.map_err(fail("commit the migrations"))?;
    Ok(applied)
}

/// Refuses relations in the schema that belong to another role.
async fn check_owners(tx: &tokio_postgres::Transaction<'_>) -> Result<(), Failure> {
    let foreign = tx
        .query(
            "SELECT c.relname::text, pg_catalog.pg_get_userbyid(c.relowner)
             FROM pg_catalog.pg_class c
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'wrk_zoom'
               AND c.relowner <> (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)
             ORDER BY 1",
            &[],
        )
        .await
        .map_err(fail("check who owns the store's tables"))?;
    match foreign.first() {
        None => Ok(()),
        Some(row) => {
            let (table, owner): (String, String) = (row.get(0), row.get(1));
            Err(Failure::Failed(StoreError::new(format!(
                "PostgreSQL store: wrk_zoom.{table} belongs to role {owner}, not to the role of WRK_ZOOM_DATABASE_URL, so that role could read or rewrite the store: if it is this deployment's, `ALTER TABLE wrk_zoom.{table} OWNER TO` this role, else drop it"
            ))))
        }
    }
}

/// Moves the tables of an older wrk-zoom (made where `search_path` led:
/// `public`, or the role's own schema) into `wrk_zoom`, with what they
/// hold, when they belong to this role; returns their schema version (0:
/// none found). Tables of that name that another role owns there are
/// refused: they are a co-tenant's, or need their owner fixed first.
async fn adopt_older_tables(tx: &tokio_postgres::Transaction<'_>) -> Result<i32, Failure> {
    let found = tx
        .query(
            "SELECT n.nspname::text, c.relname::text, pg_catalog.pg_get_userbyid(c.relowner),
                 c.relowner = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)
             FROM pg_catalog.pg_class c
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relname IN ('wrk_zoom_migrations', 'wrk_zoom_connections',
                                 'wrk_zoom_defaults', 'wrk_zoom_rate_limits')
               AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
               AND n.nspname <> 'wrk_zoom'
               AND n.nspname IN ('public', current_user)
             ORDER BY 1, 2",
            &[],
        )
        .await
        .map_err(fail("look for tables of an older wrk-zoom"))?;
    let Some(first) = found.first() else {
        return Ok(0);
    };
    let schema: String = first.get(0);
    for row in &found {
        let (at, table, owner, ours): (String, String, String, bool) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        if at != schema {
            return Err(Failure::Failed(StoreError::new(format!(
                "PostgreSQL store: tables of an older wrk-zoom are in both schema {schema} and {at}; drop the set that is not this deployment's, then start again"
            ))));
        }
        if !ours {
            return Err(Failure::Failed(StoreError::new(format!(
                "PostgreSQL store: {at}.{table} (a table of an older wrk-zoom, to be moved into the schema wrk_zoom) belongs to role {owner}, not to the role of WRK_ZOOM_DATABASE_URL, so whoever made it could have read or rewritten it: if it is this deployment's, `ALTER TABLE {at}.{table} OWNER TO` this role; if not, drop it; then start again"
            ))));
        }
    }
    let names: Vec<String> = found.iter().map(|row| row.get(1)).collect();
    if !names.iter().any(|n| n == "wrk_zoom_migrations") {
        return Err(Failure::Failed(StoreError::new(format!(
            "PostgreSQL store: {schema} holds tables of an older wrk-zoom ({}) but no wrk_zoom_migrations, so their version is unknown; drop them (or restore the whole set), then start again",
            names.join(", ")
        ))));
    }
    for table in TABLES.iter().filter(|t| names.iter().any(|n| n == *t)) {
        // The names come from the catalog; PostgreSQL quotes them.
        let statement: String = tx
            .query_one(
                "SELECT format('ALTER TABLE %I.%I SET SCHEMA wrk_zoom', $1::text, $2::text)",
                &[&schema, table],
            )
            .await
            .map_err(fail("move a table of an older wrk-zoom"))?
            .get(0);
        tx.batch_execute(&statement).await.map_err(fail(&format!(
            "move {schema}.{table} into the schema wrk_zoom"
        )))?;
    }
    let statement: String = tx
        .query_one(
            "SELECT format('INSERT INTO wrk_zoom.wrk_zoom_migrations (version, description, applied_at)
                 SELECT version, description, applied_at FROM %I.wrk_zoom_migrations;
                 DROP TABLE %I.wrk_zoom_migrations', $1::text, $1::text)",
            &[&schema],
        )
        .await
        .map_err(fail("move the versions of an older wrk-zoom"))?
        .get(0);
    tx.batch_execute(&statement)
        .await
        .map_err(fail(&format!("move {schema}.wrk_zoom_migrations")))?;
    tracing::info!(from = %schema, "moved the store's tables into the schema wrk_zoom");
    schema_version(tx).await
}

/// The newest migration applied (0 when none is).
async fn schema_version(tx: &tokio_postgres::Transaction<'_>) -> Result<i32, Failure> {
    Ok(tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM wrk_zoom.wrk_zoom_migrations",
            &[],
        )
        .await
        .map_err(fail("read the schema version"))?
        .get(0))
}
