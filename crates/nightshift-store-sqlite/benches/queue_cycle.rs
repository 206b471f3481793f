//! Queue cycle throughput: enqueue + claim + complete, on durable SQLite (WAL,
//! `synchronous=FULL`), side by side with a bare SQLite loop doing the same three writes on the
//! same disk through the same driver. Run: `cargo bench -p nightshift-store-sqlite`.
#![allow(clippy::unwrap_used, missing_docs)] // a benchmark: a failure should abort loudly

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nightshift_store::{AttemptEnd, NewTask, TaskQueue};
use nightshift_store_sqlite::SqliteStore;
use sqlx::ConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};

/// Benchmark databases live under `target/`, on the same disk as the project.
fn bench_dir() -> tempfile::TempDir {
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-db");
    std::fs::create_dir_all(&base).unwrap();
    tempfile::tempdir_in(base).unwrap()
}

fn queue_cycle(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("queue_cycle");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(10));

    let dir = bench_dir();
    let store = runtime
        .block_on(SqliteStore::open(&dir.path().join("queue.db")))
        .unwrap();
    group.bench_function("nightshift", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    let task =
                        NewTask::new("bench", 5, serde_json::Value::Null, "bench", 3).unwrap();
                    store.enqueue(vec![task]).await.unwrap();
                    let claim = store
                        .claim("bench", Duration::from_secs(30))
                        .await
                        .unwrap()
                        .unwrap();
                    store
                        .finish(
                            &claim.lease,
                            AttemptEnd::Succeeded {
                                summary: "ok".into(),
                            },
                        )
                        .await
                        .unwrap();
                }
                start.elapsed()
            })
        });
    });

    let bare_dir = bench_dir();
    let mut conn = runtime
        .block_on(
            SqliteConnectOptions::new()
                .filename(bare_dir.path().join("bare.db"))
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .connect(),
        )
        .unwrap();
    runtime
        .block_on(
            sqlx::query(
                "CREATE TABLE t (id INTEGER PRIMARY KEY, status TEXT NOT NULL, priority INTEGER NOT NULL)",
            )
            .execute(&mut conn),
        )
        .unwrap();
    group.bench_function("bare_sqlite", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    sqlx::query("INSERT INTO t (status, priority) VALUES ('queued', 5)")
                        .execute(&mut conn)
                        .await
                        .unwrap();
                    let id: i64 = sqlx::query_scalar(
                        "UPDATE t SET status = 'running' WHERE id = (SELECT id FROM t
                         WHERE status = 'queued' ORDER BY priority DESC, id LIMIT 1) RETURNING id",
                    )
                    .fetch_one(&mut conn)
                    .await
                    .unwrap();
                    sqlx::query("UPDATE t SET status = 'done' WHERE id = ?")
                        .bind(id)
                        .execute(&mut conn)
                        .await
                        .unwrap();
                }
                start.elapsed()
            })
        });
    });
    group.finish();
}

criterion_group!(benches, queue_cycle);
criterion_main!(benches);
