//! The tokens this process checked lately, so polling costs no query. Server only.

use super::model::TokenSummary;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// `last_used_at` is written at most this often per token and process, so heavy polling costs
/// no writes.
pub(super) const LAST_USED_PRECISION: Duration = Duration::from_secs(60);

/// Tokens this process checked lately, with the token-revocation count they were read at. A
/// token is read from the database again once that count moves ([`crate::changes`]) or after
/// [`LAST_USED_PRECISION`], so a poll costs no query, a revocation anywhere takes effect within
/// [`crate::changes::CHECK_INTERVAL`], and the last use is still recorded once a minute.
/// Holds only tokens whose secret matched, so it is bounded by the tokens admins created.
#[derive(Debug, Default)]
pub struct KnownTokens {
    tokens: std::sync::RwLock<HashMap<String, KnownToken>>,
}

#[derive(Clone, Debug)]
pub(super) struct KnownToken {
    pub(super) token: Arc<TokenSummary>,
    pub(super) secret_hash: String,
    pub(super) revocations: i64,
    pub(super) read_at: Instant,
}

impl KnownToken {
    pub(super) fn stands(&self, revocations: i64) -> bool {
        self.revocations == revocations && self.read_at.elapsed() < LAST_USED_PRECISION
    }
}

impl KnownTokens {
    pub(super) fn get(&self, id: &str, revocations: i64) -> Option<KnownToken> {
        let tokens = self
            .tokens
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        tokens.get(id).filter(|k| k.stands(revocations)).cloned()
    }

    pub(super) fn keep(&self, known: KnownToken) {
        let mut tokens = self
            .tokens
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        tokens.retain(|_, k| k.stands(known.revocations));
        tokens.insert(known.token.id.clone(), known);
    }
}
