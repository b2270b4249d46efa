//! The site's build output under `/pkg` (WASM, JS, CSS; public, the same for everyone).
//!
//! Each file goes out as the `.br` or `.gz` copy `make release` wrote beside it when the browser
//! accepts that encoding, else as the file itself, always with `Vary: Accept-Encoding`. The
//! names stay the same from build to build, so the browser revalidates each use
//! (`Cache-Control: no-cache`) against an `ETag` made from the bytes of the copy it was sent.
//! Content, not the modification time: a rollback to an older build, or two builds within the
//! same second, must not leave a browser running one build's WASM against another's page,
//! which a `Last-Modified` comparison would allow. Pages themselves are never compressed: they
//! carry personal data and reflect what users typed, the mix a BREACH attack needs.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

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

/// Content validators of the files served, computed when a file is first sent and again
/// whenever it changes (a rebuild while the server runs, as `cargo leptos watch` does).
struct Validators {
    directory: PathBuf,
    known: Mutex<HashMap<PathBuf, Known>>,
}

struct Known {
    version: FileVersion,
    etag: HeaderValue,
}

/// What tells one version of a file from the next without reading it: size and modification
/// time, and on Unix the inode and change time too (a file replaced by rename, or rewritten
/// within the modification time's resolution).
#[derive(PartialEq, Eq)]
struct FileVersion {
    len: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    inode_and_change: (u64, i64, i64),
}

impl FileVersion {
    fn of(metadata: &std::fs::Metadata) -> Self {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Self {
            len: metadata.len(),
            modified: metadata.modified().ok(),
            #[cfg(unix)]
            inode_and_change: (metadata.ino(), metadata.ctime(), metadata.ctime_nsec()),
        }
    }
}

impl Validators {
    /// The `ETag` of the file at `request_path` (relative to the directory), or `None` when
    /// there is no such plain file.
    async fn etag(&self, request_path: &str) -> Option<HeaderValue> {
        let relative = Path::new(request_path.trim_start_matches('/'));
        // Only plain names: no `..`, no root. The file service has already found and sent this
        // very path (it decodes and checks for itself), so this is a second fence, not the gate.
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
        let version = FileVersion::of(&metadata);
        if let Some(known) = self.lock().get(&path) {
            if known.version == version {
                return Some(known.etag.clone());
            }
        }
        let reading = path.clone();
        let hex = tokio::task::spawn_blocking(move || {
            let content = std::fs::read(reading).ok()?;
            let digest = Sha256::digest(&content);
            Some(
                digest[..12]
                    .iter()
                    .map(|byte| format!("{byte:02x}"))
                    .collect::<String>(),
            )
        })
        .await
        .ok()??;
        // Strong: it names these exact bytes (each encoding's copy has its own).
        let etag = HeaderValue::from_str(&format!("\"{hex}\"")).ok()?;
        self.lock().insert(
            path,
            Known {
                version,
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

/// Lets the file service choose and send the copy, then names it: the `ETag` of the copy in
/// the response (plain, `.br` or `.gz`, by its `Content-Encoding`), and `304` instead of the
/// body when the browser already holds exactly that. Dates never decide: the date conditions
/// are removed, and a range request that depends on one is answered whole.
async fn revalidate(
    State(validators): State<Arc<Validators>>,
    mut request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return next.run(request).await;
    }
    let headers = request.headers_mut();
    let if_none_match: Vec<HeaderValue> = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .cloned()
        .collect();
    headers.remove(header::IF_NONE_MATCH);
    headers.remove(header::IF_MODIFIED_SINCE);
    headers.remove(header::IF_UNMODIFIED_SINCE);
    if headers.remove(header::IF_RANGE).is_some() {
        headers.remove(header::RANGE);
    }
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let response_headers = response.headers_mut();
    response_headers.remove(header::LAST_MODIFIED);
    set_caching(response_headers);
    if response.status() != StatusCode::OK {
        return response;
    }
    let copy = match response
        .headers()
        .get(header::CONTENT_ENCODING)
        .map(HeaderValue::as_bytes)
    {
        None => "",
        Some(b"br") => ".br",
        Some(b"gzip") => ".gz",
        Some(_) => return response,
    };
    let Some(etag) = validators.etag(&format!("{path}{copy}")).await else {
        return response;
    };
    if browser_has(&if_none_match, &etag) {
        let mut not_modified = StatusCode::NOT_MODIFIED.into_response();
        set_caching(not_modified.headers_mut());
        not_modified.headers_mut().insert(header::ETAG, etag);
        return not_modified;
    }
    response.headers_mut().insert(header::ETAG, etag);
    response
}

/// What every answer from `/pkg` says to caches, a `304` as its `200` would.
fn set_caching(headers: &mut axum::http::HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
}

/// Whether the `If-None-Match` values name `etag` (weak comparison, as RFC 9110 asks for it).
fn browser_has(if_none_match: &[HeaderValue], etag: &HeaderValue) -> bool {
    let ours = opaque(etag.to_str().unwrap_or_default());
    if_none_match
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
        let etag = HeaderValue::from_static("\"abc\"");
        let with = |value: &'static str| browser_has(&[HeaderValue::from_static(value)], &etag);
        assert!(with("W/\"abc\""));
        assert!(with("\"abc\""));
        assert!(with("\"x\", W/\"abc\""));
        assert!(with("*"));
        assert!(!with("W/\"abd\""));
        assert!(!with("abc"));
        assert!(!browser_has(&[], &etag));
    }
}
