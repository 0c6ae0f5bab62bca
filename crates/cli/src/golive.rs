//! Going live: `ketnap init`, `ketnap import`, `ketnap export`, `ketnap snapshot`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use ketnap_domain::RuleBook;
use ketnap_io::import::{self, Kind, Options};
use ketnap_store::setup::{self, FirstAdmin, Root};
use ketnap_store::{Scope, Store, WriteCtx};

/// What `ketnap init` was given on the command line (any missing value is asked for when a
/// terminal is attached).
pub struct InitArgs {
    /// Kinds of the roots.
    pub root_kind: Vec<String>,
    /// Codes of the roots.
    pub root_code: Vec<String>,
    /// Names of the roots.
    pub root_name: Vec<String>,
    /// The administrator's login.
    pub admin: Option<String>,
    /// The administrator's name shown.
    pub admin_name: Option<String>,
    /// The administrator's password.
    pub password: Option<String>,
}

fn ask(prompt: &str, secret: bool) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        bail!("Thiếu {prompt} (không có bàn phím để hỏi: hãy dùng tham số). / Missing {prompt}.");
    }
    print!("{prompt}: ");
    std::io::stdout().flush().ok();
    // The password is not echoed (stty on the controlling terminal, where there is one).
    let hide = secret
        && std::process::Command::new("stty")
            .arg("-echo")
            .stdin(std::process::Stdio::inherit())
            .status()
            .is_ok_and(|s| s.success());
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if hide {
        let _ = std::process::Command::new("stty")
            .arg("echo")
            .stdin(std::process::Stdio::inherit())
            .status();
        println!();
    }
    read.context("reading the answer")?;
    Ok(line.trim().to_string())
}

fn or_ask(v: Option<String>, prompt: &str, secret: bool) -> anyhow::Result<String> {
    match v {
        Some(v) if !v.trim().is_empty() => Ok(v),
        _ => ask(prompt, secret),
    }
}

/// `ketnap init`.
pub async fn run_init(
    store: &Store,
    args: InitArgs,
    hash: impl Fn(&str) -> anyhow::Result<String>,
) -> anyhow::Result<ExitCode> {
    store.migrate().await.map_err(crate::store_err)?;
    {
        let mut tx = store.begin().await.map_err(crate::store_err)?;
        if !setup::is_blank(&mut tx).await.map_err(crate::store_err)? {
            bail!(
                "Cơ sở dữ liệu đã có dữ liệu; `ketnap init` chỉ chạy trên cơ sở dữ liệu trống. \
                 / The database already has data; init only runs on an empty database."
            );
        }
    }
    let mut specs: Vec<(String, String, String)> = Vec::new();
    let n = args
        .root_kind
        .len()
        .max(args.root_code.len())
        .max(args.root_name.len());
    if n == 0 {
        specs.push((
            ask(
                "Loại tổ chức cao nhất (Tỉnh ủy, Huyện ủy, Đảng ủy xã, Đảng ủy phường…)",
                false,
            )?,
            ask("Mã tổ chức (ví dụ HU-HL)", false)?,
            ask("Tên tổ chức (ví dụ Đảng bộ huyện Hòa Lâm)", false)?,
        ));
    } else {
        if args.root_kind.len() != n || args.root_code.len() != n || args.root_name.len() != n {
            bail!(
                "Mỗi tổ chức cao nhất cần đủ --root-kind, --root-code và --root-name. \
                 / Each root needs --root-kind, --root-code and --root-name."
            );
        }
        for i in 0..n {
            specs.push((
                args.root_kind[i].clone(),
                args.root_code[i].clone(),
                args.root_name[i].clone(),
            ));
        }
    }
    let mut roots = Vec::new();
    for (kind, code, name) in specs {
        let Some(k) = import::parse_org_kind(&kind, "") else {
            bail!("Không nhận ra loại tổ chức “{kind}”. / Unknown organisation kind.");
        };
        if ketnap_domain::org::check_parent(&k, None).is_err() {
            bail!(
                "{} không thể là tổ chức cao nhất: hãy chọn tỉnh ủy, huyện ủy, đảng ủy khối hoặc đảng ủy xã, phường. \
                 / This kind cannot head a tree.",
                k.label()
            );
        }
        roots.push(Root {
            code,
            name,
            kind: k,
        });
    }
    let username = or_ask(args.admin, "Tên đăng nhập của quản trị viên", false)?;
    let display_name = or_ask(args.admin_name, "Họ và tên quản trị viên", false)?;
    let password = match args.password {
        Some(p) if !p.is_empty() => p,
        _ => {
            let a = ask("Mật khẩu (ít nhất 8 ký tự)", true)?;
            let b = ask("Nhập lại mật khẩu", true)?;
            if a != b {
                bail!("Hai lần nhập mật khẩu không khớp. / The passwords differ.");
            }
            a
        }
    };
    if password.chars().count() < 8 {
        bail!("Mật khẩu phải có ít nhất 8 ký tự. / The password needs at least 8 characters.");
    }
    let admin = FirstAdmin {
        username: username.clone(),
        display_name,
        password_hash: hash(&password)?,
    };
    let ctx = WriteCtx::new(None, jiff::Timestamp::now());
    let made = setup::init(store, &ctx, &roots, &admin)
        .await
        .map_err(|e| anyhow::anyhow!("{} / {e}", e.message_vi()))?;
    for r in &roots {
        println!("Đã tạo {} “{}” (mã {}).", r.kind.label(), r.name, r.code);
    }
    println!(
        "Đã tạo tài khoản quản trị {username}. Tiếp theo: `ketnap import TỆP --kind orgs`, rồi members, candidates… \
         / Created {} root(s) and the admin account.",
        made.root_ids.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// `ketnap import`.
pub async fn run_import(
    store: &Store,
    book: &RuleBook,
    file: &Path,
    kind: &str,
    dry_run: bool,
) -> anyhow::Result<ExitCode> {
    let Some(kind) = Kind::from_code(kind) else {
        bail!(
            "--kind phải là orgs, members, people, candidates, mentors hoặc plans. / Unknown kind."
        );
    };
    let bytes = std::fs::read(file).with_context(|| format!("đọc / reading {}", file.display()))?;
    store.migrate().await.map_err(crate::store_err)?;
    let ctx = WriteCtx::new(None, jiff::Timestamp::now());
    let options = Options {
        dry_run,
        file_name: file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        limits: ketnap_io::sheet::Limits::default(),
    };
    let tty = std::io::stderr().is_terminal();
    let progress = move |done: usize, total: usize| {
        if tty {
            eprint!("\rĐang xử lý {done}/{total} dòng…");
        }
    };
    let started = std::time::Instant::now();
    let outcome = import::import(
        store,
        book,
        &Scope::system(),
        &ctx,
        kind,
        &bytes,
        &options,
        &progress,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{} / {e}", e.message_vi()))?;
    if tty {
        eprintln!();
    }
    println!("{}: {} dòng.", kind.label_vi(), outcome.rows);
    for p in &outcome.problems {
        let col = p
            .column
            .as_deref()
            .map(|c| format!(", cột “{c}”"))
            .unwrap_or_default();
        let rule = p
            .rule
            .as_deref()
            .map(|r| format!(" [{r}]"))
            .unwrap_or_default();
        println!("Dòng {}{col}: {}{rule}", p.line, p.message_vi);
    }
    if outcome.ok() {
        for (what, n) in &outcome.summary {
            println!("  {what}: {n}");
        }
        for notice in &outcome.notices {
            println!("Lưu ý: {notice}");
        }
        if outcome.committed {
            println!(
                "Đã nhập toàn bộ ({:.1} s). / Imported.",
                started.elapsed().as_secs_f64()
            );
        } else {
            println!(
                "Kiểm tra xong, không có lỗi; chưa ghi gì (--dry-run). / Checked, nothing written."
            );
        }
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "Có {} lỗi: không ghi dòng nào. Sửa tệp rồi nhập lại. / {} problem(s): nothing written.",
            outcome.problems.len(),
            outcome.problems.len()
        );
        Ok(ExitCode::from(1))
    }
}

/// `ketnap snapshot --year Y`.
pub async fn run_snapshot(store: &Store, year: Option<i16>) -> anyhow::Result<ExitCode> {
    store.migrate().await.map_err(crate::store_err)?;
    let ctx = WriteCtx::new(None, jiff::Timestamp::now());
    let year = year.unwrap_or_else(|| ctx.today().year());
    let mut tx = store.begin().await.map_err(crate::store_err)?;
    let rows = ketnap_store::members::snapshot_start_of_year(
        &mut tx,
        &ctx,
        year,
        setup::first_of_year(year),
    )
    .await
    .map_err(crate::store_err)?;
    tx.commit().await.map_err(crate::store_err)?;
    if rows == 0 {
        println!("Đảng số đầu năm {year} đã được chốt từ trước; giữ nguyên. / Already taken.");
    } else {
        println!("Đã chốt đảng số đầu năm {year} cho {rows} tổ chức. / Snapshot taken.");
    }
    Ok(ExitCode::SUCCESS)
}
