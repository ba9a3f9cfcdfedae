use std::io::Write;
use std::path::PathBuf;

use clap::Parser;
use tyme_sandbox::{start, Client, Config, Dialect};

/// A Tyme-compatible local API server (OAuth, data, webhooks) for tests and demos.
///
/// The wire contract (request and response shapes, control API) is written down
/// in tests/sandbox/README.md. The first line on stdout is always
/// `listening on http://HOST:PORT`.
#[derive(Parser, Debug)]
#[command(name = "tyme-sandbox", version)]
struct Args {
    /// Port to listen on; 0 picks a free port.
    #[arg(long, default_value_t = 8787)]
    port: u16,

    /// Address to bind: a loopback one only (127.0.0.1, ::1, localhost).
    #[arg(long, default_value = "127.0.0.1")]
    host: String,

    /// Register an OAuth client: ID[:SECRET]=REDIRECT_URI[,REDIRECT_URI...]
    /// (repeatable). Redirect URIs must match exactly.
    #[arg(long = "client", value_name = "ID[:SECRET]=URIS")]
    clients: Vec<String>,

    /// /v1/authorize redirects at once instead of showing the sign-in form.
    #[arg(long)]
    auto_approve: bool,

    /// Enable the control API under /_sandbox/ (reset, state, log, faults, ...).
    /// Every control request must carry the header `X-Sandbox-Token: <token>`.
    #[arg(long)]
    control: bool,

    /// The control API's token (at least 16 characters; best passed in the
    /// environment, which other users cannot read). Without it, --control
    /// makes a random one and prints it as the second line on stdout,
    /// `control token: <token>`.
    #[arg(long, env = "TYME_SANDBOX_CONTROL_TOKEN", hide_env_values = true, value_name = "TOKEN")]
    control_token: Option<String>,

    /// Access token lifetime in seconds.
    #[arg(long, default_value_t = 3600, value_name = "SECONDS")]
    token_lifetime: i64,

    /// Authorization code lifetime in seconds (codes are single-use).
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    code_lifetime: i64,

    /// Persist state (data, webhooks, deliveries, tokens, clients) to this JSON
    /// file, written atomically after each change, loaded at start when present.
    #[arg(long, value_name = "PATH")]
    state_file: Option<PathBuf>,

    /// Start with demo categories, projects, tasks and sub-tasks (also the state
    /// that /_sandbox/reset returns to).
    #[arg(long)]
    demo: bool,

    /// Webhook delivery attempts per event and hook URL (retries on failure).
    #[arg(long, default_value_t = 3, value_name = "N")]
    webhook_attempts: u32,

    /// Delay before the first webhook retry, doubled each further retry.
    #[arg(long, default_value_t = 200, value_name = "MS")]
    webhook_backoff_ms: u64,

    /// Which reading of the Tyme API to speak: `seed` (tyme-api-seed.txt) or
    /// `live` (what Tyme's live client sends). The control API, the request
    /// log, faults and persistence are the same for both.
    #[arg(long, value_enum, default_value = "seed")]
    dialect: Dialect,

    /// Most time entries one `GET /data/times` answer holds (live dialect).
    #[arg(long, default_value_t = 100, value_name = "N")]
    times_page_size: usize,

    /// Seed of the fault randomness (which requests fail, latency jitter),
    /// for a replayable run; random when absent. `POST /_sandbox/faults`
    /// with `"seed": N` seeds it again.
    #[arg(long, value_name = "N")]
    seed: Option<u64>,

    /// Print one line per request (method, path, status, time) to stderr.
    #[arg(long, short)]
    verbose: bool,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let mut clients = Vec::new();
    for c in &args.clients {
        match Client::parse(c) {
            Ok(c) => clients.push(c),
            Err(e) => {
                eprintln!("tyme-sandbox: {e}");
                std::process::exit(2);
            }
        }
    }
    if args.token_lifetime <= 0 || args.code_lifetime <= 0 {
        eprintln!("tyme-sandbox: lifetimes must be positive");
        std::process::exit(2);
    }
    if args.times_page_size == 0 {
        eprintln!("tyme-sandbox: --times-page-size must be at least 1");
        std::process::exit(2);
    }
    let cfg = Config {
        host: args.host,
        port: args.port,
        control: args.control,
        auto_approve: args.auto_approve,
        clients,
        token_lifetime: args.token_lifetime,
        code_lifetime: args.code_lifetime,
        state_file: args.state_file,
        demo: args.demo,
        webhook_attempts: args.webhook_attempts,
        webhook_backoff_ms: args.webhook_backoff_ms,
        verbose: args.verbose,
        dialect: args.dialect,
        times_page_size: args.times_page_size,
        control_token: args.control_token.clone(),
        seed: args.seed,
    };
    let running = match start(cfg).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tyme-sandbox: cannot start: {e}");
            std::process::exit(1);
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {}", running.url());
        if args.control_token.is_none() {
            if let Some(t) = running.control_token() {
                let _ = writeln!(out, "control token: {t}");
            }
        }
        let _ = out.flush();
    }
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending::<()>().await } } => {}
    }
    running.stop();
}
