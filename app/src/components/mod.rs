//! Small pieces the pages share.

mod alerts;
mod badges;
mod debounce;
mod fields;
mod forms;
mod gate;
mod rcdata;
mod table;
mod timestamp;

pub use alerts::{ErrorNotice, SignInPrompt};
pub use badges::lifecycle_label;
pub use badges::{RequestBadges, RoleBadge, StateBadge};
pub use debounce::debounced;
pub use fields::{DateField, ErrorSummary, TextArea, TextField};
pub use forms::{field_errors, other_error};
pub use gate::Gate;
pub use rcdata::rcdata;
pub use table::DataTable;
pub use timestamp::Timestamp;
