//! The site's build output under `/pkg` (WASM, JS, CSS; public, the same for everyone).
//!
//! Each file goes out as the `.br` or `.gz` copy `make release` wrote beside it when the browser
//! accepts that encoding (responses in an encoding get `Vary: Accept-Encoding` from the common
//! middleware), else as the file itself. The names stay the same from build to build, so the
//! browser revalidates each use (`Cache-Control: no-cache`) against an `ETag` made from the
//! file's content. Content, not the modification time: a rollback to an older build, or two
//! builds within the same second, must not leave a browser running one build's WASM against
//! another's page, which a `Last-Modified` comparison would allow. Pages themselves are never
//! compressed: they carry personal data and reflect what users typed, the mix a BREACH attack
//! needs.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// The service for `/pkg`, serving the files in `directory`.
pub fn service(directory: PathBuf) -> axum::routing::MethodRouter {
    let validators = Arc::new(Validators {
        directory: directory.clone(),
        known: Mutex::default(),
    });
    axum::routing::get_service(
        tower_http::services::ServeDir::new(directory)
            .precompressed_br()
            .precompressed_gzip(),
    )
    .layer(axum::middleware::from_fn_with_state(validators, revalidate))
}

/// Content validators of the files served, computed when a file is first asked for and again
/// whenever its size or modification time changes (a rebuild while the server runs, as
/// `cargo leptos watch` does).
struct Validators {
    directory: PathBuf,
    known: Mutex<HashMap<PathBuf, Known>>,
}

struct Known {
    modified: SystemTime,
    len: u64,
    etag: HeaderValue,
}

impl Validators {
    /// The `ETag` of the file at `request_path` (relative to the directory), or `None` when
    /// there is no such plain file (the file service then answers as it would).
    async fn etag(&self, request_path: &str) -> Option<HeaderValue> {
        let relative = Path::new(request_path.trim_start_matches('/'));
        // Only plain names: no `..`, no root, nothing percent-encoded resolved here (the file
        // service decodes and checks for itself; a name it would decode is simply not found).
        if relative.as_os_str().is_empty()
            || !relative
                .components()
                .all(|part| matches!(part, Component::Normal(_)))
        {
            return None;
        }
        let path = self.directory.join(relative);
        let metadata = tokio::fs::metadata(&path).await.ok()?;
        if !metadata.is_file() {
            return None;
        }
        let (modified, len) = (metadata.modified().ok()?, metadata.len());
        if let Some(known) = self.lock().get(&path) {
            if known.modified == modified && known.len == len {
                return Some(known.etag.clone());
            }
        }
        let content = tokio::fs::read(&path).await.ok()?;
        let digest = Sha256::digest(&content);
        let hex: String = digest[..12]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        // Weak: the brotli, gzip and plain copies are the same content in different encodings.
        let etag = HeaderValue::from_str(&format!("W/\"{hex}\"")).ok()?;
        self.lock().insert(
            path,
            Known {
                modified,
                len,
                etag: etag.clone(),
            },
        );
        Some(etag)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Known>> {
        // The map holds only finished entries, so one left by a panicking thread is whole.
        self.known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Answers `304` when the browser's copy has this content, else serves the file with its
/// `ETag`; the modification time never decides.
async fn revalidate(
    State(validators): State<Arc<Validators>>,
    mut request: Request,
    next: Next,
) -> Response {
    let etag = validators.etag(request.uri().path()).await;
    let headers = request.headers_mut();
    headers.remove(header::IF_MODIFIED_SINCE);
    headers.remove(header::IF_UNMODIFIED_SINCE);
    let no_cache = HeaderValue::from_static("no-cache");
    if let Some(etag) = &etag {
        if browser_has(headers, etag) {
            let mut response = StatusCode::NOT_MODIFIED.into_response();
            response.headers_mut().insert(header::ETAG, etag.clone());
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, no_cache);
            return response;
        }
    }
    let mut response: Response<Body> = next.run(request).await;
    let response_headers = response.headers_mut();
    response_headers.remove(header::LAST_MODIFIED);
    response_headers.insert(header::CACHE_CONTROL, no_cache);
    if let (Some(etag), true) = (etag, response.status() == StatusCode::OK) {
        response.headers_mut().insert(header::ETAG, etag);
    }
    response
}

/// Whether `If-None-Match` names `etag` (weak comparison, as RFC 9110 asks for it).
fn browser_has(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let ours = opaque(etag.to_str().unwrap_or_default());
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|theirs| theirs == "*" || opaque(theirs) == ours)
}

fn opaque(tag: &str) -> &str {
    tag.strip_prefix("W/").unwrap_or(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly_and_reads_lists() {
        let etag = HeaderValue::from_static("W/\"abc\"");
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static(value));
            browser_has(&headers, &etag)
        };
        assert!(with("W/\"abc\""));
        assert!(with("\"abc\""));
        assert!(with("\"x\", W/\"abc\""));
        assert!(with("*"));
        assert!(!with("W/\"abd\""));
        assert!(!with("abc"));
        assert!(!browser_has(&HeaderMap::new(), &etag));
    }
}
