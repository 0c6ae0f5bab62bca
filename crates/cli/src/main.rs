//! The `ketnap` binary: thin — parse flags, call the crates.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use ketnap_domain::RuleBook;
use ketnap_store::{Store, audit, demo, ops, rebuild};

mod calendar;
mod golive;

/// ketnap — công tác phát triển đảng viên.
#[derive(Parser)]
#[command(name = "ketnap", version, about)]
struct Cli {
    /// A TOML file of rule overrides (see docs/RULES.md).
    #[arg(long, global = true, env = "KETNAP_RULES")]
    rules: Option<PathBuf>,
    /// The database: `sqlite:PATH` (created when missing) or `postgres://USER:PASS@HOST/DB`.
    /// Default: `db` in ketnap.toml, else `sqlite:ketnap.db`.
    #[arg(long, global = true, env = "KETNAP_DB")]
    db: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start a real office on an empty database: the root organisation(s) and the first
    /// administrator, nothing else (asks for what the flags do not give when a terminal is
    /// attached). Refused on a database that already has data.
    Init {
        /// Kind of a root: Tỉnh ủy, Huyện ủy, Đảng ủy khối, Đảng ủy xã, Đảng ủy phường… (or a
        /// code: provincial, district, grassroots:commune). Repeat for several roots.
        #[arg(long)]
        root_kind: Vec<String>,
        /// Code of a root (repeat in the same order).
        #[arg(long)]
        root_code: Vec<String>,
        /// Name of a root (repeat in the same order).
        #[arg(long)]
        root_name: Vec<String>,
        /// Login name of the first administrator.
        #[arg(long)]
        admin: Option<String>,
        /// Name shown for the administrator.
        #[arg(long)]
        admin_name: Option<String>,
        /// Password (at least 8 characters); or KETNAP_PASSWORD.
        #[arg(long, env = "KETNAP_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Import an XLSX or CSV list in one transaction: all rows or none, with a row-by-row report
    /// of every problem (exit status 1 when there is any).
    Import {
        /// The file (.xlsx or .csv).
        file: PathBuf,
        /// What it holds: orgs, members, people, candidates, mentors or plans.
        #[arg(long)]
        kind: String,
        /// Check everything, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Take the start-of-year membership (đảng số đầu năm) of a year (default: this year); a
    /// year already taken stays as it was.
    Snapshot {
        /// The year.
        #[arg(long)]
        year: Option<i16>,
    },
    /// Print the active rule set with citations.
    Rules {
        /// Show the version in force on this date (YYYY-MM-DD); default: the newest.
        #[arg(long)]
        on: Option<jiff::civil::Date>,
        /// Print every version, not only one.
        #[arg(long)]
        all: bool,
    },
    /// Serve the web app: creates and migrates the database, fills the demo district with --demo
    /// when the database is empty, and listens (default http://127.0.0.1:8080).
    Serve {
        /// Fill an empty database with the fictional demo district first.
        #[arg(long)]
        demo: bool,
        /// Address to listen on (overrides ketnap.toml and KETNAP_BIND).
        #[arg(long)]
        bind: Option<String>,
    },
    /// Accounts: add, reset a password, list, issue an API token.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Apply the database migrations (forward only).
    Migrate,
    /// Fill an empty database with a fictional district (migrates first).
    Demo {
        /// Seed of the generator: the same seed gives the same data.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Size relative to the standard district (~20 grassroots organisations, ~300 cells,
        /// ~6,000 members, ~1,200 candidacies); e.g. 0.1 for a small one.
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Password of the demo accounts.
        #[arg(long, env = "KETNAP_DEMO_PASSWORD", default_value = "ketnap-demo")]
        password: String,
        /// Generate "as of" this date (YYYY-MM-DD); default: today in Vietnam.
        #[arg(long)]
        today: Option<jiff::civil::Date>,
    },
    /// Fill an empty database with fictional data at a benchmark scale (migrates first): the demo
    /// district repeated — `district` (1 province × 1 district), `province` (1 × 25), `national`
    /// (34 × 25: ~290,000 organisations, ~5 million members, ~1 million candidacies).
    Gen {
        /// district, province or national.
        #[arg(long, value_enum)]
        scale: GenScale,
        /// Seed of the generator: the same seed gives the same data.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Password of the demo accounts.
        #[arg(long, env = "KETNAP_DEMO_PASSWORD", default_value = "ketnap-demo")]
        password: String,
        /// Generate "as of" this date (YYYY-MM-DD); default: today in Vietnam.
        #[arg(long)]
        today: Option<jiff::civil::Date>,
    },
    /// Recompute projections, counters and the closure table from the history and report every
    /// difference from the stored ones (exit status 1 when there is any).
    Rebuild,
    /// The working-day calendar: a year's days off as deadlines count them, or a year the
    /// government announced added to the rules file (--rules or KETNAP_RULES).
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Rewrite the alert queue as of today (the pass the server runs each day on its own; for a
    /// database loaded while no server ran, or from cron).
    AlertPass,
    /// The audit chain.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Copy the database to PATH while it serves (SQLite; PostgreSQL: use pg_dump).
    Backup {
        /// The file to write (must not exist).
        path: PathBuf,
    },
    /// The periodic report of an organisation's subtree, as the web page shows it: to a file
    /// (--out) or to standard output (csv, json).
    Report {
        /// Code of the organisation (its subtree is reported).
        #[arg(long)]
        org: String,
        /// Period: 2026, 2026-Q1, 2026-H1, 2026-03, 2025-2030.
        #[arg(long)]
        period: String,
        /// xlsx, csv or json.
        #[arg(long, default_value = "xlsx")]
        format: String,
        /// The file to write; default: standard output (required for xlsx).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Report "as of" this date (YYYY-MM-DD); default: today in Vietnam.
        #[arg(long)]
        today: Option<jiff::civil::Date>,
    },
    /// Replace the SQLite database of --db with the backup at PATH (the server must be stopped).
    Restore {
        /// The backup file.
        path: PathBuf,
        /// Replace the database file when it exists.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account with one role over one organisation (by code).
    Add {
        /// Login name ([a-z0-9._-], 3–40).
        username: String,
        /// Name shown.
        #[arg(long)]
        name: String,
        /// Role: admin, org_staff, committee_member, cell_secretary, mentor, political_centre, mass_org, viewer.
        #[arg(long)]
        role: String,
        /// Code of the organisation the role covers (its subtree).
        #[arg(long)]
        org: String,
        /// Password (at least 8 characters); or KETNAP_PASSWORD.
        #[arg(long, env = "KETNAP_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Set a new password.
    Reset {
        /// Login name.
        username: String,
        /// New password (at least 8 characters); or KETNAP_PASSWORD.
        #[arg(long, env = "KETNAP_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// List the accounts and their roles.
    List,
    /// Issue an API token for the account (printed once); a token of the same name is replaced.
    Token {
        /// Login name.
        username: String,
        /// The token's name (what it is for: "bao-cao-tinh").
        #[arg(long, default_value = "mac-dinh")]
        name: String,
        /// Days it works (1–366).
        #[arg(long, default_value_t = 90)]
        days: i64,
    },
    /// List the account's API tokens (names, issue and expiry dates; never the tokens).
    Tokens {
        /// Login name.
        username: String,
    },
    /// Revoke one API token of the account by name.
    RevokeToken {
        /// Login name.
        username: String,
        /// The token's name.
        name: String,
    },
    /// Disable the account: its sessions and API tokens end at once; it can no longer log in.
    Disable {
        /// Login name.
        username: String,
    },
    /// Enable a disabled account again (new tokens must be issued).
    Enable {
        /// Login name.
        username: String,
    },
    /// Clear the login back-off of the account (after failed passwords).
    Unlock {
        /// Login name.
        username: String,
    },
    /// Turn on the second factor (a 6-digit code from an authenticator app at each login) for an
    /// administrator or organisation staff account, printing its secret once; `--off` turns it off.
    Totp {
        /// Login name.
        username: String,
        /// Turn it off.
        #[arg(long)]
        off: bool,
    },
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// List a year's holidays, days off in lieu or swapped and weekend days worked, and whether
    /// they are announced or computed (lịch nghỉ dự kiến).
    Show {
        /// The year.
        #[arg(long)]
        year: i16,
    },
    /// Add a year as announced: its weekdays off and weekend days worked (dd/mm/yyyy, comma
    /// separated) and where it was announced. Checked with the rest of the rules file first.
    Add {
        /// The year.
        #[arg(long)]
        year: i16,
        /// Weekdays off: holidays, days in lieu, swapped days.
        #[arg(long = "off", value_delimiter = ',')]
        days_off: Vec<String>,
        /// Saturdays or Sundays worked in exchange.
        #[arg(long = "worked", value_delimiter = ',')]
        worked: Vec<String>,
        /// The announcement (number, date, issuer).
        #[arg(long)]
        source: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain from the first row; name the first broken row.
    Verify,
}

fn load_rules(path: Option<&PathBuf>) -> anyhow::Result<RuleBook> {
    match path {
        None => Ok(RuleBook::spec_default()),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("reading rules file {}", p.display()))?;
            RuleBook::from_toml(&text)
                .with_context(|| format!("loading rules file {}", p.display()))
        }
    }
}

fn print_set(set: &ketnap_domain::RuleSet) {
    println!(
        "# Bộ quy tắc: {} — hiệu lực từ {}",
        set.version,
        ketnap_domain::dates::format_vn(set.effective_from)
    );
    for line in set.lines() {
        println!(
            "{:<40} {:<22} [{}] {}",
            line.id, line.value, line.confidence, line.citation
        );
    }
}

/// A store error with its Vietnamese message first, then the English detail.
fn store_err(e: ketnap_store::StoreError) -> anyhow::Error {
    anyhow::anyhow!("{} ({e})", e.message_vi())
}

async fn connect(url: &str) -> anyhow::Result<Store> {
    Store::connect(url)
        .await
        .map_err(store_err)
        .with_context(|| format!("connecting to {}", redact(url)))
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

fn today_vn() -> jiff::civil::Date {
    jiff::tz::Offset::constant(7)
        .to_datetime(jiff::Timestamp::now())
        .date()
}

fn hash_password(password: &str) -> anyhow::Result<String> {
    use argon2::password_hash::PasswordHasher;
    let hash = argon2::Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| anyhow::anyhow!("hashing the demo password: {e}"))?;
    Ok(hash.to_string())
}

/// What `demo` and `gen` fill an empty database with.
enum Fill {
    /// The demo district times a scale.
    Demo(f64),
    /// A benchmark scale.
    Scale(GenScale),
}

/// `demo` and `gen`: migrate, refuse a database with data, then generate and print the report.
async fn run_fill(
    store: &Store,
    book: &RuleBook,
    seed: u64,
    fill: Fill,
    password: &str,
    today: jiff::civil::Date,
) -> anyhow::Result<()> {
    if let Fill::Demo(scale) = fill
        && !(scale.is_finite() && scale > 0.0 && scale <= 1000.0)
    {
        bail!(
            "--scale phải là một số dương (ví dụ 0.1 hoặc 1) / --scale must be a positive number"
        );
    }
    store.migrate().await.map_err(store_err)?;
    if !ops::is_empty(store).await.map_err(store_err)? {
        bail!(
            "Cơ sở dữ liệu đã có dữ liệu; dữ liệu mẫu chỉ được tạo trên cơ sở dữ liệu trống. \
             / The database is not empty; demo and gen only fill an empty database."
        );
    }
    let users = demo::DemoUsers {
        password_hash: hash_password(password)?,
    };
    let started = std::time::Instant::now();
    let report = match fill {
        Fill::Demo(scale) => {
            demo::generate(
                store,
                book,
                demo::DemoSize::scaled(scale),
                seed,
                today,
                &users,
            )
            .await
        }
        Fill::Scale(scale) => {
            let scale = match scale {
                GenScale::District => demo::Scale::District,
                GenScale::Province => demo::Scale::Province,
                GenScale::National => demo::Scale::National,
            };
            let progress = move |done: u32, total: u32| {
                if total > 1 {
                    eprintln!(
                        "  {done}/{total} huyện / districts ({:.0} s)",
                        started.elapsed().as_secs_f64()
                    );
                }
            };
            demo::generate_scale(store, book, scale, seed, today, &users, &progress).await
        }
    }
    .map_err(store_err)?;
    // The planners' statistics of the data just written.
    store.analyze().await.map_err(store_err)?;
    println!("{report}");
    println!("({:.1} s)", started.elapsed().as_secs_f64());
    Ok(())
}

/// The scales of `ketnap gen`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum GenScale {
    /// One district (the demo).
    District,
    /// One province of 25 districts.
    Province,
    /// 34 provinces of 25 districts.
    National,
}

async fn run_serve(
    url: &str,
    book: RuleBook,
    demo: bool,
    bind: Option<String>,
) -> anyhow::Result<ExitCode> {
    let config = ketnap_web::ServeConfig::load()
        .map_err(|e| anyhow::anyhow!("reading ketnap.toml / KETNAP_*: {e}"))?;
    let bind = bind.unwrap_or_else(|| config.bind.clone());
    let store = connect(url).await?;
    store.migrate().await.map_err(store_err)?;
    if demo && ops::is_empty(&store).await.map_err(store_err)? {
        println!("Đang tạo dữ liệu mẫu (một huyện hư cấu)… / generating the demo district…");
        run_fill(
            &store,
            &book,
            2026,
            Fill::Demo(1.0),
            &config.demo_password,
            today_vn(),
        )
        .await?;
        println!(
            "Mật khẩu của các tài khoản mẫu / demo password: {}",
            config.demo_password
        );
    } else if demo {
        println!(
            "Cơ sở dữ liệu đã có dữ liệu: dùng dữ liệu hiện có. / The database has data: serving it."
        );
        println!(
            "Tài khoản mẫu / demo accounts: admin, tochuc, bithu, giupdo, phutrach, ttct, doanthanhnien, lanhdao"
        );
    }
    let mut state = ketnap_web::AppState::new(store, book, ketnap_web::Clock::System);
    state.security = std::sync::Arc::new(config.security());
    // The alert queue's daily pass runs beside the server (not in the tests' apps, whose
    // clock is fixed: their views compute the alerts, as a server does before its first pass).
    ketnap_web::jobs::alert_queue(&state).await;
    let router = ketnap_web::app(state).await.map_err(store_err)?;
    let listener = tokio::net::TcpListener::bind(&bind)
        .await
        .with_context(|| format!("listening on {bind}"))?;
    let addr = listener.local_addr().map(|a| a.to_string()).unwrap_or(bind);
    println!("ketnap đang chạy tại / is serving at http://{addr}  (Ctrl-C để dừng / to stop)");
    ketnap_web::run(listener, router).await.context("serving")?;
    Ok(ExitCode::SUCCESS)
}

async fn run_user(store: &Store, command: UserCommand) -> anyhow::Result<ExitCode> {
    let ctx = ketnap_store::WriteCtx::new(None, jiff::Timestamp::now());
    let check_password = |p: &str| -> anyhow::Result<String> {
        if p.chars().count() < 8 {
            bail!("Mật khẩu phải có ít nhất 8 ký tự. / The password needs at least 8 characters.");
        }
        ketnap_web::auth::hash_password(p).map_err(|e| anyhow::anyhow!("{}", e.message_vi().1))
    };
    let find = |name: String| async move {
        let mut conn = store.read().await.map_err(store_err)?;
        ketnap_store::users::by_username(&mut conn, &name)
            .await
            .map_err(store_err)?
            .ok_or_else(|| anyhow::anyhow!("Không có tài khoản “{name}”. / No such account."))
    };
    match command {
        UserCommand::Add {
            username,
            name,
            role,
            org,
            password,
        } => {
            let role = ketnap_store::Role::from_code(&role)
                .ok_or_else(|| anyhow::anyhow!("Không có vai trò “{role}”. / Unknown role."))?;
            let hash = check_password(&password)?;
            let org = {
                let mut conn = store.read().await.map_err(store_err)?;
                ketnap_store::orgs::by_code(&mut conn, &org)
                    .await
                    .map_err(store_err)?
            };
            let mut tx = store.begin().await.map_err(store_err)?;
            let id = ketnap_store::users::create_user(&mut tx, &ctx, &username, &name, &hash, None)
                .await
                .map_err(store_err)?;
            ketnap_store::users::grant(&mut tx, &ctx, id, role, org.org_id)
                .await
                .map_err(store_err)?;
            tx.commit().await.map_err(store_err)?;
            println!(
                "Đã tạo tài khoản {username} ({}, {}). / Account created.",
                role.label_vi(),
                org.name
            );
        }
        UserCommand::Reset { username, password } => {
            let hash = check_password(&password)?;
            let user = find(username.clone()).await?;
            let mut tx = store.begin().await.map_err(store_err)?;
            ketnap_store::users::set_password_hash(&mut tx, &ctx, user.user_id, &hash)
                .await
                .map_err(store_err)?;
            tx.commit().await.map_err(store_err)?;
            println!("Đã đặt lại mật khẩu cho {username}. / Password reset.");
        }
        UserCommand::List => {
            let mut conn = store.read().await.map_err(store_err)?;
            let users =
                ketnap_store::users::list(&mut conn, &ketnap_store::Scope::system(), None, 10_000)
                    .await
                    .map_err(store_err)?;
            for u in users {
                let scopes: Vec<String> = u
                    .scopes
                    .iter()
                    .map(|s| format!("{}: {}", s.role.label_vi(), s.org_name))
                    .collect();
                let state = if u.user.disabled { " (đã khóa)" } else { "" };
                println!(
                    "{:<16} {:<28} {}{state}",
                    u.user.username,
                    u.user.display_name,
                    scopes.join("; ")
                );
            }
        }
        UserCommand::Token {
            username,
            name,
            days,
        } => {
            let user = find(username.clone()).await?;
            let token = ketnap_web::api::new_token();
            let until = today_vn()
                .checked_add(jiff::Span::new().days(days.clamp(0, 10_000)))
                .context("expiry date")?;
            let mut tx = store.begin().await.map_err(store_err)?;
            ketnap_store::users::issue_token(
                &mut tx,
                &ctx,
                user.user_id,
                &name,
                &ketnap_web::api::token_hash(&token),
                until,
            )
            .await
            .map_err(store_err)?;
            tx.commit().await.map_err(store_err)?;
            println!("{token}");
            eprintln!(
                "Mã truy cập API «{name}» của {username}, dùng đến hết ngày {} (chỉ hiện một lần). / API token, shown once.",
                ketnap_domain::dates::format_vn(until)
            );
        }
        UserCommand::Tokens { username } => {
            let user = find(username.clone()).await?;
            let mut conn = store.read().await.map_err(store_err)?;
            let list = ketnap_store::users::tokens(&mut conn, user.user_id)
                .await
                .map_err(store_err)?;
            if list.is_empty() {
                println!("{username} chưa có mã truy cập API. / No API token.");
            }
            let today = today_vn();
            for t in list {
                let state = match t.revoked_at {
                    Some(_) => "đã thu hồi".to_string(),
                    None if t.expires_on < today => "hết hạn".to_string(),
                    None => "đang dùng".to_string(),
                };
                println!(
                    "{:<20} cấp {}  hết hạn {}  {state}",
                    t.name,
                    ketnap_domain::dates::format_vn(
                        jiff::tz::Offset::constant(7)
                            .to_datetime(t.created_at)
                            .date()
                    ),
                    ketnap_domain::dates::format_vn(t.expires_on)
                );
            }
        }
        UserCommand::RevokeToken { username, name } => {
            let user = find(username.clone()).await?;
            let mut tx = store.begin().await.map_err(store_err)?;
            let done = ketnap_store::users::revoke_token(&mut tx, &ctx, user.user_id, &name)
                .await
                .map_err(store_err)?;
            tx.commit().await.map_err(store_err)?;
            if !done {
                bail!(
                    "{username} không có mã truy cập «{name}» đang dùng. / No live token of that name."
                );
            }
            println!("Đã thu hồi mã truy cập «{name}» của {username}. / Token revoked.");
        }
        UserCommand::Disable { username } => {
            let user = find(username.clone()).await?;
            let mut tx = store.begin().await.map_err(store_err)?;
            ketnap_store::users::disable(&mut tx, &ctx, user.user_id)
                .await
                .map_err(store_err)?;
            tx.commit().await.map_err(store_err)?;
            println!(
                "Đã khóa tài khoản {username}: mọi phiên và mã truy cập đã chấm dứt. / Account disabled; sessions and tokens ended."
            );
        }
        UserCommand::Enable { username } => {
            let user = find(username.clone()).await?;
            let mut tx = store.begin().await.map_err(store_err)?;
            ketnap_store::users::enable(&mut tx, &ctx, user.user_id)
                .await
                .map_err(store_err)?;
            tx.commit().await.map_err(store_err)?;
            println!("Đã mở lại tài khoản {username}. / Account enabled.");
        }
        UserCommand::Totp { username, off } => {
            let user = find(username.clone()).await?;
            let roles = ketnap_store::users::scopes_of(
                &mut store.read().await.map_err(store_err)?,
                user.user_id,
            )
            .await
            .map_err(store_err)?;
            if !off
                && !roles
                    .iter()
                    .any(|(r, _, _)| ketnap_web::second_factor::offered_to(*r))
            {
                bail!(
                    "Mã xác thực chỉ bật cho tài khoản quản trị và cán bộ tổ chức. / The second factor is for administrator and organisation staff accounts."
                );
            }
            let secret = (!off).then(ketnap_web::second_factor::new_secret);
            let mut tx = store.begin().await.map_err(store_err)?;
            ketnap_store::users::set_totp(&mut tx, &ctx, user.user_id, secret.as_deref())
                .await
                .map_err(store_err)?;
            tx.commit().await.map_err(store_err)?;
            match secret {
                Some(secret) => {
                    println!(
                        "Đã bật mã xác thực cho {username}; các phiên đang mở đã chấm dứt. Nhập khóa sau vào ứng dụng xác thực (Google Authenticator, Microsoft Authenticator, FreeOTP…), chỉ hiện một lần: / Second factor on; sessions ended. The secret, shown once:"
                    );
                    println!("{secret}");
                    println!(
                        "{}",
                        ketnap_web::second_factor::otpauth_uri(&username, &secret)
                    );
                }
                None => println!("Đã tắt mã xác thực của {username}. / Second factor off."),
            }
        }
        UserCommand::Unlock { username } => {
            let mut tx = store.begin().await.map_err(store_err)?;
            let had = ketnap_store::throttle::clear(
                &mut tx,
                &ketnap_store::throttle::account_key(&username),
            )
            .await
            .map_err(store_err)?;
            tx.commit().await.map_err(store_err)?;
            println!(
                "{} / {}",
                if had {
                    format!("Đã xóa các lần đăng nhập sai của {username}.")
                } else {
                    format!("{username} không bị chặn đăng nhập.")
                },
                if had { "Unlocked." } else { "Not throttled." }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn run_audit_verify(store: &Store) -> anyhow::Result<ExitCode> {
    let report = audit::verify(store).await.map_err(store_err)?;
    println!(
        "Số dòng nhật ký đã kiểm tra / audit rows checked: {}; bước đã ghi / recorded steps: {}",
        report.rows, report.events
    );
    match (report.first_broken, &report.event_broken) {
        (None, None) => {
            println!(
                "Chuỗi nhật ký và các bước đã ghi toàn vẹn. / The audit chain and every recorded step verify."
            );
            Ok(ExitCode::SUCCESS)
        }
        (Some(seq), _) => {
            println!(
                "Chuỗi nhật ký bị hỏng từ dòng {seq}. / The audit chain is broken at row {seq}: {}",
                report.reason.as_deref().unwrap_or("")
            );
            Ok(ExitCode::FAILURE)
        }
        (None, Some(what)) => {
            println!(
                "Một bước đã ghi bị sửa, xóa hoặc đảo thứ tự. / A recorded step was edited, deleted or reordered: {what}"
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

async fn run_rebuild(store: &Store, book: &RuleBook) -> anyhow::Result<ExitCode> {
    let report = rebuild::rebuild(store, book).await.map_err(store_err)?;
    println!(
        "Đã dựng lại / rebuilt: {} hồ sơ / candidacies, {} bước / events",
        report.candidacies, report.events
    );
    let shown = 50;
    for (id, what) in report.projection_differences.iter().take(shown) {
        println!("  hồ sơ / candidacy {id}: {what}");
    }
    for (org, period, metric, stored, recomputed) in report.counter_differences.iter().take(shown) {
        println!(
            "  bộ đếm / counter org {org} {period} {metric}: lưu / stored {stored}, tính lại / recomputed {recomputed}"
        );
    }
    for (a, d, stored, expected) in report.closure_differences.iter().take(shown) {
        println!(
            "  bảng bao đóng / closure ({a}, {d}): lưu / stored {stored:?}, đúng / expected {expected:?}"
        );
    }
    for (org, period, metric) in report.counter_sum_differences.iter().take(shown) {
        println!(
            "  tổng theo cây / subtree sum org {org} {period} {metric}: khác bộ đếm / differs"
        );
    }
    for id in report.spell_differences.iter().take(shown) {
        println!(
            "  giai đoạn / stage spells of candidacy #{id}: khác các bước / differ from the events"
        );
    }
    for (org, facet) in report.member_facet_differences.iter().take(shown) {
        println!(
            "  thành phần đảng viên / membership composition org {org} {facet}: khác danh sách / differs from the roster"
        );
    }
    let total = report.projection_differences.len()
        + report.counter_differences.len()
        + report.closure_differences.len()
        + report.counter_sum_differences.len()
        + report.spell_differences.len()
        + report.member_facet_differences.len();
    if report.is_clean() {
        println!("Không có sai lệch. / No differences.");
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "{total} sai lệch ({} hồ sơ, {} bộ đếm, {} bảng bao đóng, {} tổng theo cây, {} giai đoạn, {} thành phần đảng viên). / {total} differences.",
            report.projection_differences.len(),
            report.counter_differences.len(),
            report.closure_differences.len(),
            report.counter_sum_differences.len(),
            report.spell_differences.len(),
            report.member_facet_differences.len()
        );
        Ok(ExitCode::FAILURE)
    }
}

async fn run_backup(store: &Store, path: &Path) -> anyhow::Result<ExitCode> {
    if store.engine() == ketnap_store::Engine::Postgres {
        eprintln!(
            "Với PostgreSQL, hãy sao lưu bằng pg_dump -Fc và khôi phục bằng pg_restore (xem docs/OPERATIONS.md).\n\
             For PostgreSQL, back up with pg_dump -Fc and restore with pg_restore (see docs/OPERATIONS.md)."
        );
        return Ok(ExitCode::FAILURE);
    }
    ops::backup(store, path).await.map_err(store_err)?;
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    println!(
        "Đã sao lưu vào {} ({size} byte). / Backed up to {}.",
        path.display(),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The file of a `sqlite:` URL.
fn sqlite_file(url: &str) -> anyhow::Result<PathBuf> {
    if !url.starts_with("sqlite:") {
        bail!(
            "Lệnh restore chỉ dùng cho SQLite; với PostgreSQL hãy dùng pg_restore (xem docs/OPERATIONS.md). \
             / restore is for SQLite only; for PostgreSQL use pg_restore (docs/OPERATIONS.md)."
        );
    }
    // sqlite:PATH, sqlite://PATH, with optional ?mode=… parameters (as sqlx reads them).
    let rest = &url["sqlite:".len()..];
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let file = rest.split('?').next().unwrap_or(rest);
    if file.is_empty() || file == ":memory:" {
        bail!("--db không trỏ tới một tệp SQLite / --db does not name a SQLite file");
    }
    Ok(PathBuf::from(file))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// `PRAGMA integrity_check` and `audit verify` on a copy; a sound copy is first brought to this
/// version's schema (a backup taken before an upgrade keeps its audit rows in the layout of its
/// time: migration 16 made them chain 0).
async fn check_copy(copy: &Path) -> anyhow::Result<(Vec<String>, audit::VerifyReport)> {
    let store = connect(&format!("sqlite:{}", copy.display())).await?;
    let problems = match ops::integrity_check(&store).await.map_err(store_err) {
        Ok(p) => p,
        Err(e) => {
            store.close().await;
            return Err(e);
        }
    };
    if !problems.is_empty() {
        store.close().await;
        return Ok((problems, audit::VerifyReport::default()));
    }
    let verify = match store.migrate().await.map_err(store_err) {
        Ok(()) => audit::verify(&store).await.map_err(store_err),
        Err(e) => Err(e),
    };
    store.close().await;
    Ok((problems, verify?))
}

/// Remove a database file with its WAL and shared-memory files (best effort: cleanup only).
fn remove_with_wal(path: &Path) {
    for p in [
        path.to_path_buf(),
        with_suffix(path, "-wal"),
        with_suffix(path, "-shm"),
    ] {
        let _ = std::fs::remove_file(p);
    }
}

async fn run_restore(url: &str, from: &Path, force: bool) -> anyhow::Result<ExitCode> {
    let target = sqlite_file(url)?;
    if !from.is_file() {
        bail!(
            "Không tìm thấy tệp sao lưu {} / backup file not found",
            from.display()
        );
    }
    if target.exists() && !force {
        bail!(
            "Cơ sở dữ liệu {} đã tồn tại; dùng --force để thay thế (hãy dừng máy chủ trước). \
             / {} exists; pass --force to replace it (stop the server first).",
            target.display(),
            target.display()
        );
    }
    // Check a copy beside the target, then move it into place: the target is never half-written.
    let staging = with_suffix(&target, ".restoring");
    for p in [
        staging.clone(),
        with_suffix(&staging, "-wal"),
        with_suffix(&staging, "-shm"),
    ] {
        if p.exists() {
            std::fs::remove_file(&p).with_context(|| format!("removing {}", p.display()))?;
        }
    }
    std::fs::copy(from, &staging)
        .with_context(|| format!("copying {} to {}", from.display(), staging.display()))?;
    let (problems, verify) = match check_copy(&staging).await {
        Ok(checked) => checked,
        Err(e) => {
            remove_with_wal(&staging);
            return Err(e.context(format!(
                "Không đọc được tệp sao lưu {} / cannot read the backup",
                from.display()
            )));
        }
    };
    if !problems.is_empty() {
        remove_with_wal(&staging);
        println!("PRAGMA integrity_check:");
        for p in problems.iter().take(20) {
            println!("  {p}");
        }
        println!("Tệp sao lưu bị hỏng; chưa khôi phục. / The backup is damaged; nothing restored.");
        return Ok(ExitCode::FAILURE);
    }
    println!("PRAGMA integrity_check: ok");
    println!(
        "Số dòng nhật ký đã kiểm tra / audit rows checked: {}",
        verify.rows
    );
    if let Some(seq) = verify.first_broken {
        remove_with_wal(&staging);
        println!(
            "Chuỗi nhật ký của bản sao lưu bị hỏng từ dòng {seq}; chưa khôi phục. \
             / The backup's audit chain is broken at row {seq}: {}; nothing restored.",
            verify.reason.as_deref().unwrap_or("")
        );
        return Ok(ExitCode::FAILURE);
    }
    if let Some(what) = &verify.event_broken {
        remove_with_wal(&staging);
        println!(
            "Một bước đã ghi trong bản sao lưu bị sửa hoặc xóa; chưa khôi phục. \
             / A recorded step in the backup was tampered with: {what}; nothing restored."
        );
        return Ok(ExitCode::FAILURE);
    }
    // The old database's WAL and shared-memory files belong to the old file: remove them with it.
    for p in [with_suffix(&target, "-wal"), with_suffix(&target, "-shm")] {
        if p.exists() {
            std::fs::remove_file(&p).with_context(|| format!("removing {}", p.display()))?;
        }
    }
    for p in [with_suffix(&staging, "-wal"), with_suffix(&staging, "-shm")] {
        if p.exists() {
            std::fs::remove_file(&p).with_context(|| format!("removing {}", p.display()))?;
        }
    }
    std::fs::rename(&staging, &target)
        .with_context(|| format!("moving {} to {}", staging.display(), target.display()))?;
    println!(
        "Đã khôi phục {} từ {}. / Restored {} from {}.",
        target.display(),
        from.display(),
        target.display(),
        from.display()
    );
    Ok(ExitCode::SUCCESS)
}

async fn run(mut cli: Cli) -> anyhow::Result<ExitCode> {
    let db = match cli.db.take() {
        Some(db) => db,
        None => {
            ketnap_web::ServeConfig::load()
                .map_err(|e| anyhow::anyhow!("reading ketnap.toml / KETNAP_*: {e}"))?
                .db
        }
    };
    match cli.command {
        Command::Init {
            root_kind,
            root_code,
            root_name,
            admin,
            admin_name,
            password,
        } => {
            let store = connect(&db).await?;
            let args = golive::InitArgs {
                root_kind,
                root_code,
                root_name,
                admin,
                admin_name,
                password,
            };
            let code = golive::run_init(&store, args, hash_password).await;
            store.close().await;
            code
        }
        Command::Import {
            file,
            kind,
            dry_run,
        } => {
            let book = load_rules(cli.rules.as_ref())?;
            let store = connect(&db).await?;
            let code = golive::run_import(&store, &book, &file, &kind, dry_run).await;
            store.close().await;
            code
        }
        Command::Snapshot { year } => {
            let store = connect(&db).await?;
            let code = golive::run_snapshot(&store, year).await;
            store.close().await;
            code
        }
        Command::Rules { on, all } => {
            let book = load_rules(cli.rules.as_ref())?;
            if all {
                for set in book.versions() {
                    print_set(set);
                    println!();
                }
            } else {
                print_set(on.map_or_else(|| book.latest(), |d| book.in_force(d)));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { demo, bind } => {
            let book = load_rules(cli.rules.as_ref())?;
            run_serve(&db, book, demo, bind).await
        }
        Command::User { command } => {
            let store = connect(&db).await?;
            store.migrate().await.map_err(store_err)?;
            let result = run_user(&store, command).await;
            store.close().await;
            result
        }
        Command::Migrate => {
            let store = connect(&db).await?;
            store.migrate().await.map_err(store_err)?;
            println!("Đã cập nhật cấu trúc cơ sở dữ liệu. / Migrations applied.");
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo {
            seed,
            scale,
            password,
            today,
        } => {
            let book = load_rules(cli.rules.as_ref())?;
            let store = connect(&db).await?;
            let result = run_fill(
                &store,
                &book,
                seed,
                Fill::Demo(scale),
                &password,
                today.unwrap_or_else(today_vn),
            )
            .await;
            store.close().await;
            result.map(|()| ExitCode::SUCCESS)
        }
        Command::Gen {
            seed,
            scale,
            password,
            today,
        } => {
            let book = load_rules(cli.rules.as_ref())?;
            let store = connect(&db).await?;
            let result = run_fill(
                &store,
                &book,
                seed,
                Fill::Scale(scale),
                &password,
                today.unwrap_or_else(today_vn),
            )
            .await;
            store.close().await;
            result.map(|()| ExitCode::SUCCESS)
        }
        Command::Rebuild => {
            let book = load_rules(cli.rules.as_ref())?;
            let store = connect(&db).await?;
            let code = run_rebuild(&store, &book).await;
            store.close().await;
            code
        }
        Command::Calendar { command } => match command {
            CalendarCommand::Show { year } => {
                calendar::show(&load_rules(cli.rules.as_ref())?, year);
                Ok(ExitCode::SUCCESS)
            }
            CalendarCommand::Add {
                year,
                days_off,
                worked,
                source,
            } => {
                let Some(path) = cli.rules.as_ref() else {
                    bail!(
                        "Hãy chỉ tệp quy định của đơn vị bằng --rules hoặc KETNAP_RULES: lịch nghỉ được ghi vào đó."
                    );
                };
                calendar::add(path, year, &days_off, &worked, &source)?;
                println!("Đã ghi lịch nghỉ năm {year} vào {}.", path.display());
                Ok(ExitCode::SUCCESS)
            }
        },
        Command::AlertPass => {
            let book = load_rules(cli.rules.as_ref())?;
            let store = connect(&db).await?;
            store.migrate().await.map_err(store_err)?;
            let started = std::time::Instant::now();
            let result = ketnap_store::alert_queue::daily_pass(&store, &book, today_vn()).await;
            store.close().await;
            let n = result.map_err(store_err)?;
            println!(
                "Đã tính lại cảnh báo của {n} hồ sơ ({:.1} s). / Alert queue rewritten for {n} candidacies.",
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let store = connect(&db).await?;
            // The chains are checked in this version's layout (migration 16).
            store.migrate().await.map_err(store_err)?;
            let code = run_audit_verify(&store).await;
            store.close().await;
            code
        }
        Command::Backup { path } => {
            let store = connect(&db).await?;
            let code = run_backup(&store, &path).await;
            store.close().await;
            code
        }
        Command::Restore { path, force } => run_restore(&db, &path, force).await,
        Command::Report {
            org,
            period,
            format,
            out,
            today,
        } => {
            let store = connect(&db).await?;
            let code = run_report(
                &store,
                &org,
                &period,
                &format,
                out.as_deref(),
                today.unwrap_or_else(today_vn),
            )
            .await;
            store.close().await;
            code
        }
    }
}

async fn run_report(
    store: &Store,
    org: &str,
    period: &str,
    format: &str,
    out: Option<&Path>,
    today: jiff::civil::Date,
) -> anyhow::Result<ExitCode> {
    let period: ketnap_domain::plan::Period = period
        .parse()
        .map_err(|e: ketnap_domain::plan::PeriodError| anyhow::anyhow!("{e}"))?;
    if !matches!(format, "xlsx" | "csv" | "json") {
        bail!("--format phải là xlsx, csv hoặc json / must be xlsx, csv or json");
    }
    if format == "xlsx" && out.is_none() {
        bail!("--format xlsx cần --out TỆP / needs --out FILE");
    }
    let mut conn = store.read().await.map_err(store_err)?;
    let scope = ketnap_store::Scope::system();
    let org = ketnap_store::orgs::by_code(&mut conn, org)
        .await
        .map_err(|e| anyhow::anyhow!("{} / organisation {org}: {e}", e.message_vi()))?;
    let report = ketnap_io::report::build(&mut conn, &scope, org.org_id, period, today, 0)
        .await
        .map_err(store_err)?;
    drop(conn);
    let bytes = match format {
        "xlsx" => report.document.to_xlsx().context("writing xlsx")?,
        "csv" => report.document.to_csv().into_bytes(),
        _ => serde_json::to_vec_pretty(&report).context("writing json")?,
    };
    match out {
        Some(path) => {
            std::fs::write(path, &bytes).with_context(|| format!("writing {}", path.display()))?;
            eprintln!(
                "Đã ghi báo cáo {} vào {}. / Report written to {}.",
                period,
                path.display(),
                path.display()
            );
        }
        None => {
            use std::io::Write as _;
            std::io::stdout()
                .write_all(&bytes)
                .context("writing to stdout")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// mimalloc instead of glibc's allocator: an import allocates and frees millions of small
/// strings, and glibc's malloc spent a quarter of the 100,000-row roster import's CPU time
/// (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Request logs: ids and paths only (see ketnap_web::observe); RUST_LOG tunes the level.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_sessions=warn")
            }),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Lỗi / error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_url_is_shown_without_its_password() {
        assert_eq!(
            redact("postgres://ketnap:secret@127.0.0.1:5432/k"),
            "postgres://ketnap:***@127.0.0.1:5432/k"
        );
        assert_eq!(redact("sqlite:ketnap.db"), "sqlite:ketnap.db");
    }

    #[test]
    fn the_sqlite_file_comes_from_the_url_and_postgres_is_refused_for_restore() {
        assert_eq!(
            sqlite_file("sqlite:/tmp/x.db").unwrap_or_default(),
            PathBuf::from("/tmp/x.db")
        );
        assert!(sqlite_file("postgres://a@b/c").is_err());
    }
}
