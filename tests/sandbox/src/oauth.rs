//! OAuth 2.0: the authorize page (auto-approve or the sign-in form) and the
//! token endpoints (code exchange with PKCE, refresh with rotation).

use base64::Engine as _;
use serde_json::{json, Map, Value};
use sha2::Digest as _;

use crate::http::{html_escape, html_resp, json_resp, oauth_err, pstr, redirect, Req, Resp};
use crate::model::{self, Dialect, TOKEN_USER};
use crate::state::{random_token, unix_now, App, Code, St, Token};

pub(crate) fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
<title>{t}</title><style>body{{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem}}\
label{{display:block;margin:.6rem 0}}input{{width:100%;padding:.4rem}}button{{margin:.8rem .5rem 0 0;padding:.4rem 1rem}}\
.error{{color:#b00}}</style></head><body>{body}</body></html>",
        t = html_escape(title)
    )
}

pub(crate) fn error_page(msg: &str) -> Resp {
    html_resp(
        400,
        page(
            "Authorization error",
            &format!("<h1>Authorization error</h1><p class=\"error\" id=\"error\">{}</p>", html_escape(msg)),
        ),
    )
}

pub(crate) fn append_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    let q = s.finish();
    let (base, frag) = match uri.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (uri, None),
    };
    let sep = if base.contains('?') { '&' } else { '?' };
    let mut out = format!("{base}{sep}{q}");
    if let Some(f) = frag {
        out.push('#');
        out.push_str(f);
    }
    out
}

pub(crate) struct AuthParams {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) redirect_given: bool,
    pub(crate) state: Option<String>,
    pub(crate) challenge: Option<(String, String)>,
}

/// Validate client and redirect URI (errors are pages, never redirects), then
/// the rest (errors are redirects).
pub(crate) fn auth_params(app: &App, m: &Map<String, Value>) -> Result<AuthParams, Resp> {
    let client_id = pstr(m, "client_id").unwrap_or_default();
    if client_id.is_empty() {
        return Err(error_page("client_id is missing."));
    }
    let client = {
        let st = app.lock();
        st.clients.iter().find(|c| c.client_id == client_id).cloned()
    };
    let Some(client) = client else {
        return Err(error_page(&format!("Unknown client {:?}.", model::truncate(&client_id))));
    };
    let given = pstr(m, "redirect_uri").filter(|s| !s.is_empty());
    let redirect_uri = match &given {
        Some(u) if client.redirect_uris.contains(u) => u.clone(),
        Some(u) => {
            return Err(error_page(&format!(
                "The redirect URI {:?} is not registered for this client.",
                model::truncate(u)
            )))
        }
        None if client.redirect_uris.len() == 1 => client.redirect_uris[0].clone(),
        None => return Err(error_page("redirect_uri is missing.")),
    };
    let state = pstr(m, "state").filter(|s| !s.is_empty());
    let err = |code: &str, desc: &str| {
        let mut pairs = vec![("error", code), ("error_description", desc)];
        if let Some(s) = &state {
            pairs.push(("state", s));
        }
        redirect(&append_query(&redirect_uri, &pairs))
    };
    if pstr(m, "response_type").as_deref() != Some("code") {
        return Err(err("unsupported_response_type", "response_type must be code"));
    }
    let challenge = match pstr(m, "code_challenge").filter(|s| !s.is_empty()) {
        None => None,
        Some(c) => {
            let method = pstr(m, "code_challenge_method").filter(|s| !s.is_empty()).unwrap_or_else(|| "plain".into());
            if method != "S256" && method != "plain" {
                return Err(err("invalid_request", "code_challenge_method must be S256"));
            }
            if c.len() < 43 || c.len() > 128 {
                return Err(err("invalid_request", "code_challenge has the wrong length"));
            }
            Some((c, method))
        }
    };
    Ok(AuthParams { client_id, redirect_uri, redirect_given: given.is_some(), state, challenge })
}

pub(crate) fn issue_code(app: &App, a: &AuthParams) -> Resp {
    let code = random_token(1);
    app.lock().codes.insert(
        code.clone(),
        Code {
            client_id: a.client_id.clone(),
            redirect_uri: if a.redirect_given { Some(a.redirect_uri.clone()) } else { None },
            challenge: a.challenge.clone(),
            expires_at: unix_now() + app.cfg.code_lifetime,
        },
    );
    let mut pairs = vec![("code", code.as_str())];
    if let Some(s) = &a.state {
        pairs.push(("state", s));
    }
    redirect(&append_query(&a.redirect_uri, &pairs))
}

pub(crate) fn sign_in_form(m: &Map<String, Value>, a: &AuthParams, error: Option<&str>) -> Resp {
    let mut hidden = String::new();
    for k in ["response_type", "client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method"] {
        if let Some(v) = pstr(m, k) {
            hidden.push_str(&format!(
                "<input type=\"hidden\" name=\"{k}\" value=\"{}\">",
                html_escape(&v)
            ));
        }
    }
    let err = error
        .map(|e| format!("<p class=\"error\" id=\"error\">{}</p>", html_escape(e)))
        .unwrap_or_default();
    let email = pstr(m, "email").unwrap_or_default();
    let body = format!(
        "<h1>Sign in to Tyme</h1><p><strong id=\"client\">{client}</strong> asks for access to your Tyme data.</p>{err}\
<form method=\"post\" action=\"/v1/authorize\">{hidden}\
<label>Email <input id=\"email\" name=\"email\" type=\"text\" autocomplete=\"username\" value=\"{email}\" required></label>\
<label>Password <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
<button id=\"approve\" type=\"submit\" name=\"decision\" value=\"approve\">Approve</button>\
<button id=\"deny\" type=\"submit\" name=\"decision\" value=\"deny\" formnovalidate>Deny</button></form>",
        client = html_escape(&a.client_id),
        email = html_escape(&email),
    );
    html_resp(if error.is_some() { 400 } else { 200 }, page("Sign in to Tyme (sandbox)", &body))
}

pub(crate) fn authorize_get(app: &App, req: &Req) -> Resp {
    let m: Map<String, Value> = req.query.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
    let a = match auth_params(app, &m) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let interactive = app.lock().interactive;
    if interactive {
        sign_in_form(&m, &a, None)
    } else {
        issue_code(app, &a)
    }
}

pub(crate) fn authorize_post(app: &App, req: &Req) -> Resp {
    let m = match req.params() {
        Ok(m) => m,
        Err(_) => return error_page("The form could not be read."),
    };
    let a = match auth_params(app, &m) {
        Ok(a) => a,
        Err(r) => return r,
    };
    match pstr(&m, "decision").as_deref() {
        Some("approve") => {
            let email = pstr(&m, "email").unwrap_or_default();
            let password = pstr(&m, "password").unwrap_or_default();
            if email.trim().is_empty() || password.is_empty() {
                return sign_in_form(&m, &a, Some("Enter an email and a password."));
            }
            issue_code(app, &a)
        }
        Some("deny") => {
            let mut pairs = vec![("error", "access_denied"), ("error_description", "the user denied access")];
            if let Some(s) = &a.state {
                pairs.push(("state", s));
            }
            redirect(&append_query(&a.redirect_uri, &pairs))
        }
        _ => sign_in_form(&m, &a, Some("Choose Approve or Deny.")),
    }
}

pub(crate) fn pkce_ok(challenge: &(String, String), verifier: &str) -> bool {
    if verifier.len() < 43 || verifier.len() > 128 {
        return false;
    }
    match challenge.1.as_str() {
        "S256" => {
            let d = sha2::Sha256::digest(verifier.as_bytes());
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(d) == challenge.0
        }
        _ => verifier == challenge.0,
    }
}

/// Which token endpoint was called.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum TokenPath {
    /// `/v1/access_token`: the code exchange (and the live refresh).
    Access,
    /// `/v1/refresh_token`: the seed's refresh.
    Refresh,
}

pub(crate) fn token(app: &App, req: &Req, path: TokenPath) -> Resp {
    let live = app.cfg.dialect == Dialect::Live;
    // The live client sends RFC 6749 form bodies; the seed reading takes
    // JSON or form.
    if live && !req.content_type().contains("application/x-www-form-urlencoded") {
        return oauth_err(400, "invalid_request", "token requests must be form-encoded");
    }
    let m = match req.params() {
        Ok(m) => m,
        Err(r) => return oauth_err(400, "invalid_request", &r.message),
    };
    // Client credentials: body, or HTTP Basic.
    let mut client_id = pstr(&m, "client_id").filter(|s| !s.is_empty());
    let mut secret = pstr(&m, "client_secret").filter(|s| !s.is_empty());
    if let Some(basic) = req
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.strip_prefix("Basic "))
    {
        if let Ok(dec) = base64::engine::general_purpose::STANDARD.decode(basic.trim()) {
            if let Some((i, s)) = String::from_utf8_lossy(&dec).split_once(':') {
                client_id = client_id.or(Some(i.to_string()));
                secret = secret.or(Some(s.to_string()).filter(|s| !s.is_empty()));
            }
        }
    }
    let grant = pstr(&m, "grant_type").unwrap_or_default();
    if grant.is_empty() {
        return oauth_err(400, "invalid_request", "grant_type is missing");
    }
    let Some(client_id) = client_id else {
        return oauth_err(400, "invalid_request", "client_id is missing");
    };
    let mut st = app.lock();
    let Some(client) = st.clients.iter().find(|c| c.client_id == client_id).cloned() else {
        return oauth_err(401, "invalid_client", "unknown client");
    };
    if let Some(expected) = &client.client_secret {
        if secret.as_deref() != Some(expected.as_str()) {
            return oauth_err(401, "invalid_client", "client authentication failed");
        }
    }
    let now = unix_now();
    match (grant.as_str(), path) {
        ("authorization_code", TokenPath::Access) => {
            let Some(code) = pstr(&m, "code").filter(|s| !s.is_empty()) else {
                return oauth_err(400, "invalid_request", "code is missing");
            };
            // Single use: the code is gone after the first attempt.
            let Some(c) = st.codes.remove(&code) else {
                return oauth_err(400, "invalid_grant", "unknown or already used code");
            };
            if c.expires_at <= now {
                return oauth_err(400, "invalid_grant", "code expired");
            }
            if c.client_id != client_id {
                return oauth_err(400, "invalid_grant", "code was issued to another client");
            }
            let redirect_uri = pstr(&m, "redirect_uri").filter(|s| !s.is_empty());
            if let Some(expected) = &c.redirect_uri {
                if redirect_uri.as_ref() != Some(expected) {
                    return oauth_err(400, "invalid_grant", "redirect_uri does not match the authorization request");
                }
            }
            if let Some(ch) = &c.challenge {
                let v = pstr(&m, "code_verifier").unwrap_or_default();
                if v.is_empty() {
                    return oauth_err(400, "invalid_grant", "code_verifier is missing");
                }
                if !pkce_ok(ch, &v) {
                    return oauth_err(400, "invalid_grant", "code_verifier does not match the code_challenge");
                }
            }
            let r = issue_tokens(app, &mut st, &client_id);
            st.data.stats.tokens_issued += 1;
            app.save(&st);
            r
        }
        ("refresh_token", TokenPath::Access) if !live => {
            oauth_err(400, "unsupported_grant_type", "refresh at /v1/refresh_token")
        }
        ("refresh_token", _) => {
            let Some(rt) = pstr(&m, "refresh_token").filter(|s| !s.is_empty()) else {
                return oauth_err(400, "invalid_request", "refresh_token is missing");
            };
            if st.spent.contains(&rt) {
                return oauth_err(400, "invalid_grant", "refresh token already used");
            }
            let Some(pos) = st.tokens.iter().position(|t| t.refresh_token == rt) else {
                return oauth_err(400, "invalid_grant", "unknown refresh token");
            };
            if st.tokens[pos].client_id != client_id {
                return oauth_err(400, "invalid_grant", "refresh token was issued to another client");
            }
            let old = st.tokens.remove(pos);
            st.spent.insert(old.refresh_token);
            let r = issue_tokens(app, &mut st, &client_id);
            st.data.stats.refreshes += 1;
            app.save(&st);
            r
        }
        ("authorization_code", TokenPath::Refresh) => oauth_err(400, "unsupported_grant_type", "use grant_type refresh_token here"),
        _ => oauth_err(400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token"),
    }
}

pub(crate) fn issue_tokens(app: &App, st: &mut St, client_id: &str) -> Resp {
    let t = Token {
        access_token: random_token(2),
        refresh_token: random_token(2),
        client_id: client_id.to_string(),
        expires_at: unix_now() + app.cfg.token_lifetime,
        user_id: TOKEN_USER.to_string(),
    };
    let body = json!({
        "access_token": t.access_token,
        "refresh_token": t.refresh_token,
        "token_type": "Bearer",
        "expires_in": app.cfg.token_lifetime,
    });
    st.tokens.push(t);
    json_resp(200, &body)
}
