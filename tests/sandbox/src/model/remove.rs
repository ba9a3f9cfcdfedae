//! Deleting entities (the live dialect's `DELETE /data/entity`).
//!
//! Ids that do not exist are ignored, so a repeated delete is harmless.
//! Deleting a project also deletes its tasks, a task its sub-tasks and time
//! entries, a sub-task the time entries on it; a deleted category leaves its
//! projects without a category (a category only groups them).

use super::Data;

/// What to delete, by kind.
#[derive(Debug, Default)]
pub struct Removal {
    pub categories: Vec<String>,
    pub projects: Vec<String>,
    pub tasks: Vec<String>,
    pub subtasks: Vec<String>,
    pub time_entries: Vec<String>,
}

impl Removal {
    pub fn is_empty(&self) -> bool {
        self.categories.is_empty()
            && self.projects.is_empty()
            && self.tasks.is_empty()
            && self.subtasks.is_empty()
            && self.time_entries.is_empty()
    }
}

impl Data {
    /// Delete what `r` names (and the children, see above); answers how many
    /// entities were removed in all.
    pub fn remove(&mut self, r: &Removal) -> usize {
        let before = self.count();
        for p in &mut self.projects {
            if p.category_id.as_ref().is_some_and(|c| r.categories.contains(c)) {
                p.category_id = None;
            }
        }
        self.categories.retain(|c| !r.categories.contains(&c.id));

        self.projects.retain(|p| !r.projects.contains(&p.id));
        let projects = &self.projects;
        let mut tasks_gone: Vec<String> = r.tasks.clone();
        tasks_gone.extend(
            self.tasks.iter().filter(|t| !projects.iter().any(|p| p.id == t.project_id)).map(|t| t.id.clone()),
        );
        self.tasks.retain(|t| !tasks_gone.contains(&t.id));

        let mut subs_gone: Vec<String> = r.subtasks.clone();
        subs_gone.extend(self.subtasks.iter().filter(|s| tasks_gone.contains(&s.task_id)).map(|s| s.id.clone()));
        self.subtasks.retain(|s| !subs_gone.contains(&s.id));

        self.time_entries.retain(|e| {
            !r.time_entries.contains(&e.id)
                && !tasks_gone.contains(&e.task_id)
                && !e.subtask_id.as_ref().is_some_and(|s| subs_gone.contains(s))
        });
        before - self.count()
    }

    fn count(&self) -> usize {
        self.categories.len() + self.projects.len() + self.tasks.len() + self.subtasks.len() + self.time_entries.len()
    }
}
