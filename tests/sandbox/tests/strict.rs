//! The sandbox is strict where a lenient reading would hide a client mistake:
//! date-times in exactly `Y-m-d H:i:s`, and no field outside the seed's list
//! (plus the documented live aliases). Real HTTP on 127.0.0.1.
mod common;

use common::*;
use serde_json::{json, Value};

async fn task(api: &Api) -> (String, String) {
    let p = api.update(json!({"type":"Project","id":"p1","name":"P"})).await;
    assert_eq!(p.status, 200, "{}", p.body);
    let t = api.update(json!({"type":"TimedTask","id":"t1","name":"T","project_id":"p1"})).await;
    assert_eq!(t.status, 200, "{}", t.body);
    ("p1".into(), "t1".into())
}

fn assert_field(r: &R, status: u16, field: &str, what: &Value) {
    assert_eq!(r.status, status, "{what} -> {}", r.body);
    assert_eq!(r.json()["field"], field, "{what} -> {}", r.body);
}

/// Shapes that chrono's `%Y-%m-%d %H:%M:%S` alone lets through, a leap
/// second, and calendar nonsense: each refused with 400 naming the field, in
/// update_entity (time_start, time_end) and summary (from, to).
#[tokio::test]
async fn date_times_must_have_the_exact_shape() {
    let s = server().await;
    let api = signed_in(&s).await;
    let (_, t) = task(&api).await;
    let wrong = [
        "2025-1-01  00:00:00",  // unpadded month, two spaces
        "+025-01-01 00:00:00",  // sign before the year
        "2025-01-01 00:00:60",  // leap second
        "2025-06-30 23:59:60",  // leap second on a real leap-second date
        "2025-01-01 0:00:000",  // digits shifted
        "2025-01-01T00:00:00",  // ISO T
        "2025-01-01 00:00:0Z",
        "2025/01/01 00:00:00",
        "2025-02-30 00:00:00",  // shape fine, calendar not
        "2025-01-01 24:00:00",
        "٢025-01-01 00:00:0",   // a non-ASCII digit (19 bytes in all)
        " 2025-01-01 00:00:0",
    ];
    for w in wrong {
        let body = json!({"type":"TimedTaskRecord","task_id":t,"time_start":w});
        assert_field(&api.update(body.clone()).await, 400, "time_start", &body);
        let body = json!({"type":"TimedTaskRecord","task_id":t,"time_start":"2025-01-01 00:00:00","time_end":w});
        assert_field(&api.update(body.clone()).await, 400, "time_end", &body);
        let q = format!("/data/summary/?from={}&to=2025-12-31%2000:00:00", enc(w));
        assert_field(&api.get(&q).await, 400, "from", &json!(q));
        let q = format!("/data/summary/?from=2025-01-01%2000:00:00&to={}", enc(w));
        assert_field(&api.get(&q).await, 400, "to", &json!(q));
    }
    assert_eq!(api.state().await["time_entries"], json!([]), "nothing refused was stored");

    // the right shape still passes, at the edges of the clock and calendar
    for ok in ["2024-02-29 23:59:59", "0001-01-01 00:00:00", "9999-12-31 23:59:59"] {
        let body = json!({"type":"TimedTaskRecord","task_id":t,"time_start":ok,"time_end":ok});
        let r = api.update(body.clone()).await;
        assert_eq!(r.status, 200, "{body} -> {}", r.body);
        assert_eq!(r.json()["time_start"], ok);
    }
}
