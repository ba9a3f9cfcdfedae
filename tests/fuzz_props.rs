//! Bounded, in-`cargo test` equivalents of the fuzz targets for the core's
//! parsers (the long runs are `cargo +nightly fuzz run <target>`, see
//! fuzz/README.md): any input gives a value or a typed error, never a panic.

use proptest::prelude::*;
use tyme_tab::api::{members, search, summary, times, update, webhooks};
use tyme_tab::dialect::WebhookVerbs;
use tyme_tab::model::{Entity, EntityType};
use tyme_tab::ErrorKind;
use tyme_tab::model::datetime::parse_lenient;
use tyme_tab::model::{format_date_time, parse_date_time, WireTime};
use tyme_tab::oauth::{parse_redirect, parse_token_response, TokenGrant};

fn json_like() -> impl Strategy<Value = Vec<u8>> {
    let tok = prop_oneof![
        Just("{".to_string()), Just("}".to_string()), Just("[".to_string()), Just("]".to_string()),
        Just(",".to_string()), Just(":".to_string()), Just("\"type\"".to_string()), Just("\"id\"".to_string()),
        Just("\"TimedTaskRecord\"".to_string()), Just("\"time_start\"".to_string()), Just("\"2025-01-01 10:00:00\"".to_string()),
        Just("null".to_string()), Just("1e309".to_string()), Just("-1".to_string()), Just("\"access_token\"".to_string()),
        Just("\"error\"".to_string()), Just("\"invalid_grant\"".to_string()), Just("<html>".to_string()),
        "\"[a-z_]{0,8}\"".prop_map(|s| s), any::<char>().prop_map(|c| c.to_string()),
    ];
    proptest::collection::vec(tok, 0..40).prop_map(|v| v.concat().into_bytes())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn response_parsers_never_panic(status in 100u16..600, body in prop_oneof![json_like(), any::<Vec<u8>>()], ra in "[0-9a-zA-Z ,:-]{0,12}") {
        let headers = vec![("retry-after".to_string(), ra)];
        let sent = Entity::from_json(&serde_json::json!({"type":"TimedTaskRecord","id":"r","task_id":"t","time_start":"2025-01-01 10:00:00"}), ErrorKind::InvalidInput).unwrap();
        for t in [EntityType::ProjectCategory, EntityType::Project, EntityType::TimedTask, EntityType::TimedSubTask] {
            let _ = search::parse_search(t, status, &headers, &body);
        }
        let _ = summary::parse_summary(status, &headers, &body);
        let _ = times::parse_times(status, &headers, &body);
        let _ = members::parse_me(status, &headers, &body);
        // Any 2xx on a write is applied: the answer, or the entity sent.
        if let Ok(e) = update::parse_update(sent.clone(), status, &headers, &body) {
            prop_assert!((200..300).contains(&status));
            prop_assert_eq!(e.id(), "r");
        }
        let _ = webhooks::parse_webhook(status, &headers, &body);
        let _ = webhooks::parse_unsubscribe(WebhookVerbs::Live, status, &headers, &body);
        let _ = parse_token_response(TokenGrant::AuthorizationCode, status, &headers, &body, 0, None);
        let _ = parse_token_response(TokenGrant::RefreshToken, status, &headers, &body, 1_700_000_000_000, None);
    }

    #[test]
    fn date_time_parser_round_trips(s in prop_oneof!["[0-9]{1,5}-[0-9]{1,2}-[0-9]{1,2} [0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}", any::<String>()]) {
        if let Ok(ms) = parse_date_time(&s) {
            let f = format_date_time(ms as f64).expect("a parsed time formats");
            prop_assert_eq!(parse_date_time(&f).ok(), Some(ms));
        }
    }

    /// The lenient reading of a server's date-time: none, a time that
    /// formats in the wire format and reads back the same (strictly and
    /// leniently), or an error; never a panic.
    #[test]
    fn lenient_date_time_parser(s in prop_oneof![
        "[0-9]{4}-[0-9]{2}-[0-9]{2}[ Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,10})?(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)?",
        "(0000|9999|1970|2026)-(01|12|00|02)-(01|31|00|29)T(00|23|24):(00|59):(00|59|60)(\\.000)?(Z|[+-](00|01|14|23|24):?(00|30|59|60))",
        "\\s{0,2}0000-00-00[ T]?[0-9: ]{0,8}\\s{0,2}",
        any::<String>(),
    ]) {
        match parse_lenient(&s) {
            Ok(None) => {}
            Ok(Some(t)) => {
                let wire = WireTime(t).to_string();
                let back = WireTime::parse(&wire);
                prop_assert_eq!(back.as_ref().ok().map(|w| w.0), Some(t), "{:?} read as {}, which reads back as {:?}", s, wire, back);
                prop_assert_eq!(parse_lenient(&wire).ok().flatten(), Some(t));
                prop_assert_eq!(format_date_time(WireTime(t).to_ms() as f64).ok(), Some(wire));
            }
            Err(e) => prop_assert_eq!(e.kind, ErrorKind::InvalidInput),
        }
    }

    #[test]
    fn date_time_formatter_never_panics(f in any::<f64>()) {
        let _ = format_date_time(f);
    }

    #[test]
    fn redirect_parser_never_panics(url in prop_oneof![
        "https://x\\.chromiumapp\\.org/\\?(code|state|error)=[a-zA-Z0-9%&=+#]{0,20}",
        any::<String>(),
    ], state in "[a-zA-Z0-9]{0,8}") {
        if let Ok(code) = parse_redirect(&url, &state) {
            prop_assert!(!code.is_empty());
        }
    }
}
