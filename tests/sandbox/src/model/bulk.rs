//! Many new categories, projects, tasks and sub-tasks at once (the control
//! API's `POST /_sandbox/entities`, for the benchmark's big catalogs): each
//! body is read and checked by the same code as an `update_entity` in the
//! seed's names, against a scratch model holding only its parent, so adding
//! n entities costs O(n) instead of the upsert path's O(n²) list scans.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::{bad, seed_body, Data, Entity, Reject};

/// A body refused: its index in the list, and why. Nothing of the list is stored.
pub struct BulkError {
    pub index: usize,
    pub reject: Reject,
}

impl Data {
    /// Add every body (canonical names, an `id` each, parents first): all or
    /// nothing. An id already used by the same type is refused: this adds,
    /// it does not update.
    pub fn add_entities(&mut self, bodies: &[Value]) -> Result<usize, BulkError> {
        let mut next = self.clone();
        let index_of = |ids: Vec<&str>| -> HashMap<String, usize> {
            ids.into_iter().enumerate().map(|(i, id)| (id.to_string(), i)).collect()
        };
        let mut cats = index_of(next.categories.iter().map(|x| x.id.as_str()).collect());
        let mut projects = index_of(next.projects.iter().map(|x| x.id.as_str()).collect());
        let mut tasks = index_of(next.tasks.iter().map(|x| x.id.as_str()).collect());
        let mut subtasks: HashSet<String> = next.subtasks.iter().map(|x| x.id.clone()).collect();
        for (index, body) in bodies.iter().enumerate() {
            let err = |reject| BulkError { index, reject };
            let b = body.as_object().ok_or_else(|| err(bad("body", "each entity must be a JSON object")))?;
            let kind = b.get("type").and_then(Value::as_str).unwrap_or("");
            let id = match b.get("id") {
                Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
                _ => return Err(err(bad("id", "each entity needs its id"))),
            };
            // The scratch model: the dialect, and the parent the body names (if known).
            let mut scratch = Data { dialect: next.dialect, ..Data::default() };
            let parent = |k: &str| b.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let taken = match kind {
                "ProjectCategory" => cats.contains_key(&id),
                "Project" => {
                    if let Some(&i) = cats.get(&parent("category_id")) {
                        scratch.categories.push(next.categories[i].clone());
                    }
                    projects.contains_key(&id)
                }
                "TimedTask" => {
                    if let Some(&i) = projects.get(&parent("project_id")) {
                        scratch.projects.push(next.projects[i].clone());
                    }
                    tasks.contains_key(&id)
                }
                "TimedSubTask" => {
                    if let Some(&i) = tasks.get(&parent("task_id")) {
                        scratch.tasks.push(next.tasks[i].clone());
                    }
                    subtasks.contains(&id)
                }
                _ => return Err(err(bad("type", "type must be ProjectCategory, Project, TimedTask or TimedSubTask"))),
            };
            seed_body::check(kind, b).map_err(err)?;
            if taken {
                return Err(err(bad("id", "an entity of this type has this id already")));
            }
            match scratch.apply(kind, b).map_err(err)?.entity {
                Entity::Category(x) => {
                    cats.insert(x.id.clone(), next.categories.len());
                    next.categories.push(x);
                }
                Entity::Project(x) => {
                    projects.insert(x.id.clone(), next.projects.len());
                    next.projects.push(x);
                }
                Entity::Task(x) => {
                    tasks.insert(x.id.clone(), next.tasks.len());
                    next.tasks.push(x);
                }
                Entity::SubTask(x) => {
                    subtasks.insert(x.id.clone());
                    next.subtasks.push(x);
                }
                Entity::Time(_) => return Err(err(bad("type", "time entries are not added here"))),
            }
        }
        *self = next;
        Ok(bodies.len())
    }
}
