//! `POST /data/update_entity/`: create or update one entity (an upsert by id).

use super::authorised;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{check_status, decode_one, HttpRequest, Method};
use crate::model::Entity;

/// The entity must carry its id (the caller generates one for a create, which
/// makes a repeated create idempotent).
pub fn build_update(base_url: &str, access_token: &str, entity: &Entity) -> Result<HttpRequest> {
    if entity.id().trim().is_empty() {
        return Err(Error::invalid_input("the entity needs an id (generate one with newId)"));
    }
    entity.validate()?;
    // Serialising an entity cannot fail (no maps with non-string keys); the
    // message stays static so serde_json's error formatting is not linked.
    let body = serde_json::to_vec(entity).map_err(|_| Error::invalid_input("entity cannot be encoded as JSON"))?;
    Ok(authorised(Method::Post, base_url, "/data/update_entity/", access_token, Some(body)))
}

pub fn parse_update(status: u16, headers: &[(String, String)], body: &[u8]) -> Result<Entity> {
    check_status(status, headers, body)?;
    let e = decode_one(status, body, |v| Entity::from_json(v, ErrorKind::BadResponse))?;
    if e.id().is_empty() {
        return Err(Error::bad_response("update answered an entity without an id").with_status(status));
    }
    Ok(e)
}
