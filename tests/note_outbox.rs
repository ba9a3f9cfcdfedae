//! Note scrubbing and the outbox: one test per rule, property tests of the
//! invariants, and bounded fuzz-like runs of the parsers (the long runs are in
//! fuzz/, see fuzz/README.md).

use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::HashMap;
use tyme_tab::note::{default_scrub_params, make_note, scrub_url, NoteOptions, DEFAULT_SCRUB_PARAMS};
use tyme_tab::outbox::{
    backoff_delay_ms, Failure, OpState, OutboxState, MAX_DELAY_MS, MAX_RETRY_AFTER_SECS, MIN_DELAY_MS,
    SEND_LEASE_MS,
};

fn scrub(u: &str) -> String {
    scrub_url(u, &default_scrub_params()).unwrap()
}

fn note(u: &str, t: &str) -> String {
    make_note(u, t, &NoteOptions::default()).unwrap()
}

fn note_len(u: &str, t: &str, max: usize) -> String {
    make_note(u, t, &NoteOptions { max_len: max, ..NoteOptions::default() }).unwrap()
}

// ---------------------------------------------------------------- note rules

#[test]
fn userinfo_is_dropped() {
    assert_eq!(scrub("https://alice:hunter2@example.com/x"), "https://example.com/x");
    assert_eq!(scrub("https://alice@example.com:8443/x"), "https://example.com:8443/x");
    // The last '@' ends the userinfo, as browsers parse it.
    assert_eq!(scrub("http://a@b:pw@host.test/"), "http://host.test/");
    // No '@' in a path or query is mistaken for userinfo.
    assert_eq!(scrub("https://example.com/u/@me?x=a@b"), "https://example.com/u/@me?x=a@b");
}

#[test]
fn fragment_is_dropped() {
    assert_eq!(scrub("https://example.com/a#access_token=abc&x=1"), "https://example.com/a");
    assert_eq!(scrub("https://example.com/a?q=1#"), "https://example.com/a?q=1");
    assert_eq!(scrub("https://example.com#top"), "https://example.com");
}

#[test]
fn every_default_param_is_dropped_and_others_stay() {
    for name in DEFAULT_SCRUB_PARAMS {
        let name = name.replace('*', "source");
        let u = format!("https://example.com/p?keep=1&{name}=SECRET&z=%41b");
        assert_eq!(scrub(&u), "https://example.com/p?keep=1&z=%41b", "param {name}");
    }
    for name in ["token", "access_token", "id_token", "refresh_token", "code", "state", "password", "passwd",
        "pwd", "secret", "key", "api_key", "apikey", "sig", "signature", "session", "sessionid", "sid", "auth",
        "authorization", "jwt", "utm_*", "fbclid", "gclid", "dclid", "msclkid", "mc_eid", "mc_cid", "_ga",
        "yclid", "igshid"]
    {
        // Each is dropped by the built-in list (written as patterns, see tests/scrub_rules.rs).
        let name = name.replace('*', "source");
        assert_eq!(scrub(&format!("https://example.com/?{name}=1&keep=2")), "https://example.com/?keep=2", "{name} not dropped");
    }
}

#[test]
fn names_match_case_insensitively_decoded_and_with_array_suffix() {
    assert_eq!(scrub("https://e.test/?Access_Token=1&TOKEN=2&q=3"), "https://e.test/?q=3");
    assert_eq!(scrub("https://e.test/?%74oken=1&q=3"), "https://e.test/?q=3");
    assert_eq!(scrub("https://e.test/?api%5Fkey=1&q=3"), "https://e.test/?q=3");
    assert_eq!(scrub("https://e.test/?token[]=1&auth[user]=2&q=3"), "https://e.test/?q=3");
    assert_eq!(scrub("https://e.test/?UTM_Source=a&utm_medium=b&utmost=keep"), "https://e.test/?utmost=keep");
    // A bare name without value is matched too.
    assert_eq!(scrub("https://e.test/?token&q"), "https://e.test/?q");
}

#[test]
fn value_matching_a_name_is_not_a_name() {
    assert_eq!(scrub("https://e.test/?q=token&page=2"), "https://e.test/?q=token&page=2");
    assert_eq!(scrub("https://e.test/?keyword=x&monkey=y"), "https://e.test/?keyword=x&monkey=y");
}

#[test]
fn semicolon_separated_and_path_parameters_are_scrubbed() {
    assert_eq!(scrub("https://e.test/?q=1;sid=2&x=3"), "https://e.test/?x=3");
    assert_eq!(scrub("https://e.test/app;jsessionid=ABC123/page;v=2?x=1"), "https://e.test/app/page;v=2?x=1");
}

#[test]
fn other_params_keep_order_and_encoding() {
    let u = "https://e.test/s?b=%20x&a=1+2&c&d=%E2%82%AC&e=a%26b";
    assert_eq!(scrub(u), u);
    // Empty segments carry nothing and go.
    assert_eq!(scrub("https://e.test/?a=1&&b=2&"), "https://e.test/?a=1&b=2");
    // A query emptied by scrubbing loses its '?'.
    assert_eq!(scrub("https://e.test/p?token=1&code=2"), "https://e.test/p");
}

#[test]
fn the_list_is_configurable_with_prefixes() {
    let list = vec!["foo*".to_string(), " Bar ".to_string(), "".to_string()];
    assert_eq!(
        scrub_url("https://e.test/?foobar=1&FOO=2&bar=3&token=4&baz=5", &list).unwrap(),
        "https://e.test/?token=4&baz=5"
    );
    // An empty list keeps every parameter (but still drops userinfo and fragment).
    assert_eq!(scrub_url("https://u:p@e.test/?token=4#f", &[]).unwrap(), "https://e.test/?token=4");
    // "*" alone drops the whole query.
    assert_eq!(scrub_url("https://e.test/a?x=1&y=2", &["*".to_string()]).unwrap(), "https://e.test/a");
    let opts = NoteOptions { scrub_params: vec!["q".into()], max_len: 100 };
    assert_eq!(make_note("https://e.test/?q=1&token=2", "T", &opts).unwrap(), "T — https://e.test/?token=2");
}

/// Scrubbing is a fixed point: `scrub(scrub(u)) == scrub(u)`.
fn assert_fixed_point(u: &str, expected: &str) {
    let once = scrub(u);
    assert_eq!(once, expected, "scrub({u:?})");
    assert_eq!(scrub(&once), once, "scrubbing {once:?} again changed it");
}

#[test]
fn scrubbing_is_a_fixed_point_around_spaces_and_controls() {
    // Found by fuzzing (fuzz/artifacts/note, minimised with `cargo fuzz tmin`):
    // the bytes `file:? \x7f`.  The DEL shielded the space from the trim, the
    // space kept the query alive, and trimming it afterwards left "file:///?",
    // which the next scrub turned into "file:///".
    assert_fixed_point("file:? \u{7f}", "file:///");
    // The original crash: a query ending "&  " + DEL.
    assert_fixed_point("file:z?a=1&  \u{7f}", "file:///z?a=1");
    // Spaces in front of a dropped fragment or a dropped last parameter.
    assert_fixed_point("http://a/?q=1& #x", "http://a/?q=1");
    assert_fixed_point("http://a/? #x", "http://a/");
    assert_fixed_point("http://a/?x=1& &token=1", "http://a/?x=1&%20");
    assert_fixed_point("http://a ?token=1", "http://a%20");
    assert_fixed_point("http://a/x ;jsessionid=1", "http://a/x%20");
    assert_fixed_point("\u{1} http://a/b c?q=d e \u{7f}", "http://a/b%20c?q=d%20e");
    // A name written with spaces still matches once they are %20.
    assert_fixed_point("http://a/?%20token%20=1&+sid=2&k=v", "http://a/?k=v");
}

#[test]
fn only_http_https_and_file_are_tracked() {
    assert_eq!(scrub("HTTPS://Example.com/A"), "https://Example.com/A");
    assert_eq!(scrub("http://127.0.0.1:8080/x"), "http://127.0.0.1:8080/x");
    assert_eq!(scrub("http://[::1]:8080/x?sid=1"), "http://[::1]:8080/x");
    assert_eq!(scrub("file:///home/a/doc.pdf#page=2"), "file:///home/a/doc.pdf");
    assert_eq!(scrub("file://server/share/a.txt?token=1"), "file://server/share/a.txt");
    assert_eq!(scrub("file:/home/a.txt"), "file:///home/a.txt");
    // Found by fuzzing: a rootless file path must not turn into a host with userinfo.
    assert_eq!(scrub("file\u{2}:x!@y"), "file:///x!@y");
    assert_eq!(scrub("file:a?token=1"), "file:///a");
    assert_eq!(scrub("http://h/a   #frag"), "http://h/a");
    assert_eq!(scrub("https:///host.test/p"), "https://host.test/p");
    for bad in [
        "chrome://settings/passwords",
        "about:blank",
        "javascript:alert(document.cookie)",
        "blob:https://example.com/1234-5678",
        "chrome-extension://abcdef/popup.html",
        "ftp://example.com/a",
        "view-source:https://example.com",
        "mailto:a@b.test",
    ] {
        let e = scrub_url(bad, &default_scrub_params()).unwrap_err();
        assert_eq!(e.code(), "invalid_input", "{bad}");
        assert!(!e.message.contains(&bad[bad.find(':').unwrap() + 1..]), "message repeats the URL: {}", e.message);
    }
    let data = format!("data:text/html,<h1>secret-{}</h1>", "x".repeat(10_000));
    let e = make_note(&data, "t", &NoteOptions::default()).unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    assert!(!e.message.contains("secret") && e.message.len() < 100, "{}", e.message);
    for not_url in ["", "   ", "example.com/path", "://x", "1http://x", "https://", "https://?q=1", "http://u:p@/x", "http:  #x"] {
        assert_eq!(scrub_url(not_url, &[]).unwrap_err().code(), "invalid_input", "{not_url:?}");
    }
}

#[test]
fn backslashes_missing_slashes_and_controls_are_handled() {
    assert_eq!(scrub("https:\\\\user:pw@evil.test\\path?token=1"), "https://evil.test\\path");
    assert_eq!(scrub("https:example.com/x"), "https://example.com/x");
    assert_eq!(scrub("  https://e.test/a\tb\n?to\rken=1&q=2  "), "https://e.test/ab?q=2");
    assert_eq!(scrub("https://e.test/\u{202E}gpj.exe"), "https://e.test/gpj.exe");
}

#[test]
fn note_format_and_title_cleaning() {
    assert_eq!(note("https://e.test/a?token=1", "  Hello \n\t world  "), "Hello world — https://e.test/a");
    assert_eq!(note("https://e.test/a", "a\u{0}b\u{7}c\u{9F}d\u{202E}e"), "abcde — https://e.test/a");
    assert_eq!(note("https://e.test/a", ""), "https://e.test/a");
    assert_eq!(note("https://e.test/a", " \n "), "https://e.test/a");
    // Markup in a title stays text (rendering is the UI's job, it is not altered here).
    assert_eq!(note("https://e.test/", "<img src=x onerror=alert(1)>"), "<img src=x onerror=alert(1)> — https://e.test/");
}

#[test]
fn a_title_that_is_the_url_never_leaks_the_secret() {
    let u = "https://e.test/reset?token=SECRET123";
    assert_eq!(note(u, u), "https://e.test/reset");
    assert_eq!(note(u, "e.test/reset?token=SECRET123"), "https://e.test/reset");
    let other = note(u, "https://other.test/x?sid=SECRET456#frag");
    assert_eq!(other, "https://other.test/x — https://e.test/reset");
}

#[test]
fn length_limit_cuts_the_title_first_cleanly() {
    let u = "https://e.test/page";
    let t = "word ".repeat(400);
    let out = note_len(u, &t, 100);
    assert!(out.chars().count() <= 100, "{out}");
    assert!(out.ends_with("… — https://e.test/page"), "{out}");
    assert!(out.starts_with("word word"));
    // Cut at a word boundary, no dangling space before the ellipsis.
    assert!(!out.contains(" …") && !out.contains("wor…"), "{out}");

    // Default limit is 1000 characters.
    let long = "é".repeat(5000);
    let out = note(u, &long);
    assert_eq!(out.chars().count(), 1000);

    // Never splits a base character from its combining mark.
    let combining = "e\u{301}".repeat(200);
    let out = note_len(u, &combining, 50);
    let title = out.split(" — ").next().unwrap().trim_end_matches('…');
    assert!(title.starts_with('e') && title.ends_with('\u{301}'), "{title:?}");
    assert!(out.chars().count() <= 50);

    // Never splits a joined emoji sequence or a flag pair.
    let family = "👨\u{200D}👩\u{200D}👧".repeat(30);
    let out = note_len(u, &family, 40);
    let title = out.split(" — ").next().unwrap().trim_end_matches('…');
    assert!(title.ends_with('👧'), "{title:?}");
    let flags = "🇩🇪".repeat(40);
    for max in 30..40 {
        let out = note_len(u, &flags, max);
        let title = out.split(" — ").next().unwrap().trim_end_matches('…');
        assert_eq!(title.chars().count() % 2, 0, "{title:?}");
        assert!(out.chars().count() <= max);
    }
}

#[test]
fn a_url_longer_than_the_limit_is_cut_alone() {
    let u = format!("https://e.test/{}?q={}", "a".repeat(50), "%41".repeat(100));
    for max in 16..120 {
        let out = note_len(&u, "Title", max);
        assert!(out.chars().count() <= max, "{max}: {out}");
        assert!(out.ends_with('…'), "{out}");
        let body = out.trim_end_matches('…');
        assert!(!body.ends_with('%') && !body[..body.len() - 1].ends_with('%'), "split escape: {out}");
        assert!(!out.contains("Title"));
    }
    assert_eq!(make_note(&u, "", &NoteOptions { max_len: 5, ..Default::default() }).unwrap_err().code(), "invalid_input");
    assert_eq!(make_note(&u, "", &NoteOptions { max_len: 10_000_000, ..Default::default() }).unwrap_err().code(), "invalid_input");
}

// ------------------------------------------------------------- outbox rules

fn rec(id: &str, end: Option<&str>) -> Value {
    json!({"type":"TimedTaskRecord","id":id,"task_id":"t1","subtask_id":"","time_start":"2025-01-01 10:00:00","time_end":end,"note":""})
}

fn ids(ops: &[tyme_tab::outbox::PendingOp]) -> Vec<String> {
    ops.iter().map(|o| o.op_id.clone()).collect()
}

#[test]
fn write_send_ack_cycle() {
    let mut s = OutboxState::new();
    let a = s.enqueue(rec("r1", None), 1000).unwrap();
    assert_eq!(s.size(), 1);
    let due = s.due(1000);
    assert_eq!(ids(&due), vec![a.clone()]);
    assert_eq!(due[0].entity["id"], "r1");
    assert_eq!(due[0].attempts, 0);
    s.mark_sending(&a, 1000).unwrap();
    assert!(s.due(1000).is_empty(), "in-flight op offered twice");
    assert!(s.ack(&a));
    assert_eq!(s.size(), 0);
    assert!(!s.ack(&a), "ack is idempotent");
    assert_eq!(s.next_wake(), None);
}

#[test]
fn a_stop_never_overtakes_its_start() {
    let mut s = OutboxState::new();
    let start = s.enqueue(rec("r1", None), 0).unwrap();
    s.mark_sending(&start, 0).unwrap();
    let stop = s.enqueue(rec("r1", Some("2025-01-01 11:00:00")), 10).unwrap();
    assert_eq!(s.size(), 2, "a write behind an in-flight one is queued, not merged");
    assert!(s.due(100).is_empty());
    assert_eq!(s.mark_sending(&stop, 100).unwrap_err().code(), "invalid_input");
    s.ack(&start);
    let due = s.due(1_000_000);
    assert_eq!(ids(&due), vec![stop]);
    assert_eq!(due[0].entity["time_end"], "2025-01-01 11:00:00");
}

#[test]
fn a_failed_write_with_a_newer_one_behind_it_gives_way_to_it() {
    let mut s = OutboxState::new();
    let start = s.enqueue(rec("r1", None), 0).unwrap();
    s.mark_sending(&start, 0).unwrap();
    let stop = s.enqueue(rec("r1", Some("2025-01-01 11:00:00")), 10).unwrap();
    s.fail(&start, &Failure::new("network", None), 100, 0.5).unwrap();
    assert_eq!(ids(s.pending()), vec![stop.clone()], "the stop's full body replaces the failed start");
    let due = s.due(100);
    assert_eq!(ids(&due), vec![stop]);
    assert_eq!(due[0].attempts, 0);
    // A server's Retry-After still holds the queue when the failed op gives way.
    let a = s.enqueue(rec("r2", None), 200).unwrap();
    s.mark_sending(&a, 200).unwrap();
    s.enqueue(rec("r2", Some("2025-01-01 12:00:00")), 210).unwrap();
    s.fail(&a, &Failure::new("rate_limited", Some(30)), 300, 0.5).unwrap();
    assert_eq!(s.size(), 2);
    assert!(s.due(300 + 29_000).is_empty(), "held by Retry-After");
    assert_eq!(s.due(300 + 30_000).len(), 2);
}

#[test]
fn next_due_is_the_first_of_due() {
    let mut s = OutboxState::new();
    let a = s.enqueue(rec("r1", None), 0).unwrap();
    s.enqueue(rec("r2", None), 0).unwrap();
    assert_eq!(s.next_due(0), s.due(0).into_iter().next());
    s.mark_sending(&a, 0).unwrap();
    assert_eq!(s.next_due(0).map(|o| o.entity_id), Some("r2".to_string()));
    assert_eq!(s.op(&a).map(|o| o.state), Some(OpState::Sending));
    assert!(s.op("op-99").is_none());
    s.fail(&a, &Failure::new("rate_limited", Some(10)), 0, 0.5).unwrap();
    assert_eq!(s.next_due(5_000), None, "held by Retry-After");
}

#[test]
fn enqueue_all_is_enqueue_in_turn() {
    let mut one = OutboxState::new();
    let first = one.enqueue(rec("r1", None), 0).unwrap();
    one.mark_sending(&first, 0).unwrap();
    one.enqueue(rec("r9", None), 1).unwrap();
    let mut all = one.clone();
    let writes: Vec<(Value, i64)> = (0..40).map(|i| (rec(&format!("r{}", i % 7), if i % 2 == 1 { Some("2025-01-01 11:00:00") } else { None }), 10 + i)).collect();
    let want: Vec<String> = writes.iter().map(|(e, t)| one.enqueue(e.clone(), *t).unwrap()).collect();
    assert_eq!(all.enqueue_all(writes).unwrap(), want);
    assert_eq!(all, one);
    // All or nothing: a bad write leaves the state as it was, and is named.
    let before = all.clone();
    let e = all.enqueue_all(vec![(rec("r2", None), 50), (json!({"type": "TimedTaskRecord"}), 51)]).unwrap_err();
    assert!(e.message.starts_with("write 2 of 2"), "{}", e.message);
    assert_eq!(all, before);
}

#[test]
fn a_later_write_replaces_one_not_in_flight() {
    let mut s = OutboxState::new();
    let a = s.enqueue(rec("r1", None), 0).unwrap();
    let other = s.enqueue(rec("r2", None), 1).unwrap();
    let b = s.enqueue(rec("r1", Some("2025-01-01 11:00:00")), 2).unwrap();
    assert_eq!(s.size(), 2);
    assert_eq!(ids(&s.due(2)), vec![other, b.clone()], "the replacement moves to the end");
    assert_eq!(s.pending()[1].entity["time_end"], "2025-01-01 11:00:00");
    // The old op's late answer changes nothing.
    assert!(!s.ack(&a));
    s.fail(&a, &Failure::new("server", None), 3, 0.5).unwrap();
    assert_eq!(s.size(), 2);
    assert_eq!(s.pending()[1].attempts, 0);
}

#[test]
fn due_is_one_per_entity_oldest_first_and_respects_time() {
    let mut s = OutboxState::new();
    let r1 = s.enqueue(rec("r1", None), 0).unwrap();
    s.mark_sending(&r1, 0).unwrap();
    s.enqueue(rec("r1", Some("x")), 1).unwrap();
    let r2 = s.enqueue(rec("r2", None), 2).unwrap();
    let r3 = s.enqueue(json!({"type":"Project","id":"r1"}), 3).unwrap(); // same id, other type: other entity
    assert_eq!(ids(&s.due(3)), vec![r2.clone(), r3]);
    assert!(s.due(1).is_empty() || ids(&s.due(1)) == vec![r2.clone()] || s.due(1).len() <= 1);
    assert!(s.due(-5).is_empty(), "nothing is due before it was enqueued");
}

#[test]
fn backoff_is_exponential_jittered_and_capped() {
    let mut s = OutboxState::new();
    let a = s.enqueue(rec("r1", None), 0).unwrap();
    let mut now = 0;
    let mut expected_cap = 2_000;
    for attempt in 1..=12u32 {
        s.mark_sending(&a, now).unwrap();
        s.fail(&a, &Failure::new("server", None), now, 1.0).unwrap();
        let op = &s.pending()[0];
        assert_eq!(op.attempts, attempt);
        assert_eq!(op.state, OpState::Queued);
        assert_eq!(op.next_attempt_at - now, expected_cap.min(MAX_DELAY_MS), "attempt {attempt}");
        assert!(s.due(op.next_attempt_at - 1).is_empty());
        assert_eq!(s.next_wake(), Some(op.next_attempt_at));
        now = op.next_attempt_at;
        assert_eq!(s.due(now).len(), 1);
        expected_cap *= 2;
    }
    assert_eq!(s.pending()[0].last_error.as_ref().unwrap().code, "server");
    // Full jitter: the random value scales the delay, with a floor.
    assert_eq!(backoff_delay_ms(5, 0.25), 8_000);
    assert_eq!(backoff_delay_ms(5, 0.0), MIN_DELAY_MS);
    assert_eq!(backoff_delay_ms(5, 7.0), 32_000);
}

#[test]
fn retry_after_is_honoured_and_holds_the_queue() {
    let mut s = OutboxState::new();
    let a = s.enqueue(rec("r1", None), 0).unwrap();
    let b = s.enqueue(rec("r2", None), 0).unwrap();
    s.mark_sending(&a, 0).unwrap();
    s.fail(&a, &Failure::new("rate_limited", Some(30)), 0, 0.0).unwrap();
    assert_eq!(s.pending()[0].next_attempt_at, 30_000);
    assert!(s.due(29_999).is_empty(), "a rate limit holds every op");
    assert_eq!(ids(&s.due(30_000)), vec![a.clone(), b.clone()]);
    assert_eq!(s.next_wake(), Some(30_000));
    // 503 with Retry-After too; absurd values are capped.
    s.mark_sending(&b, 30_000).unwrap();
    s.fail(&b, &Failure::new("server", Some(u32::MAX)), 30_000, 0.0).unwrap();
    let op = s.pending().iter().find(|o| o.op_id == b).unwrap();
    assert_eq!(op.next_attempt_at, 30_000 + i64::from(MAX_RETRY_AFTER_SECS) * 1000);
    assert_eq!(op.last_error.as_ref().unwrap().retry_after, Some(MAX_RETRY_AFTER_SECS));
}

#[test]
fn unfixable_errors_park_the_op_as_stuck_without_dropping_it() {
    for code in ["invalid_input", "not_found", "forbidden"] {
        let mut s = OutboxState::new();
        let a = s.enqueue(rec("r1", None), 0).unwrap();
        s.mark_sending(&a, 0).unwrap();
        let f = Failure { code: code.into(), message: "refused".into(), retry_after: None };
        s.fail(&a, &f, 5, 0.5).unwrap();
        assert_eq!(s.size(), 1);
        assert_eq!(s.pending()[0].state, OpState::Stuck);
        assert_eq!(s.stuck().len(), 1);
        assert!(s.due(i64::MAX / 4).is_empty(), "{code}: stuck ops are not retried by themselves");
        assert_eq!(s.next_wake(), None);
        s.retry(&a, 10).unwrap();
        assert_eq!(ids(&s.due(10)), vec![a.clone()]);
        // A new write of a stuck entity replaces it and is sent.
        s.mark_sending(&a, 10).unwrap();
        s.fail(&a, &f, 11, 0.5).unwrap();
        let b = s.enqueue(rec("r1", Some("x")), 12).unwrap();
        assert_eq!(ids(&s.due(12)), vec![b]);
    }
}

#[test]
fn auth_failures_wait_for_sign_in() {
    for code in ["unauthorized", "reauth_required"] {
        let mut s = OutboxState::new();
        let a = s.enqueue(rec("r1", None), 0).unwrap();
        let b = s.enqueue(rec("r2", None), 0).unwrap();
        s.mark_sending(&a, 0).unwrap();
        s.fail(&a, &Failure::new(code, None), 1, 0.5).unwrap();
        assert_eq!(s.pending()[0].state, OpState::WaitingForSignIn);
        assert_eq!(ids(&s.due(1_000_000)), vec![b.clone()]);
        s.resume_all(2_000_000).unwrap();
        assert_eq!(ids(&s.due(2_000_000)), vec![a, b]);
    }
}

#[test]
fn children_wait_for_their_parents() {
    let mut s = OutboxState::new();
    let cat = s.enqueue(json!({"type":"ProjectCategory","id":"c1","name":"C"}), 0).unwrap();
    let proj = s.enqueue(json!({"type":"Project","id":"p1","name":"P","category_id":"c1"}), 0).unwrap();
    let task = s.enqueue(json!({"type":"TimedTask","id":"t1","name":"T","project_id":"p1"}), 0).unwrap();
    let r = s.enqueue(rec("r1", None), 0).unwrap();
    let free = s.enqueue(json!({"type":"TimedTaskRecord","id":"r9","task_id":"elsewhere"}), 0).unwrap();
    assert_eq!(ids(&s.due(0)), vec![cat.clone(), free]);
    // Re-editing the parent after the child keeps the child waiting.
    s.enqueue(json!({"type":"ProjectCategory","id":"c1","name":"C2"}), 1).unwrap();
    assert!(!ids(&s.due(1)).contains(&proj));
    let cat2 = s.pending().iter().find(|o| o.entity_id == "c1").unwrap().op_id.clone();
    s.ack(&cat2);
    assert!(ids(&s.due(1)).contains(&proj));
    s.ack(&proj);
    assert!(ids(&s.due(1)).contains(&task));
    assert!(!ids(&s.due(1)).contains(&r));
    s.ack(&task);
    assert!(ids(&s.due(1)).contains(&r));
}

#[test]
fn in_flight_lease_and_worker_restart() {
    let mut s = OutboxState::new();
    let a = s.enqueue(rec("r1", None), 0).unwrap();
    s.mark_sending(&a, 0).unwrap();
    assert!(s.due(SEND_LEASE_MS - 1).is_empty());
    assert_eq!(s.next_wake(), Some(SEND_LEASE_MS));
    assert_eq!(ids(&s.due(SEND_LEASE_MS)), vec![a.clone()], "a lost send is offered again");
    s.requeue_in_flight();
    assert_eq!(s.pending()[0].state, OpState::Queued);
    assert_eq!(ids(&s.due(1)), vec![a]);
}

#[test]
fn entities_without_type_or_id_are_refused() {
    let mut s = OutboxState::new();
    for bad in [json!(null), json!([]), json!({"id":"x"}), json!({"type":"Project"}), json!({"type":"Project","id":""}), json!({"type":"Project","id":5})] {
        assert_eq!(s.enqueue(bad, 0).unwrap_err().code(), "invalid_input");
    }
    let huge = json!({"type":"Project","id":"p","name":"x".repeat(100_000)});
    assert_eq!(s.enqueue(huge, 0).unwrap_err().code(), "invalid_input");
    assert_eq!(s.enqueue(rec("r", None), i64::MAX).unwrap_err().code(), "invalid_input");
    assert_eq!(s.size(), 0);
}

#[test]
fn state_json_shape_is_stable_camel_case() {
    let mut s = OutboxState::new();
    let a = s.enqueue(rec("r1", None), 1_700_000_000_000).unwrap();
    s.mark_sending(&a, 1_700_000_000_001).unwrap();
    s.fail(&a, &Failure::new("rate_limited", Some(5)), 1_700_000_000_002, 0.5).unwrap();
    let v: Value = serde_json::from_str(&s.to_json()).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["nextSeq"], 2);
    assert_eq!(v["holdUntil"], 1_700_000_005_002i64);
    let op = &v["ops"][0];
    for k in ["opId", "seq", "entityType", "entityId", "entity", "enqueuedAt", "attempts", "nextAttemptAt", "state", "sendingSince", "lastError"] {
        assert!(op.get(k).is_some(), "missing {k} in {op}");
    }
    assert_eq!(op["state"], "queued");
    assert_eq!(op["lastError"]["code"], "rate_limited");
    assert_eq!(op["lastError"]["retryAfter"], 5);
    assert_eq!(OutboxState::from_json(&s.to_json()).unwrap(), s);
}

#[test]
fn corrupt_states_are_typed_errors() {
    let mut good = OutboxState::new();
    good.enqueue(rec("r1", None), 0).unwrap();
    let g: Value = serde_json::from_str(&good.to_json()).unwrap();
    let mut cases: Vec<String> = vec!["".into(), "null".into(), "[]".into(), "{".into(), "{}".into(), "\"x\"".into()];
    let mutate = |f: &dyn Fn(&mut Value)| {
        let mut v = g.clone();
        f(&mut v);
        v.to_string()
    };
    cases.push(mutate(&|v| v["version"] = json!(99)));
    cases.push(mutate(&|v| v["nextSeq"] = json!(1)));
    cases.push(mutate(&|v| v["ops"][0]["opId"] = json!("op-7")));
    cases.push(mutate(&|v| v["ops"][0]["entityId"] = json!("other")));
    cases.push(mutate(&|v| v["ops"][0]["entity"] = json!("text")));
    cases.push(mutate(&|v| v["ops"][0]["state"] = json!("flying")));
    cases.push(mutate(&|v| v["ops"][0]["state"] = json!("sending")));
    cases.push(mutate(&|v| v["ops"][0]["attempts"] = json!(-1)));
    cases.push(mutate(&|v| v["ops"][0]["nextAttemptAt"] = json!(1.5)));
    cases.push(mutate(&|v| v["ops"][0]["nextAttemptAt"] = json!(9e18)));
    cases.push(mutate(&|v| {
        let op = v["ops"][0].clone();
        v["ops"].as_array_mut().unwrap().push(op);
    }));
    for c in &cases {
        let e = OutboxState::from_json(c).unwrap_err();
        assert_eq!(e.code(), "invalid_input", "{c}");
        assert!(e.message.starts_with("stored outbox state is corrupt"), "{}", e.message);
    }
    assert!(OutboxState::from_json(&g.to_string()).is_ok());
}

/// A stored `nextSeq` near the top of the range: never a panic or a wrapped,
/// colliding op id; above 2^53 (beyond what a JS number holds exactly) the
/// state is refused when read.
#[test]
fn huge_sequence_numbers_are_refused_not_wrapped() {
    const MAX_SEQ: u64 = 1 << 53;
    let with_next = |next: u64| {
        let mut v: Value = serde_json::from_str(&OutboxState::new().to_json()).unwrap();
        v["nextSeq"] = json!(next);
        v.to_string()
    };
    // 0 (sequence numbers start at 1: the next op would get seq 0, which the
    // next read refuses) and beyond the top.
    for bad in [0, u64::MAX, u64::MAX - 1, MAX_SEQ + 1, 1 << 60] {
        let e = OutboxState::from_json(&with_next(bad)).unwrap_err();
        assert_eq!(e.code(), "invalid_input", "{bad}");
    }
    // The last sequence number is used once; then enqueueing is refused.
    let mut s = OutboxState::from_json(&with_next(MAX_SEQ - 1)).unwrap();
    let id = s.enqueue(rec("r1", None), 0).unwrap();
    assert_eq!(id, format!("op-{}", MAX_SEQ - 1));
    let before = s.clone();
    let e = s.enqueue(rec("r2", None), 0).unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    assert_eq!(s, before, "a refused enqueue changes nothing");
    assert!(OutboxState::from_json(&s.to_json()).is_ok());
    // A state built in memory with nextSeq at the very top: refused, no panic.
    let mut top = OutboxState::new();
    top.next_seq = u64::MAX;
    assert_eq!(top.enqueue(rec("r3", None), 0).unwrap_err().code(), "invalid_input");
}

/// Stored counters and times at their limits: failing, scheduling and
/// reloading stay in range (saturating, never a panic, never a state that
/// no longer loads).
#[test]
fn counters_and_times_at_their_limits_stay_in_range() {
    const MAX_T: i64 = tyme_tab::outbox::MAX_ABS_TIME_MS;
    let mut s = OutboxState::new();
    let op = s.enqueue(rec("r1", None), MAX_T).unwrap();
    let mut v: Value = serde_json::from_str(&s.to_json()).unwrap();
    v["ops"][0]["attempts"] = json!(u32::MAX);
    v["ops"][0]["nextAttemptAt"] = json!(MAX_T);
    v["ops"][0]["state"] = json!("sending");
    v["ops"][0]["sendingSince"] = json!(MAX_T);
    v["holdUntil"] = json!(MAX_T);
    let mut s = OutboxState::from_json(&v.to_string()).unwrap();
    assert!(s.due(MAX_T).is_empty());
    assert!(s.next_wake().is_some_and(|t| t >= MAX_T));
    s.fail(&op, &Failure::new("rate_limited", Some(u32::MAX)), MAX_T, 1.0).unwrap();
    assert_eq!(s.pending()[0].attempts, u32::MAX);
    assert!(s.pending()[0].next_attempt_at <= MAX_T && s.hold_until.is_some_and(|h| h <= MAX_T));
    let reloaded = OutboxState::from_json(&s.to_json()).expect("a state after a failure at the clock's limit loads again");
    assert_eq!(reloaded, s);
    s.fail(&op, &Failure::new("server", None), MAX_T, 1.0).unwrap();
    assert!(OutboxState::from_json(&s.to_json()).is_ok());
}

// --------------------------------------------------- properties of the outbox

#[derive(Debug, Clone)]
enum Step {
    Write(usize),
    Send(usize),
    Ack(usize),
    Fail(usize, &'static str, Option<u32>, f64),
    Tick(i64),
    Restart,
    Resume,
    Retry(usize),
    Claim(usize),
    AckSent(usize),
}

type EntityDef = (&'static str, &'static str, Option<(&'static str, &'static str)>);

const ENTITIES: [EntityDef; 6] = [
    ("ProjectCategory", "c1", None),
    ("Project", "p1", Some(("category_id", "c1"))),
    ("TimedTask", "t1", Some(("project_id", "p1"))),
    ("TimedTaskRecord", "r1", Some(("task_id", "t1"))),
    ("TimedTaskRecord", "r2", Some(("task_id", "t1"))),
    ("TimedTaskRecord", "r3", None),
];

const CODES: [&str; 10] = [
    "network", "server", "rate_limited", "bad_response", "unauthorized", "reauth_required", "invalid_input",
    "not_found", "forbidden", "something_new",
];

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..ENTITIES.len()).prop_map(Step::Write),
        4 => (0..8usize).prop_map(Step::Send),
        4 => (0..8usize).prop_map(Step::Ack),
        2 => (0..8usize, 0..CODES.len(), proptest::option::of(0..100_000u32), 0.0..=1.0f64)
            .prop_map(|(i, c, ra, r)| Step::Fail(i, CODES[c], ra, r)),
        3 => (0..400_000i64).prop_map(Step::Tick),
        1 => Just(Step::Restart),
        1 => Just(Step::Resume),
        1 => (0..8usize).prop_map(Step::Retry),
        2 => (1..5usize).prop_map(Step::Claim),
        3 => (0..8usize).prop_map(Step::AckSent),
    ]
}

fn body(i: usize, version: u64) -> Value {
    let (ty, id, parent) = ENTITIES[i];
    let mut v = json!({"type": ty, "id": id, "version": version});
    if let Some((field, pid)) = parent {
        v[field] = json!(pid);
    }
    v
}

/// The server of the model: what it applied, per entity, in order.
#[derive(Default)]
struct Model {
    latest: HashMap<String, u64>,
    applied: HashMap<String, Vec<u64>>,
    in_flight: Vec<String>,
    /// The body each op carried when it was claimed or sent.
    sent: HashMap<String, Value>,
    version: u64,
}

fn key_of(v: &Value) -> String {
    format!("{}/{}", v["type"].as_str().unwrap(), v["id"].as_str().unwrap())
}

fn check_invariants(s: &OutboxState, m: &Model, now: i64) {
    // Nothing lost without an ack: each entity's latest body is queued or applied.
    for (k, &latest) in &m.latest {
        let queued = s.pending().iter().any(|o| key_of(&o.entity) == *k && o.entity["version"] == latest);
        let applied = m.applied.get(k).and_then(|a| a.last()) == Some(&latest);
        assert!(queued || applied, "latest write of {k} (v{latest}) lost");
    }
    // Per-entity order on the server.
    for (k, a) in &m.applied {
        assert!(a.windows(2).all(|w| w[0] < w[1]), "out of order for {k}: {a:?}");
    }
    // due: one per entity, each the entity's oldest op, parents not pending.
    let due = s.due(now);
    let mut seen = std::collections::HashSet::new();
    for op in &due {
        let k = key_of(&op.entity);
        assert!(seen.insert(k.clone()), "two due ops for {k}");
        let first = s.pending().iter().find(|o| key_of(&o.entity) == k).unwrap();
        assert_eq!(first.op_id, op.op_id, "due op is not the oldest of {k}");
        for (field, _) in ENTITIES.iter().filter_map(|e| e.2) {
            if let Some(pid) = op.entity.get(field).and_then(Value::as_str) {
                assert!(
                    !s.pending().iter().any(|o| o.entity_id == pid && o.entity_type != op.entity_type),
                    "{k} due while its parent {pid} is pending"
                );
            }
        }
    }
    assert!(due.windows(2).all(|w| w[0].seq < w[1].seq), "due not oldest first");
    // At most two ops per entity.
    let mut per: HashMap<String, usize> = HashMap::new();
    for o in s.pending() {
        *per.entry(key_of(&o.entity)).or_default() += 1;
    }
    assert!(per.values().all(|&n| n <= 2));
    // The stored shape round-trips.
    assert_eq!(&OutboxState::from_json(&s.to_json()).unwrap(), s);
}

fn run_steps(steps: &[Step]) {
    let mut s = OutboxState::new();
    let mut m = Model::default();
    let mut now: i64 = 1_700_000_000_000;
    for st in steps {
        match st {
            Step::Write(i) => {
                m.version += 1;
                let b = body(*i, m.version);
                m.latest.insert(key_of(&b), m.version);
                s.enqueue(b, now).unwrap();
            }
            Step::Send(n) => {
                let due = s.due(now);
                if let Some(op) = due.get(n % due.len().max(1)) {
                    s.mark_sending(&op.op_id, now).unwrap();
                    m.sent.insert(op.op_id.clone(), op.entity.clone());
                    if !m.in_flight.contains(&op.op_id) {
                        m.in_flight.push(op.op_id.clone());
                    }
                }
            }
            Step::Ack(n) => {
                if !m.in_flight.is_empty() {
                    let id = m.in_flight.remove(n % m.in_flight.len());
                    let op = s.pending().iter().find(|o| o.op_id == id).cloned();
                    let before = s.size();
                    if let Some(op) = op {
                        assert!(s.ack(&id));
                        assert_eq!(s.size(), before - 1);
                        assert!(s.pending().iter().all(|o| o.op_id != id), "acked op still there");
                        m.applied.entry(key_of(&op.entity)).or_default().push(op.entity["version"].as_u64().unwrap());
                    }
                }
            }
            Step::Fail(n, code, ra, r) => {
                if !m.in_flight.is_empty() {
                    let id = m.in_flight.remove(n % m.in_flight.len());
                    let before = s.size();
                    let key = s.pending().iter().find(|o| o.op_id == id).map(|o| key_of(&o.entity));
                    let behind = key.as_ref().is_some_and(|k| s.pending().iter().filter(|o| key_of(&o.entity) == *k).count() == 2 && s.pending().iter().rev().find(|o| key_of(&o.entity) == *k).unwrap().op_id != id);
                    s.fail(&id, &Failure::new(code, *ra), now, *r).unwrap();
                    let want = if behind { before - 1 } else { before };
                    assert_eq!(s.size(), want, "a failure drops an op only when a newer write of its entity waits behind it");
                    if let Some(op) = s.pending().iter().find(|o| o.op_id == id) {
                        if op.state == OpState::Queued {
                            let d = op.next_attempt_at - now;
                            let bound = MAX_DELAY_MS.max(i64::from(ra.unwrap_or(0).min(MAX_RETRY_AFTER_SECS)) * 1000);
                            assert!((MIN_DELAY_MS..=bound).contains(&d), "delay {d} out of bounds");
                        }
                    }
                }
            }
            Step::Tick(d) => now += d,
            Step::Restart => {
                s = OutboxState::from_json(&s.to_json()).unwrap();
                s.requeue_in_flight();
                m.in_flight.clear();
            }
            Step::Claim(max) => {
                let pending_before: Vec<_> = s.pending().to_vec();
                let claimed = s.claim(now, *max).unwrap();
                assert!(claimed.len() <= *max);
                assert!(claimed.windows(2).all(|w| w[0].op.seq < w[1].op.seq), "claimed out of the queue's order");
                for (i, c) in claimed.iter().enumerate() {
                    let k = key_of(&c.op.entity);
                    let first = pending_before.iter().find(|o| key_of(&o.entity) == k).unwrap();
                    assert_eq!(first.op_id, c.op.op_id, "claimed op is not the oldest of {k}");
                    assert_eq!(s.pending().iter().find(|o| o.op_id == c.op.op_id).unwrap().state, OpState::Sending);
                    // A parent with ops queued: its one op was claimed before this one, and is named in `after`.
                    for (field, _) in ENTITIES.iter().filter_map(|e| e.2) {
                        let Some(pid) = c.op.entity.get(field).and_then(Value::as_str) else { continue };
                        let parent_ops: Vec<_> = pending_before.iter().filter(|o| o.entity_id == pid && o.entity_type != c.op.entity_type).collect();
                        if parent_ops.is_empty() {
                            continue;
                        }
                        assert_eq!(parent_ops.len(), 1, "{k} claimed while its parent {pid} has two ops");
                        let earlier = claimed[..i].iter().any(|p| p.op.op_id == parent_ops[0].op_id);
                        assert!(earlier && c.after.contains(&parent_ops[0].op_id), "{k} claimed without its parent {pid} before it");
                    }
                    if !m.in_flight.contains(&c.op.op_id) {
                        m.in_flight.push(c.op.op_id.clone());
                    }
                    m.sent.insert(c.op.op_id.clone(), c.op.entity.clone());
                }
            }
            Step::AckSent(n) => {
                if !m.in_flight.is_empty() {
                    let id = m.in_flight.remove(n % m.in_flight.len());
                    let Some(body) = m.sent.get(&id).cloned() else { continue };
                    let there = s.pending().iter().any(|o| o.op_id == id && o.entity == body);
                    let before = s.size();
                    assert_eq!(s.ack_sent(&[(id.clone(), body.clone())]), usize::from(there));
                    assert_eq!(s.size(), before - usize::from(there));
                    if there {
                        m.applied.entry(key_of(&body)).or_default().push(body["version"].as_u64().unwrap());
                    }
                }
            }
            Step::Resume => s.resume_all(now).unwrap(),
            Step::Retry(n) => {
                if let Some(op) = s.pending().get(n % s.size().max(1)).cloned() {
                    s.retry(&op.op_id, now).unwrap();
                }
            }
        }
        check_invariants(&s, &m, now);
    }
    // Drain: after sign-in and a restart, everything reaches the server.
    s.requeue_in_flight();
    s.resume_all(now).unwrap();
    for _ in 0..100 {
        if s.size() == 0 {
            break;
        }
        now = s.next_wake().unwrap_or(now).max(now);
        let due = s.due(now);
        assert!(!due.is_empty(), "outbox stalled with {} ops", s.size());
        for op in due {
            s.mark_sending(&op.op_id, now).unwrap();
            s.ack(&op.op_id);
            m.applied.entry(key_of(&op.entity)).or_default().push(op.entity["version"].as_u64().unwrap());
        }
        check_invariants(&s, &m, now);
    }
    assert_eq!(s.size(), 0, "outbox did not drain");
    for (k, latest) in &m.latest {
        assert_eq!(m.applied[k].last(), Some(latest), "server does not hold the latest write of {k}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn outbox_invariants(steps in proptest::collection::vec(step(), 1..120)) {
        run_steps(&steps);
    }

    #[test]
    fn backoff_is_bounded(attempts in 0u32..u32::MAX, r in proptest::num::f64::ANY) {
        let d = backoff_delay_ms(attempts, r);
        prop_assert!((MIN_DELAY_MS..=MAX_DELAY_MS).contains(&d));
    }
}

// ------------------------------------- bounded fuzz-like runs of the parsers

fn url_like() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        Just("https://".to_string()), Just("http://".to_string()), Just("file:///".to_string()), Just("data:".to_string()),
        Just("u:p@".to_string()), Just("@".to_string()), Just("?".to_string()), Just("&".to_string()),
        Just("#".to_string()), Just("=".to_string()), Just(";".to_string()), Just("%".to_string()), Just("%4".to_string()),
        Just("\\".to_string()), Just("/".to_string()), Just("[::1]".to_string()), Just(":80".to_string()),
        Just("token".to_string()), Just("utm_x".to_string()), Just("é\u{301}".to_string()), Just("\u{0}".to_string()),
        // Spaces and controls around the separators broke idempotence once (fuzz/README.md).
        Just(" ".to_string()), Just("\u{7f}".to_string()), Just("\t".to_string()), Just("file:".to_string()),
        "[a-zA-Z0-9]{0,6}".prop_map(|s| s),
        any::<char>().prop_map(|c| c.to_string()),
    ];
    proptest::collection::vec(part, 0..30).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn scrubber_never_panics_and_keeps_its_promises(u in url_like(), t in any::<String>(), max in 16usize..300) {
        let opts = NoteOptions { max_len: max, ..NoteOptions::default() };
        if let Ok(out) = make_note(&u, &t, &opts) {
            prop_assert!(out.chars().count() <= max);
            prop_assert!(!out.chars().any(|c| c.is_control()));
        }
        if let Ok(s) = scrub_url(&u, &default_scrub_params()) {
            prop_assert!(!s.contains('#'));
            let after = &s[s.find("://").unwrap() + 3..];
            let host = after.split(['/', '\\', '?']).next().unwrap();
            prop_assert!(!host.contains('@'), "userinfo kept: {}", s);
            // Idempotent: scrubbing twice changes nothing.
            prop_assert_eq!(scrub_url(&s, &default_scrub_params()).unwrap(), s.clone());
        }
    }

    #[test]
    fn secrets_in_known_params_never_survive(
        names in proptest::collection::vec(0..DEFAULT_SCRUB_PARAMS.len(), 1..5),
        keep in proptest::collection::vec("[a-z]{1,5}", 0..4),
        upper in any::<bool>(),
    ) {
        let mut q = Vec::new();
        for (i, n) in names.iter().enumerate() {
            let name = DEFAULT_SCRUB_PARAMS[*n].replace('*', "x");
            let name = if upper { name.to_uppercase() } else { name };
            q.push(format!("{name}=SECRET{i}"));
            // One word (`keep0abc`): `keep_<k>` could make `k` a word the list drops (`key`).
            if let Some(k) = keep.get(i) {
                q.push(format!("keep{i}{k}=v{i}"));
            }
        }
        let u = format!("https://user:SECRETPW@e.test/p?{}#SECRETFRAG", q.join("&"));
        let out = make_note(&u, "t", &NoteOptions::default()).unwrap();
        prop_assert!(!out.contains("SECRET"), "{}", out);
        for (i, k) in keep.iter().enumerate().take(names.len()) {
            let kept = format!("keep{}{}=v{}", i, k, i);
            prop_assert!(out.contains(&kept));
        }
    }

    #[test]
    fn outbox_parser_never_panics(text in any::<String>()) {
        let _ = OutboxState::from_json(&text);
    }

    #[test]
    fn outbox_parser_on_json_mutations(steps in proptest::collection::vec(step(), 0..20), cut in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut s = OutboxState::new();
        for (i, st) in steps.iter().enumerate() {
            if let Step::Write(e) = st { s.enqueue(body(*e, i as u64), i as i64).unwrap(); }
        }
        let mut bytes = s.to_json().into_bytes();
        let i = cut.index(bytes.len());
        bytes[i] = byte;
        if let Ok(text) = String::from_utf8(bytes) {
            if let Ok(parsed) = OutboxState::from_json(&text) {
                // Whatever parses is a valid state that works: it validates,
                // reads back as itself, and an enqueue either keeps it valid
                // with the new op in it, or is refused leaving it unchanged.
                let mut p = parsed;
                prop_assert!(p.validate().is_ok());
                let _ = p.due(0);
                let _ = p.next_wake();
                let before = p.to_json();
                prop_assert_eq!(OutboxState::from_json(&before).map(|s| s.to_json()).ok(), Some(before.clone()));
                match p.enqueue(body(0, 1), 0) {
                    Ok(op_id) => {
                        prop_assert!(p.validate().is_ok(), "invalid after enqueue: {}", p.to_json());
                        prop_assert!(p.to_json().contains(&op_id));
                        let again = OutboxState::from_json(&p.to_json());
                        prop_assert!(again.is_ok(), "does not read back after enqueue: {}", p.to_json());
                    }
                    Err(_) => prop_assert_eq!(p.to_json(), before),
                }
            }
        }
    }
}

// ------------------------------------------------ how the core's work grows
// Figures, not a check (timing budgets live in tests/bench/): run with
//   cargo test --release --test note_outbox outbox_work_grows -- --ignored --nocapture
#[test]
#[ignore]
fn outbox_work_grows() {
    use std::time::Instant;
    let distinct = |i: usize| rec(&format!("r{i}"), None);
    for n in [100usize, 1_000, 2_000, 10_000] {
        let t = Instant::now();
        let mut one = OutboxState::new();
        for i in 0..n {
            one.enqueue(distinct(i), i as i64).unwrap();
        }
        let enqueue_each = t.elapsed();
        let t = Instant::now();
        let mut all = OutboxState::new();
        all.enqueue_all((0..n).map(|i| (distinct(i), i as i64)).collect()).unwrap();
        let enqueue_all = t.elapsed();
        assert_eq!(all, one);
        let t = Instant::now();
        let due = all.due(n as i64).len();
        let one_due = t.elapsed();
        let t = Instant::now();
        while let Some(op) = all.due(n as i64).into_iter().next() {
            all.mark_sending(&op.op_id, n as i64).unwrap();
            all.ack(&op.op_id);
        }
        let drain = t.elapsed();
        all.enqueue_all((0..n).map(|i| (distinct(i), i as i64)).collect()).unwrap();
        let t = Instant::now();
        while let Some(op) = all.next_due(n as i64) {
            all.mark_sending(&op.op_id, n as i64).unwrap();
            all.ack(&op.op_id);
        }
        let drain_next = t.elapsed();
        println!(
            "n={n:>6}: enqueue one at a time {:>9.2} ms ({:.2} µs/op) | enqueue_all {:>7.2} ms | due() once {:>7.3} ms ({due} due) | drain due+mark+ack per op {:>9.1} ms | drain next_due+mark+ack {:>8.1} ms",
            enqueue_each.as_secs_f64() * 1e3, enqueue_each.as_secs_f64() * 1e6 / n as f64, enqueue_all.as_secs_f64() * 1e3, one_due.as_secs_f64() * 1e3, drain.as_secs_f64() * 1e3, drain_next.as_secs_f64() * 1e3
        );
    }
}
