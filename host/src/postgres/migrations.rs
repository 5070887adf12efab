//! The schema, created and upgraded by the program itself: numbered
//! migrations, embedded, applied in order inside one transaction under an
//! advisory lock (replicas that start together apply each once). A database
//! upgraded by a newer wrk-zoom is refused rather than misread.

use crate::error::StoreError;

/// Serialises migrations across processes (`pg_advisory_xact_lock`).
const MIGRATION_LOCK: i64 = 0x777a_6d69_6772_0001;

/// (version, what it does, SQL). Append only: a released migration never
/// changes.
const MIGRATIONS: &[(i32, &str, &str)] = &[
    (
        1,
        "connections, defaults and shared rate limits",
        "
    CREATE TABLE wrk_zoom_connections (
        name text PRIMARY KEY,
        -- The connection without its secrets (JSON, as in the file store).
        public jsonb NOT NULL,
        -- Client secret, access and refresh token, encrypted (seal.rs).
        sealed bytea NOT NULL,
        key_id text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE wrk_zoom_defaults (
        kind text PRIMARY KEY CHECK (kind IN ('user', 'admin')),
        name text NOT NULL
    );
    -- One GCRA cell per (account, table/category), and the daily limit
    -- known to be used up there.
    CREATE TABLE wrk_zoom_rate_limits (
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
        "rate-limit slots given back before their time",
        "
    ALTER TABLE wrk_zoom_rate_limits
        -- Starts (microseconds) of slots whose waits were dropped, for
        -- the next takers (pacing.rs).
        ADD COLUMN returned_us bigint[] NOT NULL DEFAULT '{}',
        -- The start of the slot the last take granted.
        ADD COLUMN slot_us bigint;
    ",
    ),
];

/// The newest schema version this build knows.
pub fn latest() -> i32 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

/// Brings the database's schema up to [`latest`]; returns the migrations
/// applied now.
pub async fn migrate(client: &mut tokio_postgres::Client) -> Result<Vec<i32>, StoreError> {
    let fail = |what: &str, e: tokio_postgres::Error| super::error(what, e);
    let tx = client
        .transaction()
        .await
        .map_err(|e| fail("start a migration", e))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(|e| fail("lock the schema for migration", e))?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS wrk_zoom_migrations (
            version integer PRIMARY KEY,
            description text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )",
    )
    .await
    .map_err(|e| fail("create the migrations table", e))?;
    let current: i32 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM wrk_zoom_migrations",
            &[],
        )
        .await
        .map_err(|e| fail("read the schema version", e))?
        .get(0);
    if current > latest() {
        return Err(StoreError::new(format!(
            "the database's wrk-zoom schema is version {current}, newer than this wrk-zoom knows ({}); upgrade wrk-zoom",
            latest()
        )));
    }
    let mut applied = Vec::new();
    for (version, description, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        tx.batch_execute(sql)
            .await
            .map_err(|e| fail(&format!("apply migration {version} ({description})"), e))?;
        tx.execute(
            "INSERT INTO wrk_zoom_migrations (version, description) VALUES ($1, $2)",
            &[version, description],
        )
        .await
        .map_err(|e| fail("record a migration", e))?;
        applied.push(*version);
    }
    tx.commit()
        .await
        .map_err(|e| fail("commit the migrations", e))?;
    Ok(applied)
}
