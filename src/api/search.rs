//! `GET /data/search_entity`: entities of one type by name (and parent).

use super::authorised;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{check_status, decode_list_lenient, query, HttpRequest, Listed, Method};
use crate::model::{Entity, EntityType};

/// An empty `name` or `parent_id` is left out, as the live client does
/// (both servers read a missing name as "all").
pub fn build_search(base_url: &str, access_token: &str, entity_type: EntityType, name: &str, parent_id: Option<&str>) -> Result<HttpRequest> {
    if !entity_type.searchable() {
        return Err(Error::invalid_input("search_entity serves ProjectCategory, Project, TimedTask and TimedSubTask only"));
    }
    if name.len() > 1000 {
        return Err(Error::invalid_input("search name too long"));
    }
    let mut pairs = vec![("type", entity_type.as_str())];
    if !name.is_empty() {
        pairs.push(("name", name));
    }
    if let Some(p) = parent_id.filter(|p| !p.is_empty()) {
        pairs.push(("parent_id", p));
    }
    Ok(authorised(Method::Get, base_url, &format!("/data/search_entity?{}", query(&pairs)), access_token, None))
}

/// Reads the answer of a search for `asked`: items without `type` are of
/// the type asked for; an item that cannot be read (or has no id) is
/// skipped and counted, never failing the whole list.
pub fn parse_search(asked: EntityType, status: u16, headers: &[(String, String)], body: &[u8]) -> Result<Listed<Entity>> {
    check_status(status, headers, body)?;
    decode_list_lenient(status, body, |v| {
        let e = Entity::from_json_as(v, ErrorKind::BadResponse, asked)?;
        if e.id().is_empty() || e.entity_type() != asked {
            return Err(Error::bad_response("search item without an id, or of another type"));
        }
        Ok(e)
    })
}
