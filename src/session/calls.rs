//! The endpoints whose requests depend on what the server speaks: each
//! learns from its answers into the dialect, so no request is wasted after
//! the first discovery (see `crate::dialect`). The others are one `call`
//! and one parse.

use super::Session;
use crate::api::{delete, members, search, summary, times, update, webhooks};
use crate::dialect::{route_missing, Dialect, Learned};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{names_field, Listed};
use crate::model::{Entity, EntityType, SummaryRow, TimeRecord, TriggerType};

fn cannot_discard() -> Error {
    Error::new(ErrorKind::NotFound, "this server cannot discard time entries")
}

impl Session {
    /// The signed-in member's id for a time entry's `user_id`: known, or
    /// asked once of `/data/members/me` (a server without it answers 404,
    /// remembered, and entries go without). `fresh` asks again.
    pub async fn user_id(&self, fresh: bool) -> Result<Option<String>> {
        {
            let d = self.dialect.borrow();
            if d.members == Some(false) {
                return Ok(None);
            }
            if !fresh && d.user_id.is_some() {
                return Ok(d.user_id.clone());
            }
        }
        let base = &self.cfg.base_url;
        let reply = self.call(&|tok| Ok(members::build_me(base, tok))).await?;
        self.learn(&mut |d| Dialect::learn_endpoint(&mut d.members, reply.status));
        if route_missing(reply.status) {
            return Ok(None);
        }
        let id = members::parse_me(reply.status, &reply.headers, &reply.body)?;
        self.learn(&mut |d| d.user_id = Some(id.clone()));
        Ok(Some(id))
    }

    /// Sends one write (an update), with the member's id on a time entry; a
    /// 400 naming `user_id` asks `/data/members/me` again and resends once.
    /// Answers the entity as stored.
    pub async fn write(&self, e: Entity) -> Result<Entity> {
        let is_entry = e.entity_type() == EntityType::TimedTaskRecord;
        let mut user = if is_entry { self.user_id(false).await.unwrap_or(None) } else { None };
        let mut asked_again = false;
        let base = &self.cfg.base_url;
        loop {
            let reply = self.call(&|tok| update::build_update(base, tok, &e, user.as_deref())).await?;
            if is_entry && !asked_again && reply.status == 400 && names_field(&reply.body, "user_id") {
                asked_again = true;
                self.learn(&mut |d| d.members = None);
                user = self.user_id(true).await?;
                continue;
            }
            return update::parse_update(e, reply.status, &reply.headers, &reply.body);
        }
    }

    /// Discards a time entry (`DELETE /data/entity`); a server without the
    /// route answers `not_found`, remembered so the caller stops offering it.
    pub async fn discard(&self, id: &str) -> Result<()> {
        if self.dialect.borrow().delete == Some(false) {
            return Err(cannot_discard());
        }
        let base = &self.cfg.base_url;
        let reply = self.call(&|tok| delete::build_delete_time(base, tok, id)).await?;
        self.learn(&mut |d| Dialect::learn_endpoint(&mut d.delete, reply.status));
        if route_missing(reply.status) {
            return Err(cannot_discard().with_status(reply.status));
        }
        delete::parse_delete(reply.status, &reply.headers, &reply.body)
    }

    /// The member's time entries in a range, every page; `None` when the
    /// server has no `/data/times` (learned: later calls send nothing).
    pub async fn times(&self, from_ms: f64, to_ms: f64) -> Result<Option<Listed<TimeRecord>>> {
        if self.dialect.borrow().times == Some(false) {
            return Ok(None);
        }
        let user = self.user_id(false).await.unwrap_or(None);
        let base = &self.cfg.base_url;
        let mut all = Listed { items: Vec::new(), skipped: 0 };
        let (mut first, mut pages) = (0, 0);
        loop {
            let start = all.items.len() + all.skipped;
            let reply = self.call(&|tok| times::build_times(base, tok, from_ms, to_ms, user.as_deref(), start)).await?;
            self.learn(&mut |d| Dialect::learn_endpoint(&mut d.times, reply.status));
            if pages == 0 && route_missing(reply.status) {
                return Ok(None);
            }
            let page = times::parse_times(reply.status, &reply.headers, &reply.body)?;
            let got = page.items.len() + page.skipped;
            if pages == 0 {
                first = got;
            }
            pages += 1;
            all.items.extend(page.items);
            all.skipped += page.skipped;
            if !times::more_pages(first, got, pages) {
                return Ok(Some(all));
            }
        }
    }

    /// Subscribes (or unsubscribes) `hook_url` for `trigger`, in the verbs
    /// the server speaks: the live ones first; a route-missing answer
    /// switches once, remembered.
    pub async fn webhook(&self, hook_url: &str, trigger: TriggerType, subscribe: bool) -> Result<()> {
        let mut first_try = true;
        let base = &self.cfg.base_url;
        loop {
            let verbs = self.dialect.borrow().webhook_verbs();
            let reply = self
                .call(&|tok| match subscribe {
                    true => webhooks::build_subscribe(base, tok, hook_url, trigger, verbs),
                    false => webhooks::build_unsubscribe(base, tok, hook_url, trigger, verbs),
                })
                .await?;
            // An unsubscribe's 404 is "already gone" in the live verbs, so
            // only subscribing (or a 405) teaches the verbs.
            let mut learned = Learned::Done;
            if subscribe || reply.status != 404 {
                self.learn(&mut |d| learned = d.learn_webhooks(verbs, reply.status, &reply.body, first_try));
            }
            if learned == Learned::TryOther {
                first_try = false;
                continue;
            }
            return match subscribe {
                true => webhooks::parse_webhook(reply.status, &reply.headers, &reply.body),
                false => webhooks::parse_unsubscribe(verbs, reply.status, &reply.headers, &reply.body),
            };
        }
    }

    /// Entities of one type by name (and parent).
    pub async fn search(&self, ty: EntityType, name: &str, parent_id: Option<&str>) -> Result<Listed<Entity>> {
        let reply = self.call(&|tok| search::build_search(&self.cfg.base_url, tok, ty, name, parent_id)).await?;
        search::parse_search(ty, reply.status, &reply.headers, &reply.body)
    }

    /// Tracked time per task in a range.
    pub async fn summary(&self, from_ms: f64, to_ms: f64) -> Result<Listed<SummaryRow>> {
        let reply = self.call(&|tok| summary::build_summary(&self.cfg.base_url, tok, from_ms, to_ms)).await?;
        summary::parse_summary(reply.status, &reply.headers, &reply.body)
    }
}
