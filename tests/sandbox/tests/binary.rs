//! Tests that run the real binary: the listening line, --help, flags, and
//! persistence across a restart.
mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::*;
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_tyme-sandbox");

struct Proc(Child, String);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str]) -> Proc {
    let mut child = Command::new(BIN).args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
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
    for flag in ["--port", "--client", "--auto-approve", "--control", "--token-lifetime", "--state-file", "--demo", "--webhook-attempts"] {
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
    api.post("/webhooks/subscribe", &json!({"hook_url":"http://127.0.0.1:1/h","trigger_type":"task"})).await;
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
