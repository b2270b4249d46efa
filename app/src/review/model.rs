//! What the review pages get to see (wire types, shared by server and browser).

use crate::domain::{RequestId, RequestState};
use crate::images::model::url_encode;
use serde::{Deserialize, Serialize};

/// The queue's filters, as they appear in its URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueFilter {
    /// `open` (submitted and in review; the default), a state's name, or `all`.
    pub state: String,
    /// Only this team (exact name); empty for every team.
    pub team: String,
    /// Only requests the viewer has claimed.
    pub mine: bool,
    /// Only requests whose catalog check did not count.
    pub unchecked: bool,
    /// Paging: the cursor of the last row of the previous page; empty for the first page.
    pub after: String,
}

impl QueueFilter {
    /// The states the filter shows.
    pub fn states(&self) -> Vec<RequestState> {
        match self.state.as_str() {
            "" | "open" => vec![RequestState::Submitted, RequestState::InReview],
            "all" => RequestState::ALL.to_vec(),
            other => RequestState::from_db(other)
                .map(|s| vec![s])
                .unwrap_or_default(),
        }
    }

    /// The query string for these filters (without the cursor unless `with_cursor`).
    pub fn query(&self, with_cursor: bool) -> String {
        let mut parts = Vec::new();
        if !self.state.is_empty() && self.state != "open" {
            parts.push(format!("state={}", self.state));
        }
        if !self.team.is_empty() {
            parts.push(format!("team={}", url_encode(&self.team)));
        }
        if self.mine {
            parts.push("mine=true".to_owned());
        }
        if self.unchecked {
            parts.push("unchecked=true".to_owned());
        }
        if with_cursor && !self.after.is_empty() {
            parts.push(format!("after={}", url_encode(&self.after)));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

/// A row of the queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueRow {
    pub id: RequestId,
    pub image: String,
    pub team: String,
    pub state: RequestState,
    pub requester_name: String,
    pub created_at: String,
    pub claimed_by_name: Option<String>,
    pub catalog_checked: bool,
}

/// One page of the queue, with counts per state for the other filters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuePage {
    pub filter: QueueFilter,
    pub rows: Vec<QueueRow>,
    /// Requests per state that match the team / mine / unchecked filters.
    pub counts: Vec<(RequestState, i64)>,
    /// How many rows match the whole filter.
    pub matching: i64,
    /// The cursor for the next page, when there is one.
    pub next: Option<String>,
    /// The server's time, for showing ages.
    pub now: String,
}
