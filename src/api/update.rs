//! `POST /data/update_entity`: create or update one entity (an upsert by id).

use super::authorised;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{check_status, decode_value, HttpRequest, Method};
use crate::model::Entity;

/// The entity must carry its id (the caller generates one for a create, which
/// makes a repeated create idempotent). `user_id` (the signed-in member, see
/// `dialect`) goes on a time entry when known. The body carries the seed's
/// and the live service's field names (`Entity::wire_body`).
pub fn build_update(base_url: &str, access_token: &str, entity: &Entity, user_id: Option<&str>) -> Result<HttpRequest> {
    if entity.id().trim().is_empty() {
        return Err(Error::invalid_input("the entity needs an id (generate one with newId)"));
    }
    entity.validate()?;
    // Serialising a `Value` cannot fail; the message stays static so
    // serde_json's error formatting is not linked.
    let body = serde_json::to_vec(&entity.wire_body(user_id)).map_err(|_| Error::invalid_input("entity cannot be encoded as JSON"))?;
    Ok(authorised(Method::Post, base_url, "/data/update_entity", access_token, Some(body)))
}

/// Any 2xx means the write was applied: the answer is the stored entity
/// when it reads as one of the same type and id (bare, in a `data`
/// envelope, or a list of one), and otherwise (`{"status":"success"}`, an
/// empty or unreadable body) the entity that was sent.
pub fn parse_update(sent: Entity, status: u16, headers: &[(String, String)], body: &[u8]) -> Result<Entity> {
    check_status(status, headers, body)?;
    let answered = decode_value(status, body).ok().and_then(|v| {
        let v = match v {
            serde_json::Value::Object(mut m) if !m.contains_key("type") && m.contains_key("data") => m.get_mut("data").map(serde_json::Value::take)?,
            other => other,
        };
        let v = match v {
            serde_json::Value::Array(mut items) if items.len() == 1 => items.remove(0),
            other => other,
        };
        Entity::from_json_as(&v, ErrorKind::BadResponse, sent.entity_type()).ok()
    });
    Ok(match answered {
        Some(e) if e.id() == sent.id() && e.entity_type() == sent.entity_type() => e,
        _ => sent,
    })
}
