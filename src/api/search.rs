//! `GET /data/search_entity/`: entities of one type by name (and parent).

use super::authorised;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{check_status, decode_list, query, HttpRequest, Method};
use crate::model::{Entity, EntityType};

pub fn build_search(base_url: &str, access_token: &str, entity_type: EntityType, name: &str, parent_id: Option<&str>) -> Result<HttpRequest> {
    if !entity_type.searchable() {
        return Err(Error::invalid_input("search_entity serves ProjectCategory, Project, TimedTask and TimedSubTask only"));
    }
    if name.len() > 1000 {
        return Err(Error::invalid_input("search name too long"));
    }
    let mut pairs = vec![("type", entity_type.as_str()), ("name", name)];
    if let Some(p) = parent_id.filter(|p| !p.is_empty()) {
        pairs.push(("parent_id", p));
    }
    Ok(authorised(Method::Get, base_url, &format!("/data/search_entity/?{}", query(&pairs)), access_token, None))
}

pub fn parse_search(status: u16, headers: &[(String, String)], body: &[u8]) -> Result<Vec<Entity>> {
    check_status(status, headers, body)?;
    let list = decode_list(status, body, |v| Entity::from_json(v, ErrorKind::BadResponse))?;
    if list.iter().any(|e| e.id().is_empty()) {
        return Err(Error::bad_response("search answered an entity without an id").with_status(status));
    }
    Ok(list)
}
