//! The SQLite store against a real database file per test.
#![allow(clippy::unwrap_used)] // tests: a failure should panic

use std::time::Duration;

use nightshift_store::{
    AttemptEnd, CommitLog, CommitRecord, EventLog, LogLevel, LogQuery, ModelStatsLog, NewLogEntry,
    NewTask, Period, StoreError, SystemState, TaskFilter, TaskQueue, TaskStatus, now_ms,
};
use nightshift_store_sqlite::SqliteStore;
use pretty_assertions::assert_eq;

const LEASE: Duration = Duration::from_secs(30);

async fn store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("q.db")).await.unwrap();
    (dir, store)
}

fn task(description: &str, priority: i32) -> NewTask {
    NewTask::new(description, priority, serde_json::Value::Null, "test", 2).unwrap()
}

fn transitions(logs: &[nightshift_store::LogEntry]) -> Vec<String> {
    logs.iter()
        .filter(|l| l.event == "transition")
        .map(|l| {
            format!(
                "{}→{}",
                l.from_status.as_deref().unwrap_or(""),
                l.to_status.as_deref().unwrap_or("")
            )
        })
        .collect()
}

#[tokio::test]
async fn priority_then_fifo() {
    let (_dir, store) = store().await;
    store
        .enqueue(vec![task("a", 5), task("b", 9), task("c", 1), task("d", 9)])
        .await
        .unwrap();
    let mut order = Vec::new();
    while let Some(claim) = store.claim("w", LEASE).await.unwrap() {
        order.push(claim.task.description.clone());
    }
    assert_eq!(order, vec!["b", "d", "a", "c"]);
}

#[tokio::test]
async fn a_stale_lease_can_never_overwrite_the_newer_attempt() {
    let (_dir, store) = store().await;
    store.enqueue(vec![task("t", 5)]).await.unwrap();
    let old = store.claim("stalled", LEASE).await.unwrap().unwrap().lease;
    // The stalled worker's owner is judged gone: the task is requeued and claimed again.
    let recovered = store
        .recover_leases(&|owner| owner == "stalled")
        .await
        .unwrap();
    assert_eq!(recovered, vec![old.task_id]);
    let new = store.claim("fresh", LEASE).await.unwrap().unwrap().lease;
    assert_eq!(new.attempt, 2);
    assert_ne!(new.token, old.token);

    assert!(matches!(
        store.heartbeat(&old, LEASE).await,
        Err(StoreError::StaleLease { .. })
    ));
    let late = store
        .finish(
            &old,
            AttemptEnd::Failed {
                error: "late".into(),
            },
        )
        .await;
    assert!(matches!(late, Err(StoreError::StaleLease { .. })));
    let commit = CommitRecord {
        task_id: old.task_id,
        sha: "deadbeef".into(),
        branch: "main".into(),
        subject: "late".into(),
        files: vec![],
        created_at_ms: now_ms(),
        pushed: false,
    };
    assert!(matches!(
        store
            .record_commit_and_succeed(&old, &commit, "late".into())
            .await,
        Err(StoreError::StaleLease { .. })
    ));
    assert_eq!(
        store.commit_of(old.task_id).await.unwrap(),
        None,
        "nothing of the stale write landed"
    );

    store.heartbeat(&new, LEASE).await.unwrap();
    let status = store
        .finish(
            &new,
            AttemptEnd::Succeeded {
                summary: "done".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(status, TaskStatus::Succeeded);
    let task = store.task(new.task_id).await.unwrap();
    assert_eq!(task.status, TaskStatus::Succeeded);
    assert_eq!(
        task.last_error.as_deref(),
        Some("attempt 1 lost: worker stalled is gone")
    );
}

#[tokio::test]
async fn retries_wait_for_their_backoff_then_fail_when_exhausted() {
    let (_dir, store) = store().await;
    let id = store.enqueue(vec![task("t", 5)]).await.unwrap()[0];
    let lease = store.claim("w", LEASE).await.unwrap().unwrap().lease;
    let later = now_ms() + 60_000;
    let status = store
        .finish(
            &lease,
            AttemptEnd::Retry {
                error: "boom".into(),
                run_after_ms: later,
            },
        )
        .await
        .unwrap();
    assert_eq!(status, TaskStatus::Queued);
    assert!(
        store.claim("w", LEASE).await.unwrap().is_none(),
        "not before its backoff ends"
    );
    assert_eq!(store.next_run_after().await.unwrap(), Some(later));
    assert_eq!(store.counts().await.unwrap().delayed, 1);

    // A user may cut the wait: cancel, then retry, makes it due now with a fresh budget.
    store.cancel(id).await.unwrap();
    store.retry(id, None).await.unwrap();
    let lease = store.claim("w", LEASE).await.unwrap().unwrap().lease;
    assert_eq!(
        lease.attempt, 1,
        "a manual retry restores the attempt budget"
    );
    let status = store
        .finish(
            &lease,
            AttemptEnd::Failed {
                error: "final".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(status, TaskStatus::Failed);
    let task = store.task(id).await.unwrap();
    assert_eq!(task.last_error.as_deref(), Some("final"));
    assert!(task.finished_at_ms.is_some());

    // Retried with a note: the note joins the description, so the next prompt carries it.
    let before = task.description.clone();
    store
        .retry(id, Some("  use the csv module, not split(',')  "))
        .await
        .unwrap();
    let task = store.task(id).await.unwrap();
    assert_eq!(
        task.description,
        format!("{before}\n\nNote for the next attempt: use the csv module, not split(',')")
    );
    let logged = store
        .logs(&LogQuery {
            task_id: Some(id),
            limit: 1,
            ..LogQuery::default()
        })
        .await
        .unwrap();
    assert!(
        logged[0].message.contains("and a note: use the csv module"),
        "{logged:?}"
    );
    // A note that would take the description over its limit is refused, and nothing changes.
    store.cancel(id).await.unwrap();
    let huge = "x".repeat(nightshift_store::DESCRIPTION_MAX_BYTES);
    assert!(matches!(
        store.retry(id, Some(&huge)).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(store.task(id).await.unwrap().status, TaskStatus::Cancelled);
}

#[tokio::test]
async fn released_attempts_are_not_counted_and_exhausted_ones_fail_on_recovery() {
    let (_dir, store) = store().await;
    let id = store.enqueue(vec![task("t", 5)]).await.unwrap()[0];
    let lease = store.claim("w", LEASE).await.unwrap().unwrap().lease;
    store
        .finish(
            &lease,
            AttemptEnd::Released {
                reason: "shutdown".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(store.task(id).await.unwrap().attempts, 0);

    // max_retries = 2: attempts 1..=3 are allowed; losing the third fails the task.
    for attempt in 1..=3 {
        let lease = store.claim("dead", LEASE).await.unwrap().unwrap().lease;
        assert_eq!(lease.attempt, attempt);
        store
            .recover_leases(&|owner| owner == "dead")
            .await
            .unwrap();
    }
    let task = store.task(id).await.unwrap();
    assert_eq!(task.status, TaskStatus::Failed);
    let logs = store
        .logs(&LogQuery {
            task_id: Some(id),
            after_id: None,
            before_id: None,
            worker: None,
            min_level: None,
            text: None,
            events: None,
            limit: 100,
        })
        .await
        .unwrap();
    assert_eq!(
        transitions(&logs),
        vec![
            "→queued",
            "queued→running",
            "running→queued",
            "queued→running",
            "running→queued",
            "queued→running",
            "running→queued",
            "queued→running",
            "running→failed"
        ]
    );
}

#[tokio::test]
async fn cancelling_a_running_task_takes_its_lease() {
    let (_dir, store) = store().await;
    let id = store.enqueue(vec![task("t", 5)]).await.unwrap()[0];
    let lease = store.claim("w", LEASE).await.unwrap().unwrap().lease;
    store.cancel(id).await.unwrap();
    assert!(matches!(
        store.heartbeat(&lease, LEASE).await,
        Err(StoreError::StaleLease { .. })
    ));
    assert_eq!(store.task(id).await.unwrap().status, TaskStatus::Cancelled);
}

#[tokio::test]
async fn state_survives_reopening_and_pause_blocks_claims() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.db");
    {
        let store = SqliteStore::open(&path).await.unwrap();
        store.enqueue(vec![task("kept", 5)]).await.unwrap();
        store.set_paused(true, "test").await.unwrap();
        store.close().await;
    }
    let store = SqliteStore::open(&path).await.unwrap();
    assert!(store.paused().await.unwrap());
    assert!(store.claim("w", LEASE).await.unwrap().is_none());
    store.set_paused(false, "test").await.unwrap();
    let claim = store.claim("w", LEASE).await.unwrap().unwrap();
    assert_eq!(claim.task.description, "kept");
}

/// `serve` and a CLI command started together both open a database that does not exist yet:
/// the first to turn it to WAL must not make the other fail with "database is locked" (SQLite
/// answers that switch's lock conflict at once, without waiting out the busy timeout).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stores_opening_a_new_database_at_once_all_open_it() {
    const ROUNDS: usize = 200;
    const OPENERS: usize = 4;
    for round in 0..ROUNDS {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.db");
        let opens: Vec<_> = (0..OPENERS)
            .map(|_| {
                let path = path.clone();
                tokio::spawn(async move { SqliteStore::open(&path).await })
            })
            .collect();
        for (opener, open) in opens.into_iter().enumerate() {
            let store = open.await.unwrap().unwrap_or_else(|err| {
                panic!("round {round}, opener {opener}: {err}");
            });
            store.enqueue(vec![task("kept", 5)]).await.unwrap();
            store.close().await;
        }
        let store = SqliteStore::open(&path).await.unwrap();
        assert_eq!(store.counts().await.unwrap().queued, OPENERS as u64);
    }
}

#[tokio::test]
async fn the_change_feed_sees_writes_of_another_connection() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.db");
    let watcher = SqliteStore::open(&path).await.unwrap();
    let mut feed = nightshift_store::Store::subscribe(&watcher).unwrap();
    feed.borrow_and_update();
    // A separate store on the same file stands for another process.
    let writer = SqliteStore::open(&path).await.unwrap();
    writer.enqueue(vec![task("wake up", 5)]).await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), feed.changed())
        .await
        .expect("the feed must tick when another connection writes")
        .unwrap();
}

#[tokio::test]
async fn a_row_that_does_not_decode_is_quarantined_and_the_queue_goes_on() {
    let (dir, store) = store().await;
    store
        .enqueue(vec![task("poison", 9), task("fine", 1)])
        .await
        .unwrap();
    // Another program edits the row by hand.
    let raw = sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.path().join("q.db").display()))
        .await
        .unwrap();
    sqlx::query("UPDATE tasks SET metadata = '{' WHERE description = 'poison'")
        .execute(&raw)
        .await
        .unwrap();
    raw.close().await;
    let claim = store.claim("w", LEASE).await.unwrap().unwrap();
    assert_eq!(claim.task.description, "fine");
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.failed, counts.running), (1, 1), "{counts:?}");
    let logs = store
        .logs(&LogQuery {
            task_id: Some(1),
            after_id: None,
            before_id: None,
            worker: None,
            min_level: None,
            text: None,
            events: None,
            limit: 10,
        })
        .await
        .unwrap();
    assert!(
        logs.iter().any(|l| l.message.contains("quarantined")),
        "{logs:?}"
    );
}

#[tokio::test]
async fn the_queue_has_an_id_of_its_own_that_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.db");
    let first = SqliteStore::open(&path).await.unwrap();
    let id = first.queue_id().await.unwrap();
    assert_eq!(id.len(), 16);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    first.close().await;
    let again = SqliteStore::open(&path).await.unwrap();
    assert_eq!(again.queue_id().await.unwrap(), id);
    let other = SqliteStore::open(&dir.path().join("other.db"))
        .await
        .unwrap();
    assert_ne!(other.queue_id().await.unwrap(), id);
}

#[tokio::test]
async fn a_failed_task_whose_commit_landed_is_adopted_as_succeeded() {
    let (_dir, store) = store().await;
    let mut one = task("t", 5);
    one.max_retries = 0;
    let id = store.enqueue(vec![one, task("other", 1)]).await.unwrap()[0];
    store.claim("dead", LEASE).await.unwrap().unwrap();
    store
        .recover_leases(&|owner| owner == "dead")
        .await
        .unwrap();
    assert_eq!(store.task(id).await.unwrap().status, TaskStatus::Failed);
    let record = CommitRecord {
        task_id: id,
        sha: "abc123".into(),
        branch: "main".into(),
        subject: "t".into(),
        files: vec!["t.py".into()],
        created_at_ms: now_ms(),
        pushed: false,
    };
    assert!(store.adopt_failed(&record, "adopted".into()).await.unwrap());
    assert_eq!(store.task(id).await.unwrap().status, TaskStatus::Succeeded);
    assert_eq!(store.commit_of(id).await.unwrap().unwrap().sha, "abc123");
    // Only a failed task is adopted, and only once.
    assert!(!store.adopt_failed(&record, "again".into()).await.unwrap());
    let queued = CommitRecord {
        task_id: id + 1,
        ..record
    };
    assert!(!store.adopt_failed(&queued, "queued".into()).await.unwrap());
}

#[tokio::test]
async fn rate_limited_parks_keep_when_they_began_until_an_attempt_ends_otherwise() {
    let (_dir, store) = store().await;
    let id = store.enqueue(vec![task("t", 5)]).await.unwrap()[0];
    let park = |rate_limited| AttemptEnd::Parked {
        reason: "429".into(),
        run_after_ms: 0,
        rate_limited,
    };
    let lease = store.claim("w", LEASE).await.unwrap().unwrap().lease;
    store.finish(&lease, park(true)).await.unwrap();
    let since = store.task(id).await.unwrap().rate_limited_since_ms.unwrap();
    // A second rate-limited park keeps the first time; a landing wait leaves it alone.
    let lease = store.claim("w", LEASE).await.unwrap().unwrap().lease;
    store.finish(&lease, park(true)).await.unwrap();
    let lease = store.claim("w", LEASE).await.unwrap().unwrap().lease;
    store.finish(&lease, park(false)).await.unwrap();
    let task_now = store.task(id).await.unwrap();
    assert_eq!(task_now.rate_limited_since_ms, Some(since));
    assert_eq!(task_now.attempts, 0, "parks are not counted");
    // An attempt that ends any other way clears it.
    let lease = store.claim("w", LEASE).await.unwrap().unwrap().lease;
    store
        .finish(
            &lease,
            AttemptEnd::Retry {
                error: "x".into(),
                run_after_ms: 0,
            },
        )
        .await
        .unwrap();
    assert_eq!(store.task(id).await.unwrap().rate_limited_since_ms, None);
}

#[tokio::test]
async fn a_database_deleted_while_open_takes_no_more_writes() {
    let (dir, store) = store().await;
    store.enqueue(vec![task("before", 5)]).await.unwrap();
    // `git clean -fdx` in the work tree, say.
    for suffix in ["", "-wal", "-shm"] {
        drop(std::fs::remove_file(
            dir.path().join(format!("q.db{suffix}")),
        ));
    }
    let err = store.enqueue(vec![task("after", 5)]).await.unwrap_err();
    assert!(err.to_string().contains("deleted or replaced"), "{err}");
    assert!(store.claim("w", LEASE).await.is_err());
}

#[tokio::test]
async fn a_task_with_a_key_already_queued_is_not_queued_again() {
    let (dir, store) = store().await;
    let keyed = |description: &str, key: &str| task(description, 5).with_key(key).unwrap();
    let first = store
        .enqueue(vec![keyed("a", "k1"), task("b", 5), keyed("a again", "k1")])
        .await
        .unwrap();
    assert_eq!(first[0], first[2], "one batch: the key's first task");
    assert_ne!(first[0], first[1]);
    // Across reopening, and whatever the task's state now.
    store.cancel(first[0]).await.unwrap();
    drop(store);
    let store = SqliteStore::open(&dir.path().join("q.db")).await.unwrap();
    let again = store
        .enqueue(vec![keyed("other text", "k1"), keyed("c", "k2")])
        .await
        .unwrap();
    assert_eq!(again[0], first[0]);
    assert_eq!(store.task_with_key("k1").await.unwrap(), Some(first[0]));
    assert_eq!(store.task_with_key("k2").await.unwrap(), Some(again[1]));
    assert_eq!(store.task_with_key("none").await.unwrap(), None);
    assert_eq!(store.tasks(&TaskFilter::newest(10)).await.unwrap().len(), 3);
    assert_eq!(store.task(first[0]).await.unwrap().description, "a");
    // Keys are bounded, printable text.
    for bad in ["", "tab\there", &"x".repeat(201)] {
        assert!(
            matches!(task("d", 5).with_key(bad), Err(StoreError::Invalid(_))),
            "{bad:?}"
        );
    }
}

#[tokio::test]
async fn a_cursor_pages_forward_through_every_log_line_and_no_cursor_gives_the_tail() {
    let (_dir, store) = store().await;
    for n in 0..10 {
        store
            .log(nightshift_store::NewLogEntry {
                task_id: None,
                attempt: None,
                level: nightshift_store::LogLevel::Info,
                event: "test".to_owned(),
                message: format!("line {n}"),
            })
            .await
            .unwrap();
    }
    let page = |after_id: Option<i64>| {
        let store = store.clone();
        async move {
            store
                .logs(&LogQuery {
                    task_id: None,
                    after_id,
                    before_id: None,
                    worker: None,
                    min_level: None,
                    text: None,
                    events: None,
                    limit: 4,
                })
                .await
                .unwrap()
                .into_iter()
                .map(|l| l.message)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(page(None).await, ["line 6", "line 7", "line 8", "line 9"]);
    let mut seen = Vec::new();
    let mut cursor = Some(0);
    loop {
        let lines = store
            .logs(&LogQuery {
                task_id: None,
                after_id: cursor,
                before_id: None,
                worker: None,
                min_level: None,
                text: None,
                events: None,
                limit: 4,
            })
            .await
            .unwrap();
        let Some(last) = lines.last() else { break };
        cursor = Some(last.id);
        seen.extend(lines.into_iter().map(|l| l.message));
    }
    assert_eq!(
        seen,
        (0..10).map(|n| format!("line {n}")).collect::<Vec<_>>()
    );
    // Paging back: the newest lines below a line, oldest first.
    let older = store
        .logs(&LogQuery {
            task_id: None,
            after_id: None,
            before_id: Some(5),
            worker: None,
            min_level: None,
            text: None,
            events: None,
            limit: 3,
        })
        .await
        .unwrap();
    let older: Vec<_> = older.into_iter().map(|l| l.message).collect();
    assert_eq!(older, ["line 1", "line 2", "line 3"]);

    // Filters are applied before the limit, so a filtered page is full and pages back by it.
    store
        .log(nightshift_store::NewLogEntry {
            task_id: None,
            attempt: None,
            level: nightshift_store::LogLevel::Warn,
            event: "test".to_owned(),
            message: "Line 10 NEEDS a look".to_owned(),
        })
        .await
        .unwrap();
    let filtered = |min_level, text: Option<&str>, before_id| {
        let store = store.clone();
        let text = text.map(str::to_owned);
        async move {
            store
                .logs(&LogQuery {
                    before_id,
                    min_level,
                    text,
                    limit: 2,
                    ..LogQuery::default()
                })
                .await
                .unwrap()
                .into_iter()
                .map(|l| l.message)
                .collect::<Vec<_>>()
        }
    };
    use nightshift_store::LogLevel;
    assert_eq!(
        filtered(Some(LogLevel::Warn), None, None).await,
        ["Line 10 NEEDS a look"]
    );
    assert_eq!(
        filtered(None, Some("needs A LOOK"), None).await,
        ["Line 10 NEEDS a look"]
    );
    assert_eq!(
        filtered(Some(LogLevel::Info), Some("line 1"), None).await,
        ["line 1", "Line 10 NEEDS a look"]
    );
    assert_eq!(filtered(None, Some("line 1"), Some(11)).await, ["line 1"]);
    assert!(filtered(Some(LogLevel::Error), None, None).await.is_empty());
}

#[tokio::test]
async fn tasks_are_filtered_by_status_source_priority_model_text_and_paged() {
    let (_dir, store) = store().await;
    let new = |text: &str, priority: i32, source: &str| {
        NewTask::new(text, priority, serde_json::Value::Null, source, 0).unwrap()
    };
    store
        .enqueue(vec![
            new("Add a Slugify helper", 5, "cli"),
            new("Fix the parser", 8, "api"),
            new("Document slugify", 5, "api"),
        ])
        .await
        .unwrap();
    let claim = store
        .claim("h:1:x:w0", Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claim.task.id, 2);
    store
        .finish(
            &claim.lease,
            AttemptEnd::Failed {
                error: "SLUGIFY is undefined".to_owned(),
            },
        )
        .await
        .unwrap();
    store
        .record_call(&nightshift_store::ModelCall {
            task_id: Some(2),
            attempt: Some(1),
            backend: "local".to_owned(),
            model: "qwen".to_owned(),
            purpose: "code".to_owned(),
            prompt_tokens: 1,
            completion_tokens: 1,
            first_token_ms: None,
            duration_ms: 1,
            outcome: "ok".to_owned(),
            error: None,
            fallback_from: None,
        })
        .await
        .unwrap();
    let ids = |filter: TaskFilter| {
        let store = store.clone();
        async move {
            store
                .tasks(&filter)
                .await
                .unwrap()
                .into_iter()
                .map(|t| t.id)
                .collect::<Vec<_>>()
        }
    };
    let all = TaskFilter::newest(10);
    assert_eq!(ids(all.clone()).await, [3, 2, 1]);
    // Text in the description or the last error, any case.
    let text = TaskFilter {
        text: Some("slugify".to_owned()),
        ..all.clone()
    };
    assert_eq!(ids(text).await, [3, 2, 1]);
    let text = TaskFilter {
        text: Some("undefined".to_owned()),
        ..all.clone()
    };
    assert_eq!(ids(text).await, [2]);
    let source = TaskFilter {
        source: Some("api".to_owned()),
        ..all.clone()
    };
    assert_eq!(ids(source).await, [3, 2]);
    let priority = TaskFilter {
        priority: Some(5),
        ..all.clone()
    };
    assert_eq!(ids(priority).await, [3, 1]);
    for model in ["qwen", "local/qwen"] {
        let by_model = TaskFilter {
            model: Some(model.to_owned()),
            ..all.clone()
        };
        assert_eq!(ids(by_model).await, [2], "{model}");
    }
    let failed = all.clone().of_status(Some(TaskStatus::Failed));
    assert_eq!(ids(failed).await, [2]);
    let page = TaskFilter {
        before_id: Some(3),
        limit: 1,
        ..all
    };
    assert_eq!(ids(page).await, [2]);
}

#[tokio::test]
async fn a_period_selects_the_tasks_finished_commits_recorded_and_calls_made_in_it() {
    let (_dir, store) = store().await;
    store
        .enqueue(vec![task("one", 5), task("two", 5)])
        .await
        .unwrap();
    let before = now_ms();
    let claim = store.claim("h:1:x:w0", LEASE).await.unwrap().unwrap();
    let commit = CommitRecord {
        task_id: claim.task.id,
        sha: "a".repeat(40),
        branch: "main".to_owned(),
        subject: "one".to_owned(),
        files: vec!["one.py".to_owned()],
        created_at_ms: now_ms(),
        pushed: false,
    };
    store
        .record_commit_and_succeed(&claim.lease, &commit, "done".to_owned())
        .await
        .unwrap();
    let call = |model: &str, fallback_from: Option<&str>| nightshift_store::ModelCall {
        task_id: Some(claim.task.id),
        attempt: Some(1),
        backend: "local".to_owned(),
        model: model.to_owned(),
        purpose: "code".to_owned(),
        prompt_tokens: 10,
        completion_tokens: 5,
        first_token_ms: Some(3),
        duration_ms: 7,
        outcome: "ok".to_owned(),
        error: None,
        fallback_from: fallback_from.map(str::to_owned),
    };
    store.record_call(&call("big", None)).await.unwrap();
    store
        .record_call(&call("small", Some("local/big")))
        .await
        .unwrap();
    let during = Period {
        from_ms: before,
        to_ms: now_ms() + 1,
    };
    let after = Period {
        from_ms: during.to_ms,
        to_ms: during.to_ms + 60_000,
    };

    let finished = |period| TaskFilter {
        finished: Some(period),
        ..TaskFilter::newest(100)
    };
    let ids: Vec<_> = store
        .tasks(&finished(during))
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(ids, [claim.task.id], "the queued task has not finished");
    assert!(store.tasks(&finished(after)).await.unwrap().is_empty());
    assert_eq!(store.commits_in(during).await.unwrap(), [commit]);
    assert!(store.commits_in(after).await.unwrap().is_empty());

    let totals = store.totals_by_model(Some(during)).await.unwrap();
    let fallbacks: Vec<_> = totals
        .iter()
        .map(|t| (t.model.as_str(), t.calls, t.fallbacks))
        .collect();
    assert_eq!(fallbacks.len(), 2);
    assert!(fallbacks.contains(&("big", 1, 0)));
    assert!(fallbacks.contains(&("small", 1, 1)));
    assert!(store.totals_by_model(Some(after)).await.unwrap().is_empty());
    assert_eq!(store.totals_by_model(None).await.unwrap().len(), 2);
}

#[tokio::test]
async fn of_two_swaps_from_the_same_value_one_writes() {
    let (dir, store) = store().await;
    let other = SqliteStore::open(&dir.path().join("q.db")).await.unwrap();
    assert!(store.swap_state("k", None, "1").await.unwrap());
    assert!(!other.swap_state("k", None, "2").await.unwrap(), "present");
    assert!(other.swap_state("k", Some("1"), "2").await.unwrap());
    assert!(
        !store.swap_state("k", Some("1"), "3").await.unwrap(),
        "moved on"
    );
    assert_eq!(store.state("k").await.unwrap().as_deref(), Some("2"));
    assert!(!store.swap_state("absent", Some(""), "x").await.unwrap());
    assert_eq!(store.state("absent").await.unwrap(), None);
}

#[tokio::test]
async fn the_lines_of_an_attempt_carry_the_worker_that_ran_it_and_filter_by_it() {
    let (_dir, store) = store().await;
    let id = store.enqueue(vec![task("t", 5)]).await.unwrap()[0];
    let line = |attempt: u32, message: &str| NewLogEntry {
        task_id: Some(id),
        attempt: Some(attempt),
        level: LogLevel::Info,
        event: "model".into(),
        message: message.into(),
    };
    // Attempt 1 by one worker, given back; attempt 1 again by another, which finishes it.
    let lease = store.claim("h:1:w0", LEASE).await.unwrap().unwrap().lease;
    store.log(line(1, "first reply")).await.unwrap();
    store
        .finish(
            &lease,
            AttemptEnd::Released {
                reason: "restart".into(),
            },
        )
        .await
        .unwrap();
    let lease = store.claim("h:2:w1", LEASE).await.unwrap().unwrap().lease;
    store.log(line(1, "second reply")).await.unwrap();
    store
        .finish(
            &lease,
            AttemptEnd::Succeeded {
                summary: "landed".into(),
            },
        )
        .await
        .unwrap();
    store.set_paused(true, "cli").await.unwrap();

    let read = |worker: Option<&str>| {
        let store = &store;
        let worker = worker.map(str::to_owned);
        async move {
            store
                .logs(&LogQuery {
                    worker,
                    limit: 100,
                    ..LogQuery::default()
                })
                .await
                .unwrap()
        }
    };
    let all = read(None).await;
    let of = |m: &str| all.iter().find(|l| l.message.contains(m)).unwrap();
    assert_eq!(of("first reply").worker.as_deref(), Some("h:1:w0"));
    assert_eq!(of("second reply").worker.as_deref(), Some("h:2:w1"));
    // The end of an attempt is written after its lease is cleared: still its worker's.
    assert_eq!(of("released").worker.as_deref(), Some("h:1:w0"), "{all:#?}");
    assert_eq!(of("landed").worker.as_deref(), Some("h:2:w1"), "{all:#?}");
    // Lines of no attempt belong to no worker.
    assert_eq!(of("paused by cli").worker, None);
    assert_eq!(
        all.iter()
            .find(|l| l.to_status.as_deref() == Some("queued"))
            .unwrap()
            .worker,
        None
    );

    let messages = |lines: Vec<nightshift_store::LogEntry>| {
        lines.into_iter().map(|l| l.message).collect::<Vec<_>>()
    };
    let first = messages(read(Some("h:1:w0")).await);
    assert_eq!(first.len(), 3, "{first:?}");
    assert!(first.iter().all(|m| !m.contains("second")), "{first:?}");
    // By number, in any daemon; a number is not a prefix of another (w1 is not w10).
    assert_eq!(messages(read(Some("w1")).await).len(), 3);
    assert!(read(Some("1:w")).await.is_empty());
    assert!(read(Some("w")).await.is_empty());
    assert!(read(Some("w10")).await.is_empty());

    // How each worker's attempts ended, of one daemon or of all.
    let tally = |worker: &str, succeeded, ended_otherwise| nightshift_store::WorkerTally {
        worker: worker.to_owned(),
        succeeded,
        ended_otherwise,
    };
    assert_eq!(
        store.attempts_by_worker("h:").await.unwrap(),
        [tally("h:1:w0", 0, 1), tally("h:2:w1", 1, 0)]
    );
    assert_eq!(
        store.attempts_by_worker("h:2:").await.unwrap(),
        [tally("h:2:w1", 1, 0)]
    );
    assert!(store.attempts_by_worker("h:3:").await.unwrap().is_empty());
    // What a task is doing now: its newest line.
    let other = store.enqueue(vec![task("u", 5)]).await.unwrap()[0];
    let latest = store.latest_lines(&[id, other, 999]).await.unwrap();
    let mut latest: Vec<_> = latest
        .iter()
        .map(|l| (l.task_id, l.message.as_str()))
        .collect();
    latest.sort_unstable();
    assert_eq!(
        latest,
        [
            (Some(id), "landed"),
            (Some(other), "queued from test with priority 5")
        ]
    );
    assert!(store.latest_lines(&[]).await.unwrap().is_empty());
}
