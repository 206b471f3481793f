//! Time spent waiting one's turn — for a model slot, for the in-process engine's sequences, for
//! the merge queue — or doing others' work, as opposed to time spent on one's own. A task's time
//! limit counts only its own work: with several workers sharing one model, a task must not run
//! out of time because the others' prompts were read first, or because the others' replies were
//! decoded in the same batches as its own.
//!
//! The worker runs an attempt inside [`counting`]; whatever waits its turn on the way, however
//! deep (the router's slots, the engine's queue), wraps the wait in [`waiting`], which adds to
//! the attempt's [`QueueTime`] and does nothing outside one. Work shared out elsewhere — the
//! in-process engine decodes many requests in one batch, on a thread of its own — carries the
//! [`current`] clock along and [`credit`](QueueTime::credit)s it with the others' share.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

tokio::task_local! {
    static CLOCK: Arc<QueueTime>;
}

/// Time spent in queues, overlapping waits counted once.
#[derive(Debug)]
pub struct QueueTime {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Finished waits.
    waited: Duration,
    /// Waits under way.
    depth: usize,
    /// When the first of the waits under way began.
    since: Instant,
}

impl Default for QueueTime {
    fn default() -> Self {
        Self {
            state: Mutex::new(State {
                waited: Duration::ZERO,
                depth: 0,
                since: Instant::now(),
            }),
        }
    }
}

impl QueueTime {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn enter(&self) {
        let mut state = self.state();
        if state.depth == 0 {
            state.since = Instant::now();
        }
        state.depth += 1;
    }

    fn leave(&self) {
        let mut state = self.state();
        state.depth = state.depth.saturating_sub(1);
        if state.depth == 0 {
            let since = state.since;
            state.waited += since.elapsed();
        }
    }

    /// Adds `time` spent on others' work alongside this work's own — the others' share of a
    /// batch decoded for several requests at once. While a wait is under way that time counts
    /// already, so it is not added twice.
    pub fn credit(&self, time: Duration) {
        let mut state = self.state();
        if state.depth == 0 {
            state.waited += time;
        }
    }

    /// The time spent queued so far, the waits under way included.
    pub fn excluded(&self) -> Duration {
        let state = self.state();
        let current = if state.depth > 0 {
            state.since.elapsed()
        } else {
            Duration::ZERO
        };
        state.waited + current
    }
}

/// Leaves the queue when the wait ends, however it ends (finished or dropped).
struct Waiting(Arc<QueueTime>);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.leave();
    }
}

/// Runs `work` with `clock` counting every [`waiting`] inside it.
pub async fn counting<F: Future>(clock: Arc<QueueTime>, work: F) -> F::Output {
    CLOCK.scope(clock, work).await
}

/// The clock of the work this runs in, if any: for work done on its behalf elsewhere (another
/// thread) to [`credit`](QueueTime::credit).
pub fn current() -> Option<Arc<QueueTime>> {
    CLOCK.try_with(Arc::clone).ok()
}

/// Awaits `wait` — a turn in some queue — counted as queued time of the work it runs in, if any.
pub async fn waiting<F: Future>(wait: F) -> F::Output {
    let _waiting = CLOCK
        .try_with(|clock| {
            clock.enter();
            Waiting(Arc::clone(clock))
        })
        .ok();
    wait.await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn waits_count_once_however_they_overlap_and_work_does_not_count() {
        let clock = Arc::new(QueueTime::default());
        counting(Arc::clone(&clock), async {
            tokio::time::sleep(Duration::from_secs(5)).await; // work
            let short = waiting(tokio::time::sleep(Duration::from_secs(2)));
            let long = waiting(tokio::time::sleep(Duration::from_secs(3)));
            tokio::join!(short, long);
            tokio::time::sleep(Duration::from_secs(7)).await; // work
            waiting(tokio::time::sleep(Duration::from_secs(1))).await;
        })
        .await;
        assert_eq!(clock.excluded(), Duration::from_secs(4));
        // Outside `counting`, a wait counts nowhere.
        waiting(tokio::time::sleep(Duration::from_secs(1))).await;
        assert_eq!(clock.excluded(), Duration::from_secs(4));
    }

    #[tokio::test(start_paused = true)]
    async fn others_work_is_credited_once_and_only_inside_counting() {
        assert!(current().is_none());
        let clock = Arc::new(QueueTime::default());
        counting(Arc::clone(&clock), async {
            let mine = current().expect("the clock of the work this runs in");
            assert!(Arc::ptr_eq(&mine, &clock));
            mine.credit(Duration::from_secs(3));
            // During a wait, the time counts as the wait's already.
            waiting(async {
                mine.credit(Duration::from_secs(100));
                tokio::time::sleep(Duration::from_secs(2)).await;
            })
            .await;
        })
        .await;
        assert_eq!(clock.excluded(), Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_under_way_counts_already() {
        let clock = Arc::new(QueueTime::default());
        let watched = Arc::clone(&clock);
        let work = tokio::spawn(counting(
            Arc::clone(&clock),
            waiting(tokio::time::sleep(Duration::from_secs(10))),
        ));
        tokio::time::sleep(Duration::from_secs(4)).await;
        assert_eq!(watched.excluded(), Duration::from_secs(4));
        work.await.unwrap();
        assert_eq!(clock.excluded(), Duration::from_secs(10));
    }
}
