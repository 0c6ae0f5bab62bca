//! Work the server does on its own: the start-of-year membership snapshot (the base of the year's
//! quotas), taken when the server starts and checked every hour, so that it is fixed on the first
//! hour of the year the server runs without anyone remembering to.

use std::time::Duration;

use ketnap_store::setup;

use crate::AppState;

/// Take this year's snapshot if it is missing, then check again every hour in a task.
pub async fn start_of_year(state: &AppState) {
    take_start_of_year(state).await;
    let state = state.clone();
    tokio::spawn(async move {
        let mut hourly = tokio::time::interval(Duration::from_secs(60 * 60));
        hourly.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The first tick is immediate: the check just made.
        hourly.tick().await;
        loop {
            hourly.tick().await;
            take_start_of_year(&state).await;
        }
    });
}

async fn take_start_of_year(state: &AppState) {
    let ctx = state.write_ctx(None);
    match setup::ensure_start_of_year(&state.store, &ctx).await {
        Ok(true) => tracing::info!(
            year = ctx.today().year(),
            "start-of-year membership snapshot taken"
        ),
        Ok(false) => {}
        Err(e) => tracing::error!(error = %e, "start-of-year membership snapshot failed"),
    }
}

/// The alert queue's daily pass (`ketnap_store::alert_queue`): run when the server starts if the
/// queue is not of today under this rule book, then checked every ten minutes (the first check
/// after midnight in Vietnam runs the day's pass). Until a pass has run, views compute the
/// alerts themselves: never stale, only slower.
pub async fn alert_queue(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(10 * 60));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            run_alert_pass(&state).await;
        }
    });
}

async fn run_alert_pass(state: &AppState) {
    let today = state.clock.today();
    let fresh = match state.store.read().await {
        Ok(mut conn) => ketnap_store::alert_queue::fresh(&mut conn, &state.book, today).await,
        Err(e) => Err(e),
    };
    match fresh {
        Ok(true) => {}
        Ok(false) => {
            let started = std::time::Instant::now();
            match ketnap_store::alert_queue::daily_pass(&state.store, &state.book, today).await {
                Ok(n) => {
                    tracing::info!(
                        candidacies = n,
                        ms = started.elapsed().as_millis() as u64,
                        "alert queue rewritten for the day"
                    );
                    if let Err(e) = state.store.release_memory().await {
                        tracing::warn!(error = %e, "could not release the writer's cache");
                    }
                }
                Err(e) => tracing::error!(error = %e, "alert queue pass failed"),
            }
        }
        Err(e) => tracing::error!(error = %e, "alert queue check failed"),
    }
}
