//! The Tyme entities as they travel on the wire, their ids, the seed's
//! date-time format and duration rounding.

pub mod datetime;
pub mod entity;
pub mod id;
pub mod read;
pub mod rounding;
pub mod summary;

pub use datetime::{format_date_time, parse_date_time, WireTime};
pub use entity::{Category, Entity, EntityType, Project, SubTask, Task, TimeRecord, TriggerType};
pub use id::new_id;
pub use rounding::{round_duration, RoundingMethod};
pub use summary::SummaryRow;
