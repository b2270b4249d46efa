//! Test harness: the whole application router on its own fresh database.
//!
//! `PORTCULLIS_TEST_DATABASE_URL` chooses the engine: unset, each test gets a new SQLite file;
//! `postgres://…` (a role that may create databases), each test gets a new database there,
//! dropped when the test ends.

#![allow(dead_code)] // each test file uses a different part of the harness

use app::state::AppState;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use portcullis::config::Config;
use std::sync::atomic::{AtomicU32, Ordering};
use tower::ServiceExt;

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Starts `node SCRIPT` from `end2end/` with `env` and waits until it listens on `port`.
pub fn start_node(script: &str, port: u16, env: &[(&str, String)]) -> std::process::Child {
    use std::time::{Duration, Instant};
    let end2end = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../end2end");
    let child = std::process::Command::new("node")
        .arg(end2end.join(script))
        .envs(env.iter().map(|(k, v)| (k.to_string(), v.clone())))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start node (is Node.js installed?)");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{script} did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

/// A fresh database for one test.
pub struct TestDatabase {
    pub url: String,
    postgres_admin: Option<(String, String)>,
    sqlite_dir: Option<std::path::PathBuf>,
}

impl TestDatabase {
    pub fn new() -> Self {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let unique = format!("{}_{}_{n}", std::process::id(), nanos());
        match std::env::var("PORTCULLIS_TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            Some(admin) if admin.starts_with("postgres") => {
                let name = format!("portcullis_test_{unique}");
                run_blocking({
                    let admin = admin.clone();
                    let name = name.clone();
                    async move {
                        let mut conn = connect_admin(&admin).await;
                        sqlx::query(&format!("CREATE DATABASE {name}"))
                            .execute(&mut conn)
                            .await
                            .expect("create test database");
                    }
                });
                let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
                Self {
                    url: format!("{base}/{name}"),
                    postgres_admin: Some((admin, name)),
                    sqlite_dir: None,
                }
            }
            _ => {
                let dir = std::env::temp_dir().join(format!("portcullis-test-{unique}"));
                Self {
                    url: format!("sqlite://{}/portcullis.db", dir.display()),
                    postgres_admin: None,
                    sqlite_dir: Some(dir),
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.postgres_admin.take() {
            run_blocking(async move {
                let mut conn = connect_admin(&admin).await;
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await;
            });
        }
        if let Some(dir) = self.sqlite_dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

async fn connect_admin(url: &str) -> sqlx::AnyConnection {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    sqlx::AnyConnection::connect(url)
        .await
        .expect("connect to PORTCULLIS_TEST_DATABASE_URL")
}

/// Runs a future to completion on a separate thread with its own runtime (usable from Drop and
/// from inside a test's runtime).
fn run_blocking<F: std::future::Future<Output = ()> + Send + 'static>(future: F) {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(future)
    })
    .join()
    .expect("database setup thread");
}

fn nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() % 1_000_000_000)
        .unwrap_or(0)
}

/// The application on a fresh database, called through the router without a socket.
pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub config: Config,
    /// Owned by the first app on a database; replicas borrow it by URL.
    _database: Option<TestDatabase>,
}

/// Environment for a test app: development sign-in on unless a test says otherwise.
pub fn test_config(database_url: &str, extra: &[(&str, &str)]) -> Config {
    let mut vars: Vec<(String, String)> = vec![
        ("PORTCULLIS_DATABASE_URL".into(), database_url.into()),
        ("PORTCULLIS_DEV_SIGNIN".into(), "true".into()),
        ("PORTCULLIS_DATABASE_MAX_CONNECTIONS".into(), "5".into()),
        // No internet here: tests that need the catalog point at the stand-in (common::pyxis).
        ("PORTCULLIS_CATALOG_URL".into(), "off".into()),
        // The tests read the English texts; `platform::the_language_*` tests the default `nb`.
        ("PORTCULLIS_DEFAULT_LANGUAGE".into(), "en".into()),
    ];
    // Development sign-in only runs beside no provider and behind a loopback public URL.
    let real_deployment = extra.iter().any(|(k, v)| {
        *k == "PORTCULLIS_OIDC_ISSUER" || (*k == "PORTCULLIS_PUBLIC_URL" && v.starts_with("https"))
    });
    if real_deployment {
        vars.retain(|(key, _)| key != "PORTCULLIS_DEV_SIGNIN");
    }
    for (k, v) in extra {
        vars.retain(|(key, _)| key != k);
        vars.push((k.to_string(), v.to_string()));
    }
    Config::from_lookup(
        |k| {
            vars.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        },
        "127.0.0.1:3000".parse().unwrap(),
    )
    .expect("test configuration")
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    pub async fn spawn_with(extra: &[(&str, &str)]) -> Self {
        Self::spawn_serving("target/site", extra).await
    }

    /// An app whose site (the build output under `/pkg`) is the folder `site_root`.
    pub async fn spawn_serving(site_root: &str, extra: &[(&str, &str)]) -> Self {
        let database = TestDatabase::new();
        let mut app = Self::start(&database.url, extra, site_root).await;
        app._database = Some(database);
        app
    }

    /// A second server process on this app's database (another replica behind the load
    /// balancer), with its own settings.
    pub async fn replica(&self, extra: &[(&str, &str)]) -> Self {
        let site_root = self.state.leptos_options.site_root.to_string();
        Self::start(&self.config.database_url, extra, &site_root).await
    }

    async fn start(database_url: &str, extra: &[(&str, &str)], site_root: &str) -> Self {
        let config = test_config(database_url, extra);
        let options = leptos::config::LeptosOptions::builder()
            .output_name("app")
            .site_root(site_root)
            .site_addr(config.site_addr)
            .build();
        let state = portcullis::prepare(&config, options)
            .await
            .expect("prepare app");
        let router = portcullis::http::router(state.clone(), &config);
        Self {
            router,
            state,
            config,
            _database: None,
        }
    }

    /// Sends one request through the router, addressed to the portal's own host (as a browser
    /// would) unless the request names another `Host`.
    pub async fn send(&self, mut request: Request<Body>) -> TestResponse {
        if !request.headers().contains_key(header::HOST) {
            request
                .headers_mut()
                .insert(header::HOST, "127.0.0.1:3000".parse().unwrap());
        }
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        TestResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> TestResponse {
        let mut request = Request::builder().method(Method::GET).uri(path);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// Calls a server function the way the hydrated app does (form-encoded arguments, JSON
    /// answer), from the portal's own origin.
    pub async fn call(
        &self,
        function: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> TestResponse {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(format!("/api/{function}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header(header::ORIGIN, "http://127.0.0.1:3000")
            .header("sec-fetch-site", "same-origin");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::from(encode_form(form))).unwrap())
            .await
    }

    /// Signs in as a development user and returns the session cookie.
    pub async fn sign_in(&self, user: &str) -> String {
        let response = self.call("dev_sign_in", &[("user", user)], None).await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "sign in as {user}: {}",
            response.body
        );
        response
            .session_cookie()
            .expect("sign-in sets the session cookie")
    }

    /// Chooses `language` (`nb`, `en`) in the header's switch as the holder of `cookie`: their
    /// mail and the portal's notes to them are written in it from then on.
    pub async fn choose_language(&self, cookie: &str, language: &str) {
        let chose = self
            .send(
                Request::builder()
                    .method(axum::http::Method::POST)
                    .uri("/language")
                    .header(
                        axum::http::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded",
                    )
                    .header(axum::http::header::COOKIE, cookie)
                    .body(Body::from(format!("lang={language}&return_to=/requests")))
                    .unwrap(),
            )
            .await;
        assert_eq!(chose.status, StatusCode::SEE_OTHER, "{}", chose.body);
    }

    /// Calls a server function that answers `()` and checks it succeeded.
    pub async fn act(&self, function: &str, args: &[(&str, &str)], cookie: &str) {
        let response = self.call(function, args, Some(cookie)).await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "{function} {args:?}: {}",
            response.body
        );
    }

    /// The request page's data as the holder of `cookie` sees it.
    pub async fn request(&self, id: i64, cookie: &str) -> serde_json::Value {
        let response = self
            .call("get_request", &[("id", &id.to_string())], Some(cookie))
            .await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        response.json()
    }

    /// Submits a valid request for `image` itself (declining catalog equivalents) as the holder
    /// of `cookie`, and returns its number.
    pub async fn submit(&self, cookie: &str, image: &str) -> i64 {
        let response = self.submit_for_team(cookie, image, "Web platform").await;
        assert_eq!(response.status, StatusCode::OK, "submit: {}", response.body);
        response.body.trim().parse().expect("request number")
    }

    /// Submits a request for `image` owned by `team` (declining catalog equivalents) as the
    /// holder of `cookie`, and returns the answer as it is.
    pub async fn submit_for_team(&self, cookie: &str, image: &str, team: &str) -> TestResponse {
        self.call(
            "submit_request",
            &[
                ("image", image),
                ("team", team),
                ("contact", "web@example.org"),
                (
                    "justification",
                    "Reverse proxy in front of the course portal.",
                ),
                // Where the catalog has equivalents, decline them (ignored where it has none).
                ("catalog_choice", "none"),
                (
                    "catalog_reason",
                    "The tests need the upstream image itself.",
                ),
            ],
            Some(cookie),
        )
        .await
    }

    pub async fn count_requests(&self) -> i64 {
        self.count_rows("image_request").await
    }

    /// The number of rows in `table` (a fixed name from the test, never input).
    pub async fn count_rows(&self, table: &str) -> i64 {
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(self.state.db.pool())
            .await
            .unwrap();
        n
    }

    /// Changes the data of the one stored session, as an attacker with database access or a
    /// clock would: `edit` gets the session's JSON.
    pub async fn edit_only_session(&self, edit: impl FnOnce(&mut serde_json::Value)) {
        let (id, data): (String, String) =
            sqlx::query_as("SELECT user_session_id, data FROM user_session")
                .fetch_one(self.state.db.pool())
                .await
                .unwrap();
        let mut record: serde_json::Value = serde_json::from_str(&data).unwrap();
        edit(&mut record);
        sqlx::query("UPDATE user_session SET data = $1 WHERE user_session_id = $2")
            .bind(record.to_string())
            .bind(id)
            .execute(self.state.db.pool())
            .await
            .unwrap();
    }

    /// Posts a form as a browser without JavaScript does (`Accept: text/html`, a `Referer`).
    pub async fn post_form_without_javascript(
        &self,
        path: &str,
        referer: &str,
        form: &[(&str, &str)],
        cookie: &str,
    ) -> TestResponse {
        let request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
            .header(header::REFERER, referer)
            .header(header::ORIGIN, "http://127.0.0.1:3000")
            .header(header::COOKIE, cookie)
            .body(Body::from(encode_form(form)))
            .unwrap();
        self.send(request).await
    }
}

pub fn encode_form(form: &[(&str, &str)]) -> String {
    form.iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl TestResponse {
    /// `name=value` of the session cookie this response sets, if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.cookie("portcullis-session")
    }

    /// `name=value` of the cookie `name` this response sets, if any.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let prefix = format!("{name}=");
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&prefix))
            .map(|v| v.split(';').next().unwrap_or_default().to_owned())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

pub mod oidc;
pub mod pyxis;
pub mod registry;
pub mod smtp;
