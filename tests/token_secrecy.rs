//! No token text reaches an error message: token-endpoint answers carrying a
//! (short) token in every field, success or error, JSON or HTML, must give
//! errors whose message, Display and Debug never contain it.  Data-endpoint
//! answers that echo a secret under a token/code/secret/password key have it
//! masked in the excerpt.
#![cfg(not(target_arch = "wasm32"))]

use tyme_tab::http::check_status;
use tyme_tab::oauth::{parse_token_response, Secret, TokenGrant};
use tyme_tab::ErrorKind;

/// Shorter than the 20 characters the generic redaction looks for.
const TOKEN: &str = "rt-9f8e7d6c5b4a3";
/// Any 6-character piece of it would already say too much.
fn leaks(text: &str) -> bool {
    let t = TOKEN.as_bytes();
    t.windows(6).any(|w| text.contains(std::str::from_utf8(w).unwrap()))
}

fn assert_clean(what: &str, e: &tyme_tab::Error) {
    for text in [e.message.clone(), e.to_string(), format!("{e:?}")] {
        assert!(!leaks(&text), "{what}: token text in {text:?}");
    }
}

fn html() -> String {
    format!("<!DOCTYPE html><html><body><p>Your refresh token {TOKEN} was rejected</p><input name=\"csrf\" value=\"{TOKEN}\"></body></html>")
}

fn success_bodies() -> Vec<String> {
    let t = TOKEN;
    vec![
        // Success without access_token, the token in every other field.
        format!(r#"{{"refresh_token":"{t}","token_type":"{t}","scope":"{t}","error_description":"{t}","message":"{t}"}}"#),
        format!(r#"{{"access_token":"","refresh_token":"{t}","token_type":"{t}"}}"#),
        format!(r#"{{"access_token":null,"id_token":"{t}","{t}":"{t}"}}"#),
        // A token present but a field of the wrong type or value.
        format!(r#"{{"access_token":"{t}","refresh_token":"{t}","expires_in":"{t}"}}"#),
        format!(r#"{{"access_token":"{t}","refresh_token":["{t}"]}}"#),
        format!(r#"{{"access_token":"{t}","refresh_token":"{t}","expires_in":-5}}"#),
        format!(r#"{{"access_token":["{t}"]}}"#),
        // Not an object, not JSON, cut off.
        format!(r#"["{t}"]"#),
        format!(r#""{t}""#),
        TOKEN.to_string(),
        // A form-encoded answer (read like JSON) with a bad expiry.
        format!("access_token={t}&refresh_token={t}&expires_in={t}"),
        format!(r#"{{"access_token":"{t}","refresh_token":"{t}"#),
        html(),
    ]
}

fn error_bodies() -> Vec<String> {
    let t = TOKEN;
    vec![
        format!(r#"{{"error":"invalid_grant","error_description":"refresh token {t} already used"}}"#),
        format!(r#"{{"error":"invalid_grant","error_description":"{t}"}}"#),
        format!(r#"{{"error":"invalid_client","error_description":"{t}","refresh_token":"{t}"}}"#),
        format!(r#"{{"error":"invalid_request","error_description":"code={t}"}}"#),
        format!(r#"{{"error":"unsupported_grant_type","error_description":"{t}"}}"#),
        format!(r#"{{"error":"server_error","error_description":"{t}","message":"{t}"}}"#),
        format!(r#"{{"error":"{t}","error_description":"{t}","message":"{t}","field":"{t}"}}"#),
        format!(r#"{{"error":"invalid_grant {t}"}}"#),
        format!(r#"{{"message":"token {t} expired","field":"refresh_token"}}"#),
        format!(r#"{{"error":["{t}"],"message":{{"x":"{t}"}}}}"#),
        TOKEN.to_string(),
        html(),
    ]
}

fn grants() -> [TokenGrant; 2] {
    [TokenGrant::AuthorizationCode, TokenGrant::RefreshToken]
}

/// The live client reads a token answer as JSON or form-encoded; so does this one.
#[test]
fn form_encoded_token_answer_is_read() {
    let body = format!("access_token={TOKEN}&refresh_token=r2&token_type=bearer&expires_in=60");
    let t = parse_token_response(TokenGrant::RefreshToken, 200, &[], body.as_bytes(), 0, None).unwrap();
    assert_eq!((t.access_token.expose(), t.refresh_token.expose(), t.expires_at_ms), (TOKEN, "r2", 60_000));
}

#[test]
fn token_success_answers_never_echo_a_token() {
    let prev = Secret::new(TOKEN);
    for body in success_bodies() {
        for grant in grants() {
            for previous in [None, Some(&prev)] {
                let r = parse_token_response(grant, 200, &[], body.as_bytes(), 0, previous);
                let e = r.expect_err(&body);
                assert_eq!(e.kind, ErrorKind::BadResponse, "{body}");
                assert_clean(&body, &e);
            }
        }
    }
}

#[test]
fn token_error_answers_never_echo_a_token() {
    let headers = vec![("Retry-After".to_string(), "7".to_string())];
    for status in [302, 400, 401, 403, 404, 409, 418, 422, 429, 500, 502, 503] {
        for body in error_bodies() {
            for grant in grants() {
                let e = parse_token_response(grant, status, &headers, body.as_bytes(), 0, None).expect_err(&body);
                assert_eq!(e.status, Some(status), "{body}");
                assert_clean(&format!("{status} {body}"), &e);
            }
        }
    }
}

#[test]
fn token_error_keeps_only_a_plain_error_code() {
    let body = format!(r#"{{"error":"invalid_grant","error_description":"refresh token {TOKEN} already used"}}"#);
    let e = parse_token_response(TokenGrant::RefreshToken, 400, &[], body.as_bytes(), 0, None).unwrap_err();
    assert_eq!(e.kind, ErrorKind::ReauthRequired);
    assert!(e.message.contains("invalid_grant"), "{}", e.message);
    assert!(!e.message.contains("already used"), "{}", e.message);

    let body = br#"{"error":"temporarily_unavailable","error_description":"try later"}"#;
    let e = parse_token_response(TokenGrant::RefreshToken, 503, &[("Retry-After".into(), "9".into())], body, 0, None).unwrap_err();
    assert_eq!((e.kind, e.retry_after), (ErrorKind::Server, Some(9)));
    assert!(e.message.contains("temporarily_unavailable"), "{}", e.message);
    assert!(!e.message.contains("try later"), "{}", e.message);

    // A code that is not a plain lower-case word is left out.
    let body = format!(r#"{{"error":"{TOKEN}"}}"#);
    let e = parse_token_response(TokenGrant::RefreshToken, 400, &[], body.as_bytes(), 0, None).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidInput);
}

#[test]
fn data_error_excerpts_mask_secret_keys() {
    let t = TOKEN;
    let bodies = [
        format!(r#"{{"error":"bad_request","message":"refresh_token={t} is not valid"}}"#),
        format!(r#"{{"error":"{t}","message":"access_token: {t}"}}"#),
        format!(r#"{{"message":"the client_secret {t} is wrong"}}"#),
        format!(r#"{{"message":"password \"{t}\" refused"}}"#),
        format!(r#"{{"access_token":"{t}","code":"{t}"}}"#),
        format!(r#"<html>refresh_token="{t}" code={t}</html>"#),
        format!("Authorization: Bearer {t}"),
    ];
    for status in [400, 401, 403, 404, 429, 500, 503] {
        for body in &bodies {
            let e = check_status(status, &[], body.as_bytes()).unwrap_err();
            assert_clean(body, &e);
        }
    }
    // Text without a secret key is kept for diagnosis.
    let e = check_status(400, &[], br#"{"error":"invalid","message":"time_start is not a date"}"#).unwrap_err();
    assert!(e.message.contains("time_start is not a date"), "{}", e.message);
}
