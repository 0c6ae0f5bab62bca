//! The `ketnap` binary: thin — parse flags, call the crates.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use ketnap_domain::RuleBook;

/// ketnap — công tác phát triển đảng viên.
#[derive(Parser)]
#[command(name = "ketnap", version, about)]
struct Cli {
    /// A TOML file of rule overrides (see docs/RULES.md).
    #[arg(long, global = true, env = "KETNAP_RULES")]
    rules: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the active rule set with citations.
    Rules {
        /// Show the version in force on this date (YYYY-MM-DD); default: the newest.
        #[arg(long)]
        on: Option<jiff::civil::Date>,
        /// Print every version, not only one.
        #[arg(long)]
        all: bool,
    },
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

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
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
        }
    }
    Ok(())
}
