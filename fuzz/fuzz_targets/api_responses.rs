//! The API response parsers (search, summary, update, webhooks, token).
#![no_main]
use libfuzzer_sys::fuzz_target;
use tyme_tab::api::{members, search, summary, times, update, webhooks};
use tyme_tab::model::{Entity, EntityType, TimeRecord, WireTime};
use tyme_tab::oauth::{parse_token_response, TokenGrant};

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let status = 100 + (u16::from_le_bytes([data[0], data[1]]) % 500);
    let which = data[2];
    let body = &data[3..];
    let headers = vec![
        ("content-type".to_string(), "application/json".to_string()),
        ("retry-after".to_string(), String::from_utf8_lossy(&body[..body.len().min(8)]).into_owned()),
    ];
    let sent = Entity::TimedTaskRecord(TimeRecord {
        id: "r".into(),
        task_id: "t".into(),
        subtask_id: String::new(),
        time_start: WireTime::from_ms(0.0).unwrap(),
        time_end: None,
        note: String::new(),
    });
    match which % 8 {
        0 => drop(search::parse_search(EntityType::Project, status, &headers, body)),
        1 => drop(summary::parse_summary(status, &headers, body)),
        2 => drop(update::parse_update(sent, status, &headers, body)),
        6 => drop(times::parse_times(status, &headers, body)),
        7 => drop(members::parse_me(status, &headers, body)),
        3 => drop(webhooks::parse_webhook(status, &headers, body)),
        4 => drop(parse_token_response(TokenGrant::AuthorizationCode, status, &headers, body, 0, None)),
        _ => drop(parse_token_response(TokenGrant::RefreshToken, status, &headers, body, i64::MAX / 2, None)),
    }
});
