//! Tests that run the real binary: the listening line, --help, flags, and
//! persistence across a restart.
mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::*;
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_tyme-sandbox");

struct Proc(Child, String);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The sandbox binary started with `args`, its control token set, stdout and stderr piped.
fn start(args: &[&str]) -> std::process::Child {
    Command::new(BIN)
        .args(args)
        .env("TYME_SANDBOX_CONTROL_TOKEN", CONTROL_TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn spawn(args: &[&str]) -> Proc {
    let mut child = start(args);
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("first line was {line:?}"))
        .to_string();
    Proc(child, addr)
}

#[test]
fn help_documents_the_flags() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in ["--port", "--client", "--auto-approve", "--control", "--token-lifetime", "--state-file", "--demo", "--webhook-attempts", "--dialect", "--times-page-size"] {
        assert!(text.contains(flag), "--help lacks {flag}");
    }
}

#[test]
fn bad_client_flag_is_refused() {
    let out = Command::new(BIN).args(["--port", "0", "--client", "nouris"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--client"));
}

#[tokio::test]
async fn binary_serves_and_state_survives_a_restart() {
    let dir = std::env::temp_dir().join(format!("tyme-sandbox-test-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("state.json");
    let file_s = file.to_str().unwrap().to_string();
    let client = format!("app={REDIRECT}");
    let args = ["--port", "0", "--control", "--auto-approve", "--client", &client, "--state-file", &file_s];

    let p = spawn(&args);
    let mut api = Api { addr: p.1.clone(), token: None };
    let (_, refresh) = sign_in(&mut api).await;
    let c = api.update(json!({"type":"ProjectCategory","id":"keep-me","name":"Persisted"})).await;
    assert_eq!(c.status, 200);
    assert_eq!(api.subscribe("http://127.0.0.1:1/h", "task").await.status, 200);
    assert!(file.exists());
    // atomic write: no temp file left behind
    let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    drop(p);

    let p = spawn(&args);
    api.addr = p.1.clone();
    // the token issued before the restart still works
    let r = api.get("/data/search_entity/?type=ProjectCategory&name=persist").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!([{"type":"ProjectCategory","id":"keep-me","name":"Persisted"}]));
    assert_eq!(api.state().await["webhooks"].as_array().unwrap().len(), 1);
    let r = api.post("/v1/refresh_token", &json!({"grant_type":"refresh_token","refresh_token":refresh,"client_id":"app"})).await;
    assert_eq!(r.status, 200);
    drop(p);
    let _ = std::fs::remove_dir_all(&dir);
}

/// --dialect picks the dialect (seed by default), --times-page-size the
/// page of /data/times; wrong values stop the start with exit 2.
#[tokio::test]
async fn dialect_and_times_page_size_flags() {
    let p = spawn(&["--port", "0"]);
    let r = raw(&p.1, "GET", "/", &[], None).await.unwrap();
    assert_eq!(r.json()["dialect"], "seed");
    drop(p);
    let client = format!("app={REDIRECT}");
    let p = spawn(&["--port", "0", "--dialect", "live", "--times-page-size", "1", "--auto-approve", "--client", &client]);
    let r = raw(&p.1, "GET", "/", &[], None).await.unwrap();
    assert_eq!(r.json()["dialect"], "live");
    let mut api = Api { addr: p.1.clone(), token: None };
    live_sign_in(&mut api).await;
    let r = api.live_update(json!({"type":"Project","id":"p","name":"P"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = api.live_update(json!({"type":"TimedTask","id":"t","name":"T","related_id":"p"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    for (id, start) in [("1", "2026-11-29 09:00:00"), ("2", "2026-11-29 10:00:00")] {
        let body = json!({"type":"TimedTaskRecord","id":id,"related_id":"t","user_id":"1001","time_start":start});
        assert_eq!(api.live_update(body).await.status, 200);
    }
    let q = "/data/times?from=2026-11-29%2000:00:00&to=2026-11-29%2023:59:59";
    assert_eq!(api.get(q).await.json()["data"].as_array().unwrap().len(), 1);
    assert_eq!(api.get(&format!("{q}&start=1")).await.json()["data"][0]["id"], 2);
    drop(p);
    for bad in [["--dialect", "modern"], ["--times-page-size", "0"]] {
        let out = Command::new(BIN).args(["--port", "0"]).args(bad).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(bad[0]), "{bad:?}");
    }
}

#[tokio::test]
async fn demo_flag_and_control_flag() {
    let p = spawn(&["--port", "0", "--demo"]);
    let r = raw(&p.1, "GET", "/_sandbox/state", &[], None).await.unwrap();
    assert_eq!(r.status, 404, "control is off by default");
    drop(p);
    let p = spawn(&["--port", "0", "--demo", "--control"]);
    let r = raw(&p.1, "GET", "/_sandbox/state", &[], None).await.unwrap();
    assert!(r.json()["tasks"].as_array().unwrap().len() >= 3);
}

/// Run the binary until it exits (at most 10 s, then kill it and fail):
/// (exit code, stdout, stderr).
fn run_to_exit(args: &[&str]) -> (Option<i32>, String, String) {
    let child = start(args);
    let pid = child.id();
    // Waited for on a thread; its exit is the event, 10 s a safety net.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(std::time::Duration::from_secs(10)) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("the binary kept running with args {args:?}");
        }
    };
    let status = out.status;
    let (out, err) = (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
    (status.code(), out, err)
}

/// A state file that cannot be loaded (edited by hand into a broken date,
/// not JSON, not a file) stops the start with exit 1 and a message naming
/// the file, not a panic, and the file is left as it was.
#[test]
fn a_state_file_that_fails_to_load_stops_the_start_naming_the_file() {
    let dir = std::env::temp_dir().join(format!("tyme-sandbox-test-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("state.json");
    let file_s = file.to_str().unwrap().to_string();
    let entry = |start: &str, end: Value| {
        json!({"data":{"categories":[],"projects":[{"id":"p","name":"P","category_id":null,"rounding_method":"NEAREST","rounding_minutes":0,"hourly_rate":0.0,"planned_duration_hours":0.0,"planned_budget":0.0}],
            "tasks":[{"id":"t","name":"T","project_id":"p","billable":false,"planned_duration":0}],"subtasks":[],
            "time_entries":[{"id":"e1","task_id":"t","subtask_id":null,"time_start":start,"time_end":end,"note":""}],
            "webhooks":[],"deliveries":[],"stats":{"tokens_issued":0,"refreshes":0}}})
        .to_string()
    };
    let cases = [
        (entry("2025-1-01 9:00:00", Value::Null), "time_start"),
        (entry("2025-01-01 09:00:00", json!("later")), "time_end"),
        (entry("2025-01-01 09:00:00", json!("2025-01-01 08:00:00")), "time_end is before time_start"),
        ("{\"data\": {".to_string(), "EOF"),
    ];
    for (text, what) in cases {
        std::fs::write(&file, &text).unwrap();
        let (code, out, err) = run_to_exit(&["--port", "0", "--state-file", &file_s]);
        assert_eq!(code, Some(1), "stdout {out:?} stderr {err:?}");
        assert!(!out.contains("listening"), "{out}");
        assert!(err.contains(&format!("state file {file_s}")), "{err}");
        assert!(err.contains(what), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), text, "the file is not overwritten");
    }
    // a path that exists but is no file
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    let (code, _, err) = run_to_exit(&["--port", "0", "--state-file", &file_s]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains(&format!("state file {file_s}")), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The state file holds tokens and client secrets: it is written owner-only
/// (0600) whatever the umask, also when it replaces a wider file.
#[tokio::test]
async fn the_state_file_is_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("tyme-sandbox-test-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("state.json");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;

    let s = tyme_sandbox::start(tyme_sandbox::Config { state_file: Some(file.clone()), ..cfg() }).await.unwrap();
    let api = signed_in(&s).await;
    assert_eq!(api.update(json!({"type":"ProjectCategory","name":"C"})).await.status, 200);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("access_token"), "the file does hold tokens");
    assert_eq!(mode(&file), 0o600, "new state file");
    s.stop();

    // an existing world-readable file is replaced by an owner-only one
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let s = tyme_sandbox::start(tyme_sandbox::Config { state_file: Some(file.clone()), ..cfg() }).await.unwrap();
    assert_eq!(mode(&file), 0o600, "rewritten state file");
    s.stop();
    let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 1, "no temp file left: {names:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
