//! The event store on a real PostgreSQL (`wrk_zoom::postgres::PostgresEvents`),
//! opened twice as two replicas would: an event kept once whichever replica
//! takes it, numbers in commit order (no reader skips one), apps' and
//! subscriptions' secrets sealed at rest, delivery states changed by both
//! without a lost change, cursors, pruning.
//!
//! They need PostgreSQL's server binaries (see `pg.rs`), so they are
//! ignored by a plain `cargo test`; this module is registered as
//! `events_cluster`, so `.ci/cluster`'s `cargo test --tests -- --ignored
//! cluster::` runs them (alone: `-- --ignored events_cluster::`).

use crate::pg::Postgres;
use std::collections::BTreeSet;
use std::sync::Arc;
use wrk_zoom::auth::Secret;
use wrk_zoom::events::{
    Appended, Attempts, DeliveryState, EventApp, EventFilter, EventStore, NewEvent, Subscription,
    TriggerTarget,
};
use wrk_zoom::postgres::{Keys, PostgresConfig, PostgresEvents};

/// 32 random bytes, base64 (a key that decodes to text is refused).
const STORE_KEY: &str = "CL1zTPiywy2OGgDX73SpBRe9XXPJBaJ+4FkQYH5mWT8=";

/// The store as one replica opens it (a pool of its own).
async fn replica(pg: &Postgres) -> PostgresEvents {
    PostgresEvents::connect(PostgresConfig::new(
        pg.url(),
        Keys::new(STORE_KEY, &[]).unwrap(),
    ))
    .await
    .expect("the event store opens")
}

/// A database session of the operator's, to look at what the store wrote.
async fn operator(pg: &Postgres) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(pg.url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .batch_execute("SET search_path = wrk_zoom")
        .await
        .unwrap();
    client
}

fn event(app: &str, request_id: Option<&str>, semantic_key: Option<&str>) -> NewEvent {
    NewEvent {
        app: app.into(),
        received_at: 1_700_000_000_000,
        event: "meeting.created".into(),
        event_ts: Some(1_699_999_999_000),
        account_id: Some("acct-1".into()),
        request_id: request_id.map(str::to_string),
        semantic_key: semantic_key.map(str::to_string),
        connections: vec!["user".into(), "admin".into()],
        source: "webhook".into(),
        body: r#"{"event":"meeting.created","payload":{"account_id":"acct-1"}}"#.into(),
    }
}

fn seqs(events: &[wrk_zoom::events::InboxEvent]) -> Vec<u64> {
    events.iter().map(|e| e.seq).collect()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; .ci/cluster runs it"]
async fn an_event_is_kept_once_by_its_request_id_or_its_semantic_key() {
    let pg = Postgres::start();
    let store = replica(&pg).await;
    assert!(store.describe().starts_with("postgres://wrk@127.0.0.1:"));
    assert_eq!(store.last_seq().await.unwrap(), 0);
    assert!(store.read(0, 10).await.unwrap().is_empty());

    let first = event("sales", Some("req-1"), None);
    assert_eq!(store.append(&first).await.unwrap(), Appended::New(1));
    // Zoom's retry of the same delivery.
    assert_eq!(store.append(&first).await.unwrap(), Appended::Duplicate(1));
    // The same event in another delivery: its semantic key.
    let created = event("sales", Some("req-2"), Some("meeting.created:m1"));
    assert_eq!(store.append(&created).await.unwrap(), Appended::New(2));
    let again = event("sales", Some("req-3"), Some("meeting.created:m1"));
    assert_eq!(store.append(&again).await.unwrap(), Appended::Duplicate(2));
    // A request id that matches one event and a semantic key that matches
    // another: the request id's, as the file store looks.
    let both = event("sales", Some("req-1"), Some("meeting.created:m1"));
    assert_eq!(store.append(&both).await.unwrap(), Appended::Duplicate(1));
    // Keys are per app.
    let other_app = event("support", Some("req-1"), Some("meeting.created:m1"));
    assert_eq!(store.append(&other_app).await.unwrap(), Appended::New(3));
    // Without keys, every delivery is new.
    let keyless = event("sales", None, None);
    assert_eq!(store.append(&keyless).await.unwrap(), Appended::New(4));
    assert_eq!(store.append(&keyless).await.unwrap(), Appended::New(5));

    // Duplicates took no numbers.
    assert_eq!(store.last_seq().await.unwrap(), 5);
    let all = store.read(0, 100).await.unwrap();
    assert_eq!(seqs(&all), [1, 2, 3, 4, 5]);
    assert_eq!(all[0].event, first);
    assert_eq!(all[1].event, created);
    assert_eq!(all[2].event, other_app);
    assert_eq!(all[3].event, keyless);
    assert_eq!(seqs(&store.read(2, 2).await.unwrap()), [3, 4]);
    assert!(store.read(5, 10).await.unwrap().is_empty());
    assert!(store.read(0, 0).await.unwrap().is_empty());

    // Another replica sees the same inbox and the same keys.
    let other = replica(&pg).await;
    assert_eq!(other.read(0, 100).await.unwrap(), all);
    assert_eq!(other.append(&again).await.unwrap(), Appended::Duplicate(2));
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; .ci/cluster runs it"]
async fn two_replicas_taking_the_same_event_at_once_keep_it_once() {
    let pg = Postgres::start();
    let (a, b) = (replica(&pg).await, replica(&pg).await);
    let mut expected = 0;
    for round in 0..40 {
        // Odd rounds: two deliveries of one event (their own request ids,
        // one semantic key); even rounds: one delivery twice.
        let key = format!("meeting.created:m{round}");
        let (first, second) = if round % 2 == 0 {
            let one = event("sales", Some(&format!("req-{round}")), Some(&key));
            (one.clone(), one)
        } else {
            (
                event("sales", Some(&format!("req-{round}-a")), Some(&key)),
                event("sales", Some(&format!("req-{round}-b")), Some(&key)),
            )
        };
        let (x, y) = tokio::join!(a.append(&first), b.append(&second));
        let (x, y) = (x.unwrap(), y.unwrap());
        expected += 1;
        match (x, y) {
            (Appended::New(n), Appended::Duplicate(m))
            | (Appended::Duplicate(m), Appended::New(n)) => {
                assert_eq!((n, m), (expected, expected), "round {round}")
            }
            other => panic!("round {round}: {other:?}"),
        }
    }
    assert_eq!(a.read(0, 1000).await.unwrap().len(), 40);
    assert_eq!(b.last_seq().await.unwrap(), 40);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; .ci/cluster runs it"]
async fn numbers_follow_commit_order_so_a_reader_following_appends_misses_none() {
    const WRITERS: usize = 8;
    const EACH: usize = 40;
    let pg = Postgres::start();
    let stores = [replica(&pg).await, replica(&pg).await];
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));

    // A reader of its own, following the inbox as a pull consumer does.
    let reader = {
        let store = replica(&pg).await;
        let done = done.clone();
        tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut after = 0;
            loop {
                let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                let batch = store.read(after, 7).await.unwrap();
                for event in &batch {
                    // Every number after the last one seen: none skipped.
                    assert_eq!(event.seq, after + 1, "a reader skipped a number");
                    after = event.seq;
                    seen.push(event.event.request_id.clone().unwrap());
                }
                if batch.is_empty() {
                    if finished {
                        return seen;
                    }
                    tokio::task::yield_now().await;
                }
            }
        })
    };

    let mut writers = tokio::task::JoinSet::new();
    for w in 0..WRITERS {
        let store = stores[w % 2].clone();
        writers.spawn(async move {
            let mut mine = Vec::new();
            for i in 0..EACH {
                let id = format!("req-{w}-{i}");
                match store
                    .append(&event("sales", Some(&id), None))
                    .await
                    .unwrap()
                {
                    Appended::New(seq) => mine.push(seq),
                    other => panic!("{id}: {other:?}"),
                }
            }
            mine
        });
    }
    let mut numbers = BTreeSet::new();
    while let Some(mine) = writers.join_next().await {
        let mine = mine.unwrap();
        // One writer's events are numbered in the order it appended them.
        assert!(mine.windows(2).all(|w| w[0] < w[1]), "{mine:?}");
        numbers.extend(mine);
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let seen = reader.await.unwrap();

    let total = WRITERS * EACH;
    assert_eq!(numbers, (1..=total as u64).collect::<BTreeSet<_>>());
    assert_eq!(seen.len(), total);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), total);
    let stored = stores[1].read(0, 10_000).await.unwrap();
    assert_eq!(
        stored
            .iter()
            .map(|e| e.event.request_id.clone().unwrap())
            .collect::<Vec<_>>(),
        seen
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; .ci/cluster runs it"]
async fn apps_and_subscriptions_keep_their_secrets_sealed() {
    let pg = Postgres::start();
    let (a, b) = (replica(&pg).await, replica(&pg).await);
    const SECRET: &str = "app-secret-token-0123456789";
    const PREVIOUS: &str = "previous-secret-token-98765";
    const SIGNING: &str = "whsec_c2lnbmluZy1zZWNyZXQtdmFsdWU=";

    assert!(a.apps().await.unwrap().is_empty());
    let sales = EventApp {
        secret: Secret::new(SECRET),
        previous_secret: Some(Secret::new(PREVIOUS)),
        zoom_app_id: Some("zoom-app-1".into()),
        added_at: 1_700_000_000,
        validated_at: None,
        refused: 0,
    };
    a.put_app("sales", &sales).await.unwrap();
    a.put_app(
        "support",
        &EventApp {
            secret: Secret::new("support-secret-token"),
            added_at: 1_700_000_001,
            ..EventApp::default()
        },
    )
    .await
    .unwrap();
    a.note_validation("sales", 1_700_000_100).await.unwrap();
    a.note_refused("sales", 2).await.unwrap();
    b.note_refused("sales", 3).await.unwrap();
    // Nothing to note for an app that is not there.
    b.note_refused("nobody", 3).await.unwrap();
    b.note_validation("nobody", 1).await.unwrap();

    let apps = b.apps().await.unwrap();
    assert_eq!(apps.keys().collect::<Vec<_>>(), ["sales", "support"]);
    let read = &apps["sales"];
    assert_eq!(read.secret.expose(), SECRET);
    assert_eq!(read.previous_secret.as_ref().unwrap().expose(), PREVIOUS);
    assert_eq!(read.zoom_app_id.as_deref(), Some("zoom-app-1"));
    assert_eq!(read.added_at, 1_700_000_000);
    assert_eq!(read.validated_at, Some(1_700_000_100));
    assert_eq!(read.refused, 5);
    assert_eq!(apps["support"].secret.expose(), "support-secret-token");
    assert!(apps["support"].previous_secret.is_none());

    let subscription = Subscription {
        id: "sub_1".into(),
        url: "https://hooks.example/zoom".into(),
        signing_secret: Secret::new(SIGNING),
        filter: EventFilter {
            types: vec!["recording.*".into()],
            account: Some("acct-1".into()),
            connection: None,
            // A subscription to a trigger keeps its trigger and parameters.
            trigger: Some(TriggerTarget {
                name: "recording-completed".into(),
                params: vec![("file_types".into(), "MP4".into())],
            }),
        },
        created_at: 1_700_000_200,
        state: DeliveryState::default(),
    };
    a.add_subscription(&subscription).await.unwrap();
    let read = b.subscriptions().await.unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].id, "sub_1");
    assert_eq!(read[0].url, subscription.url);
    assert_eq!(read[0].signing_secret.expose(), SIGNING);
    assert_eq!(read[0].filter, subscription.filter);
    assert_eq!(read[0].created_at, 1_700_000_200);
    assert_eq!(read[0].state, DeliveryState::default());

    // What the database holds: no secret in plain text anywhere.
    let client = operator(&pg).await;
    let mut rows = Vec::new();
    for row in client
        .query(
            "SELECT name, public::text || coalesce(validated_at, 0)::text || refused::text,
                 sealed FROM wrk_zoom_event_apps
             UNION ALL
             SELECT id, url || filter::text || state::text, sealed
                 FROM wrk_zoom_event_subscriptions",
            &[],
        )
        .await
        .unwrap()
    {
        let (name, public, sealed): (String, String, Vec<u8>) =
            (row.get(0), row.get(1), row.get(2));
        for secret in [SECRET, PREVIOUS, SIGNING, "support-secret-token"] {
            assert!(!public.contains(secret), "{name}: a secret in the columns");
            assert!(
                !sealed.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{name}: a secret in plain text"
            );
        }
        rows.push(name);
    }
    assert_eq!(rows.len(), 3);

    // A secret moved onto another app's row does not open there: that app
    // is left out (and logged), the others still read.
    client
        .execute(
            "UPDATE wrk_zoom_event_apps
             SET sealed = (SELECT sealed FROM wrk_zoom_event_apps WHERE name = 'sales')
             WHERE name = 'support'",
            &[],
        )
        .await
        .unwrap();
    let apps = a.apps().await.unwrap();
    assert_eq!(apps.keys().collect::<Vec<_>>(), ["sales"]);
    // A subscription pointed elsewhere in the database signs nothing.
    client
        .execute(
            "UPDATE wrk_zoom_event_subscriptions SET url = 'https://evil.example/'",
            &[],
        )
        .await
        .unwrap();
    assert!(a.subscriptions().await.unwrap().is_empty());
    // Written again, they open.
    a.add_subscription(&subscription).await.unwrap();
    assert_eq!(a.subscriptions().await.unwrap().len(), 1);

    // Another key: said so, not skipped.
    let other_key = PostgresEvents::connect(PostgresConfig::new(
        pg.url(),
        Keys::new("UiA+W+KiCnfHbQYzpTM/nFVmhmyJvj6TIZj+WzuWPq0=", &[]).unwrap(),
    ))
    .await
    .unwrap();
    let err = other_key.apps().await.unwrap_err().to_string();
    assert!(
        err.contains("another key") && err.contains("WRK_ZOOM_STORE_OLD_KEYS"),
        "{err}"
    );
    // With the old key among the old ones, it opens.
    let rotated = PostgresEvents::connect(PostgresConfig::new(
        pg.url(),
        Keys::new("UiA+W+KiCnfHbQYzpTM/nFVmhmyJvj6TIZj+WzuWPq0=", &[STORE_KEY]).unwrap(),
    ))
    .await
    .unwrap();
    assert_eq!(
        rotated.apps().await.unwrap()["sales"].secret.expose(),
        SECRET
    );

    assert!(b.remove_app("sales").await.unwrap());
    assert!(!b.remove_app("sales").await.unwrap());
    assert!(a.remove_subscription("sub_1").await.unwrap());
    assert!(!a.remove_subscription("sub_1").await.unwrap());
    assert!(b.subscriptions().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; .ci/cluster runs it"]
async fn delivery_state_changed_by_two_replicas_at_once_loses_no_change() {
    const TASKS: u64 = 6;
    const EACH: u64 = 25;
    let pg = Postgres::start();
    let stores = [replica(&pg).await, replica(&pg).await];
    let mut none_called = false;
    assert_eq!(
        stores[0]
            .update_state("sub_none", &mut |_| none_called = true)
            .await
            .unwrap(),
        None
    );
    assert!(!none_called);
    stores[0]
        .add_subscription(&Subscription {
            id: "sub_1".into(),
            url: "https://hooks.example/zoom".into(),
            signing_secret: Secret::new("whsec_c2VjcmV0"),
            filter: EventFilter::default(),
            created_at: 1,
            state: DeliveryState::default(),
        })
        .await
        .unwrap();

    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..TASKS {
        let store = stores[(t % 2) as usize].clone();
        tasks.spawn(async move {
            for i in 0..EACH {
                let seq = t * EACH + i + 1;
                let state = store
                    .update_state("sub_1", &mut |s: &mut DeliveryState| {
                        s.delivered += 1;
                        s.cursor = s.cursor.max(seq);
                        s.retrying.insert(
                            seq,
                            Attempts {
                                count: 1,
                                next_at: 0,
                                last_error: format!("task {t}"),
                            },
                        );
                    })
                    .await
                    .unwrap()
                    .expect("the subscription is there");
                assert!(state.retrying.contains_key(&seq));
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let state = stores[1].subscriptions().await.unwrap().remove(0).state;
    assert_eq!(state.delivered, TASKS * EACH);
    assert_eq!(state.cursor, TASKS * EACH);
    assert_eq!(state.retrying.len() as u64, TASKS * EACH);

    // What a change returns is what was committed.
    let after = stores[0]
        .update_state("sub_1", &mut |s| s.lease = Some(("me".into(), 42)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stores[1].subscriptions().await.unwrap()[0].state, after);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; .ci/cluster runs it"]
async fn cursors_are_kept_per_consumer() {
    let pg = Postgres::start();
    let (a, b) = (replica(&pg).await, replica(&pg).await);
    assert_eq!(a.cursor("etl").await.unwrap(), None);
    assert!(a.cursors().await.unwrap().is_empty());
    a.set_cursor("etl", 7).await.unwrap();
    b.set_cursor("audit", 3).await.unwrap();
    b.set_cursor("etl", 9).await.unwrap();
    assert_eq!(a.cursor("etl").await.unwrap(), Some(9));
    assert_eq!(
        a.cursors().await.unwrap(),
        [("audit".to_string(), 3), ("etl".to_string(), 9)].into()
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; .ci/cluster runs it"]
async fn pruning_forgets_old_events_but_keeps_the_newest() {
    let pg = Postgres::start();
    let store = replica(&pg).await;
    assert_eq!(store.prune(i64::MAX).await.unwrap(), 0);
    assert_eq!(store.seq_before(0).await.unwrap(), 0);
    for (i, at) in [1_000, 2_000, 3_000].into_iter().enumerate() {
        let mut e = event("sales", Some(&format!("req-{i}")), None);
        e.received_at = at;
        store.append(&e).await.unwrap();
    }
    assert_eq!(store.seq_before(500).await.unwrap(), 0);
    assert_eq!(store.seq_before(2_000).await.unwrap(), 1);
    assert_eq!(store.seq_before(2_500).await.unwrap(), 2);
    assert_eq!(store.seq_before(9_000).await.unwrap(), 3);

    assert_eq!(store.prune(2_500).await.unwrap(), 2);
    assert_eq!(seqs(&store.read(0, 10).await.unwrap()), [3]);
    // Everything is old: the newest stays, so numbers never go back.
    assert_eq!(store.prune(i64::MAX).await.unwrap(), 0);
    assert_eq!(store.last_seq().await.unwrap(), 3);
    // A pruned event's key is free again; its number is not.
    let mut e = event("sales", Some("req-0"), None);
    e.received_at = 4_000;
    assert_eq!(store.append(&e).await.unwrap(), Appended::New(4));
    assert_eq!(store.prune(i64::MAX).await.unwrap(), 1);
    assert_eq!(seqs(&store.read(0, 10).await.unwrap()), [4]);
}
