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
