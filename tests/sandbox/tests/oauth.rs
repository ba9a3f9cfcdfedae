mod common;

use base64::Engine as _;
use common::*;
use serde_json::json;
use sha2::Digest as _;

async fn exchange(addr: &str, body: serde_json::Value) -> R {
    raw(addr, "POST", "/v1/access_token", &[("Content-Type", "application/json")], Some(&body.to_string()))
        .await
        .unwrap()
}

#[tokio::test]
async fn happy_path_code_to_tokens_and_data_access() {
    let s = server().await;
    let mut api = Api::new(&s);
    let (access, refresh) = sign_in(&mut api).await;
    assert_ne!(access, refresh);
    let r = api.get("/data/search_entity/?type=Project&name=").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!([]));
    assert_eq!(api.state().await["stats"]["tokens_issued"], 1);
}

#[tokio::test]
async fn token_response_shape_and_form_body() {
    let s = server().await;
    let addr = s.addr.to_string();
    let code = get_code(&addr, "app", "").await;
    let form = format!(
        "grant_type=authorization_code&code={code}&redirect_uri={}&client_id=app",
        enc(REDIRECT)
    );
    let r = raw(&addr, "POST", "/v1/access_token/", &[("Content-Type", "application/x-www-form-urlencoded")], Some(&form))
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    let j = r.json();
    assert_eq!(j["token_type"], "Bearer");
    assert_eq!(j["expires_in"], 3600);
    assert!(j["access_token"].as_str().unwrap().len() >= 32);
}

#[tokio::test]
async fn pkce_s256_verified_and_mismatch_rejected() {
    let s = server().await;
    let addr = s.addr.to_string();
    let verifier = "a".repeat(20) + &"Z9-._~".repeat(5) + "0123456789";
    let challenge =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    let extra = format!("&code_challenge={challenge}&code_challenge_method=S256");

    // wrong verifier
    let code = get_code(&addr, "app", &extra).await;
    let r = exchange(&addr, json!({"grant_type":"authorization_code","code":code,"redirect_uri":REDIRECT,"client_id":"app","code_verifier":"b".repeat(50)})).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "invalid_grant");

    // missing verifier
    let code = get_code(&addr, "app", &extra).await;
    let r = exchange(&addr, json!({"grant_type":"authorization_code","code":code,"redirect_uri":REDIRECT,"client_id":"app"})).await;
    assert_eq!(r.json()["error"], "invalid_grant");

    // right verifier
    let code = get_code(&addr, "app", &extra).await;
    let r = exchange(&addr, json!({"grant_type":"authorization_code","code":code,"redirect_uri":REDIRECT,"client_id":"app","code_verifier":verifier})).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn code_is_single_use_and_bound_to_redirect_and_client() {
    let s = server().await;
    let addr = s.addr.to_string();
    let code = get_code(&addr, "app", "").await;
    let body = json!({"grant_type":"authorization_code","code":code,"redirect_uri":REDIRECT,"client_id":"app"});
    assert_eq!(exchange(&addr, body.clone()).await.status, 200);
    let again = exchange(&addr, body).await;
    assert_eq!(again.status, 400);
    assert_eq!(again.json()["error"], "invalid_grant");

    let code = get_code(&addr, "app", "").await;
    let r = exchange(&addr, json!({"grant_type":"authorization_code","code":code,"redirect_uri":"http://127.0.0.1:9/other","client_id":"app"})).await;
    assert_eq!(r.json()["error"], "invalid_grant");
}

#[tokio::test]
async fn expired_code_is_rejected() {
    let s = server().await;
    let addr = s.addr.to_string();
    let code = get_code(&addr, "app", "").await;
    // The code's lifetime runs out now (the control API), not by the clock.
    let r = raw(&addr, "POST", "/_sandbox/expire_codes", &[], None).await.unwrap();
    assert_eq!(r.json()["expired"], 1);
    let r = exchange(&addr, json!({"grant_type":"authorization_code","code":code,"redirect_uri":REDIRECT,"client_id":"app"})).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error_description"], "code expired");
    // A code issued after that is not touched by it.
    let code = get_code(&addr, "app", "").await;
    let r = exchange(&addr, json!({"grant_type":"authorization_code","code":code,"redirect_uri":REDIRECT,"client_id":"app"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn client_secret_checked_when_registered() {
    let s = server().await;
    let addr = s.addr.to_string();
    let code = get_code(&addr, "secret-app", "").await;
    let r = exchange(&addr, json!({"grant_type":"authorization_code","code":code,"redirect_uri":REDIRECT,"client_id":"secret-app","client_secret":"wrong"})).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"], "invalid_client");
    assert!(!r.body.contains("s3cret"));
    let code = get_code(&addr, "secret-app", "").await;
    let r = exchange(&addr, json!({"grant_type":"authorization_code","code":code,"redirect_uri":REDIRECT,"client_id":"secret-app","client_secret":"s3cret"})).await;
    assert_eq!(r.status, 200);
    let r = exchange(&addr, json!({"grant_type":"password","client_id":"app"})).await;
    assert_eq!(r.json()["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn unregistered_redirect_or_unknown_client_is_a_400_page_not_a_redirect() {
    let s = server().await;
    let addr = s.addr.to_string();
    let evil = "http://evil.example/<script>";
    let r = raw(&addr, "GET", &format!("/v1/authorize?response_type=code&client_id=app&state=x&redirect_uri={}", enc(evil)), &[], None)
        .await
        .unwrap();
    assert_eq!(r.status, 400);
    assert!(r.header("location").is_none());
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(!r.body.contains("<script>"), "untrusted text must be escaped");
    assert!(r.body.contains("&lt;script&gt;"));

    let r = raw(&addr, "GET", &format!("/v1/authorize?response_type=code&client_id=nobody&redirect_uri={}", enc(REDIRECT)), &[], None)
        .await
        .unwrap();
    assert_eq!(r.status, 400);
    assert!(r.header("location").is_none());

    // a registered URI with a bad response_type redirects with an error
    let r = raw(&addr, "GET", &format!("/v1/authorize?response_type=token&client_id=app&state=q&redirect_uri={}", enc(REDIRECT)), &[], None)
        .await
        .unwrap();
    assert_eq!(r.status, 302);
    assert_eq!(query_param(&r.header("location").unwrap(), "error").as_deref(), Some("unsupported_response_type"));
}

#[tokio::test]
async fn interactive_form_approve_and_deny() {
    let s = tyme_sandbox::start(tyme_sandbox::Config { auto_approve: false, ..cfg() }).await.unwrap();
    let addr = s.addr.to_string();
    let q = format!("response_type=code&client_id=app&state=a%22b&redirect_uri={}", enc(REDIRECT));
    let r = raw(&addr, "GET", &format!("/v1/authorize?{q}"), &[], None).await.unwrap();
    assert_eq!(r.status, 200);
    for id in ["id=\"approve\"", "id=\"deny\"", "id=\"email\"", "id=\"password\""] {
        assert!(r.body.contains(id), "form lacks {id}");
    }
    assert!(r.body.contains("value=\"a&quot;b\""), "state must be escaped in the form");

    let form = |extra: &str| format!("{q}&{extra}");
    let ct = [("Content-Type", "application/x-www-form-urlencoded")];
    // approve needs email and password
    let r = raw(&addr, "POST", "/v1/authorize", &ct, Some(&form("decision=approve&email=&password="))).await.unwrap();
    assert_eq!(r.status, 400);
    assert!(r.header("location").is_none());
    let r = raw(&addr, "POST", "/v1/authorize", &ct, Some(&form("decision=approve&email=me%40x.test&password=pw"))).await.unwrap();
    assert_eq!(r.status, 302);
    let loc = r.header("location").unwrap();
    assert!(loc.starts_with(REDIRECT));
    assert!(query_param(&loc, "code").is_some());
    assert_eq!(query_param(&loc, "state").as_deref(), Some("a\"b"));

    let r = raw(&addr, "POST", "/v1/authorize", &ct, Some(&form("decision=deny"))).await.unwrap();
    assert_eq!(r.status, 302);
    let loc = r.header("location").unwrap();
    assert_eq!(query_param(&loc, "error").as_deref(), Some("access_denied"));
    assert!(query_param(&loc, "code").is_none());

    // the hidden fields are re-validated: a forged redirect gets the 400 page
    let forged = format!("response_type=code&client_id=app&redirect_uri={}&decision=approve&email=a&password=b", enc("http://evil.example/"));
    let r = raw(&addr, "POST", "/v1/authorize", &ct, Some(&forged)).await.unwrap();
    assert_eq!(r.status, 400);
    assert!(r.header("location").is_none());
}

#[tokio::test]
async fn refresh_rotates_and_old_refresh_token_is_spent() {
    let s = server().await;
    let mut api = Api::new(&s);
    let (old_access, refresh) = sign_in(&mut api).await;
    let body = json!({"grant_type":"refresh_token","refresh_token":refresh,"client_id":"app"});
    let r = api.post("/v1/refresh_token/", &body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let j = r.json();
    let new_access = j["access_token"].as_str().unwrap().to_string();
    assert_ne!(new_access, old_access);
    assert_ne!(j["refresh_token"].as_str().unwrap(), refresh);
    // spent
    let r = api.post("/v1/refresh_token", &body).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "invalid_grant");
    // old access token revoked, new one works
    api.token = Some(old_access);
    assert_eq!(api.get("/data/summary?from=2025-01-01%2000:00:00&to=2025-01-02%2000:00:00").await.status, 401);
    api.token = Some(new_access);
    assert_eq!(api.get("/data/summary?from=2025-01-01%2000:00:00&to=2025-01-02%2000:00:00").await.status, 200);
    assert_eq!(api.state().await["stats"]["refreshes"], 1);
}

#[tokio::test]
async fn data_calls_need_a_valid_unexpired_token() {
    let s = server().await;
    let mut api = Api::new(&s);
    let r = api.get("/data/search_entity?type=Project&name=").await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"], "unauthorized");
    api.token = Some("nope".into());
    assert_eq!(api.get("/data/search_entity?type=Project&name=").await.status, 401);
    assert_eq!(api.post("/webhooks/subscribe", &json!({"hook_url":"http://127.0.0.1:1/","trigger_type":"task"})).await.status, 401);

    let (_, refresh) = sign_in(&mut api).await;
    assert_eq!(api.get("/data/search_entity?type=Project&name=").await.status, 200);
    let r = raw(&api.addr, "POST", "/_sandbox/expire_tokens", &[], None).await.unwrap();
    assert_eq!(r.json()["expired"], 1);
    assert_eq!(api.get("/data/search_entity?type=Project&name=").await.status, 401);
    // the refresh token still works after expiry
    let r = api.post("/v1/refresh_token", &json!({"grant_type":"refresh_token","refresh_token":refresh,"client_id":"app"})).await;
    assert_eq!(r.status, 200);
}

/// The configured lifetime is the one the token answer announces, for a
/// sign-in and a refresh (its expiry itself: `expire_tokens` above, never
/// the wall clock).
#[tokio::test]
async fn token_lifetime_is_configurable() {
    let s = tyme_sandbox::start(tyme_sandbox::Config { token_lifetime: 7321, ..cfg() }).await.unwrap();
    let addr = s.addr.to_string();
    let code = get_code(&addr, "app", "").await;
    let r = exchange(&addr, json!({"grant_type":"authorization_code","code":code,"redirect_uri":REDIRECT,"client_id":"app"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["expires_in"], 7321);
    let refresh = r.json()["refresh_token"].as_str().unwrap().to_string();
    let mut api = Api::new(&s);
    api.token = Some(r.json()["access_token"].as_str().unwrap().to_string());
    assert_eq!(api.get("/data/search_entity?type=Project&name=").await.status, 200);
    let r = api.post("/v1/refresh_token", &json!({"grant_type":"refresh_token","refresh_token":refresh,"client_id":"app"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["expires_in"], 7321);
}
