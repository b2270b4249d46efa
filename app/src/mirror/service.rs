//! The mirror verification job, and the mirror status pages and lists show. Server only.
//!
//! Each run (one replica at a time, under a lease) reads the mirror registry's catalog, the tags
//! of every repository in it under the configured prefix, and for each active allowlist entry
//! the allowed tags and pins it finds there: their digests (compared with what upstream serves
//! now) and build dates. Tags no active entry allows are drift. A mirror that cannot be read
//! leaves the last known state as it was and says why on the drift page.

use super::model::{
    pull_reference, Drift, MirrorHealth, MirrorStatus, MirrorTarget, MirroredImage,
};
use super::store::{self, DriftFinding, Found, ImageRow};
use crate::allowlist::AllowlistEntry;
use crate::domain::SessionUser;
use crate::error::AppError;
use crate::i18n::td_string;
use crate::mail::{messages, outbox};
use crate::persistence::{self, DbError};
use crate::registry::client::RegistryError;
use crate::state::AppState;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use time::OffsetDateTime;

/// How long one run may hold the lease before another replica may start one.
const LEASE: time::Duration = time::Duration::minutes(15);
/// How long one run may spend reading the mirror: well inside the lease, so a run that
/// records always still holds it.
const READ_MAX: std::time::Duration = std::time::Duration::from_secs(12 * 60);
/// New drift findings listed in one mail (the rest are counted, and all are on the page).
const MAIL_FINDINGS_MAX: usize = 100;
/// Repositories read at once.
const CONCURRENCY: usize = 8;

/// What one run did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    /// `PORTCULLIS_MIRROR_REGISTRY` is not set.
    NotConfigured,
    /// Another replica holds the lease.
    Busy,
    /// The mirror could not be read; the last known state stands.
    Unreachable(String),
    /// The server began stopping while the mirror was being read; the lease was given back
    /// and nothing was recorded.
    Stopped,
    Checked {
        entries: usize,
        newly_available: usize,
        new_drift: usize,
    },
}

/// What the mirror holds at one path, as read by one task.
struct PathReading {
    path: String,
    /// The tags there (empty when the repository is not in the mirror).
    tags: Vec<String>,
    /// Per active entry at this path: what it finds there.
    found: Vec<(AllowlistEntry, Vec<Found>)>,
    /// Tags there that no active entry allows, with their digests.
    drift: Vec<(String, Option<String>)>,
}

/// One run of the verification job, to its end. Who: `portcullis mirror verify` (and tests).
///
/// # Errors
/// [`AppError::Internal`] when the database fails (a mirror that fails is
/// [`RunOutcome::Unreachable`], not an error).
pub async fn verify(state: &AppState) -> Result<RunOutcome, AppError> {
    verify_until(state, std::future::pending()).await
}

/// One run of the verification job, which `stop` resolving (the server is stopping) ends while
/// it reads the mirror: the lease goes back ([`RunOutcome::Stopped`]) instead of being held for
/// its full 15 minutes by a process that is gone. Once read, the run records to its end. Who:
/// the background job.
///
/// # Errors
/// As [`verify`].
pub async fn verify_until(
    state: &AppState,
    stop: impl std::future::Future<Output = ()>,
) -> Result<RunOutcome, AppError> {
    let Some(target) = state.settings.mirror.clone() else {
        return Ok(RunOutcome::NotConfigured);
    };
    let now = OffsetDateTime::now_utc();
    let now_text = persistence::format_timestamp(now);
    let owner = format!(
        "{}-{}-{:016x}",
        std::process::id(),
        now.unix_timestamp_nanos(),
        rand::random::<u64>()
    );
    if !store::try_lease(
        state.db.pool(),
        &owner,
        &now_text,
        &persistence::format_timestamp(now + LEASE),
    )
    .await?
    {
        return Ok(RunOutcome::Busy);
    }
    let outcome = run(state, &target, &owner, &now_text, stop).await;
    if matches!(outcome, Ok(RunOutcome::Stopped)) {
        store::release(state.db.pool(), &owner).await?;
        return outcome;
    }
    let error = match &outcome {
        Ok(RunOutcome::Unreachable(why)) => Some(why.clone()),
        Err(_) => Some("the portal could not record what it found".to_owned()),
        Ok(_) => None,
    };
    store::finish(state.db.pool(), &owner, &now_text, error.as_deref()).await?;
    outcome
}

async fn run(
    state: &AppState,
    target: &MirrorTarget,
    owner: &str,
    now: &str,
    stop: impl std::future::Future<Output = ()>,
) -> Result<RunOutcome, AppError> {
    let read = tokio::select! {
        biased;
        () = stop => return Ok(RunOutcome::Stopped),
        read = tokio::time::timeout(READ_MAX, read(state, target)) => read,
    };
    let readings = match read {
        Ok(Ok(readings)) => readings,
        Ok(Err(outcome)) => return outcome,
        Err(_) => {
            return Ok(RunOutcome::Unreachable(format!(
                "reading the mirror took longer than {} minutes",
                READ_MAX.as_secs() / 60
            )))
        }
    };
    if !store::holds_lease(state.db.pool(), owner, &persistence::now()).await? {
        tracing::warn!("the mirror run lost its lease; another run records instead");
        return Ok(RunOutcome::Busy);
    }
    record(state, target, readings, now).await
}

/// Reads the whole mirror: `Err` holds the run's outcome when it must stop (the mirror could
/// not be read, or the database failed).
async fn read(
    state: &AppState,
    target: &MirrorTarget,
) -> Result<Vec<PathReading>, Result<RunOutcome, AppError>> {
    let today = persistence::today();
    let entries = crate::allowlist::store::active(state.db.pool(), &today)
        .await
        .map_err(|e| Err(e.into()))?;
    let repositories = match state.mirror_registry.catalog(&target.host).await {
        Ok(repositories) => repositories,
        Err(error) => return Err(Ok(RunOutcome::Unreachable(error.to_string()))),
    };
    let prefix = target.prefix.as_ref().map(|p| format!("{p}/"));
    let in_mirror: std::collections::HashSet<String> = repositories
        .into_iter()
        .filter(|r| prefix.as_ref().is_none_or(|p| r.starts_with(p.as_str())))
        .collect();

    // Active entries by the path they live at in the mirror.
    let mut by_path: BTreeMap<String, Vec<AllowlistEntry>> = BTreeMap::new();
    for entry in entries {
        by_path
            .entry(target.repository_for(&entry.registry, &entry.repository))
            .or_default()
            .push(entry);
    }
    for path in &in_mirror {
        by_path.entry(path.clone()).or_default();
    }
    let ids: Vec<i64> = by_path.values().flatten().map(|e| e.id).collect();
    let known = async {
        let mut conn = state.db.pool().acquire().await.map_err(DbError::from)?;
        store::images_of(&mut conn, &ids).await
    };
    let known = Arc::new(known.await.map_err(|e| Err(e.into()))?);

    let limit = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let down = Arc::new(DownUpstreams::default());
    let mut tasks = tokio::task::JoinSet::new();
    for (path, entries) in by_path {
        let present = in_mirror.contains(&path);
        let (state, target, known, limit, down) = (
            state.clone(),
            target.clone(),
            known.clone(),
            limit.clone(),
            down.clone(),
        );
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            read_path(&state, &target, path, present, entries, &known, &down).await
        });
    }
    let mut readings = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(reading)) => readings.push(reading),
            Ok(Err(why)) => {
                tasks.abort_all();
                return Err(Ok(RunOutcome::Unreachable(why)));
            }
            Err(panic) => {
                tracing::error!(error = %panic, "a mirror reading task failed");
                return Err(Err(AppError::Internal));
            }
        }
    }
    readings.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(readings)
}

/// Upstream registries that failed during this run: asked no more until the next run, so an
/// upstream that is down costs one timeout, not one per tag.
#[derive(Default)]
struct DownUpstreams(std::sync::Mutex<std::collections::HashSet<String>>);

impl DownUpstreams {
    fn contains(&self, registry: &str) -> bool {
        self.0.lock().is_ok_and(|down| down.contains(registry))
    }

    fn insert(&self, registry: &str) {
        if let Ok(mut down) = self.0.lock() {
            down.insert(registry.to_owned());
        }
    }
}

/// Reads one path of the mirror: its tags, and what each entry there finds. A path whose
/// repository is missing (`present` false) holds nothing. `Err` is why the mirror could not
/// be read (which stops the run: a half-read mirror must not look like drift resolved).
async fn read_path(
    state: &AppState,
    target: &MirrorTarget,
    path: String,
    present: bool,
    entries: Vec<AllowlistEntry>,
    known: &HashMap<i64, Vec<ImageRow>>,
    down: &DownUpstreams,
) -> Result<PathReading, String> {
    let client = &state.mirror_registry;
    let tags = if present {
        match client.all_tags(&target.host, &path).await {
            Ok(tags) => tags,
            Err(RegistryError::Status { status: 404, .. }) => Vec::new(),
            Err(error) => return Err(error.to_string()),
        }
    } else {
        Vec::new()
    };
    // An entry with pins allows those manifests only, whatever its tag rule says (as the
    // sync formats write it): its tags in the mirror are drift.
    let matchers: Vec<_> = entries
        .iter()
        .map(|e| e.digests.is_empty().then(|| e.tags.matcher()))
        .collect();
    let allows = |matcher: &Option<crate::domain::approval::TagMatcher>, tag: &str| {
        matcher.as_ref().is_some_and(|m| m.matches(tag))
    };
    let mut found = Vec::new();
    for (entry, matcher) in entries.into_iter().zip(&matchers) {
        let stored = known.get(&entry.id).map(Vec::as_slice).unwrap_or_default();
        let mut images = Vec::new();
        let references = tags
            .iter()
            .filter(|t| allows(matcher, t))
            .cloned()
            .chain(if present {
                entry.digests.clone()
            } else {
                Vec::new()
            });
        for reference in references {
            let digest = match client.head_digest(&target.host, &path, &reference).await {
                Ok(Some(digest)) => digest,
                Ok(None) => continue,
                Err(error) => return Err(error.to_string()),
            };
            if reference.starts_with("sha256:") && digest != reference {
                // A pin answered with another manifest is not the approved image.
                tracing::warn!(target: "security", path, pin = %reference, served = %digest,
                    "the mirror serves another manifest under a pinned digest");
                continue;
            }
            let previous = stored.iter().find(|s| s.reference == reference);
            // The date is read once per digest; one that could not be read is tried again.
            let created = match previous.filter(|p| p.digest == digest && p.created.is_some()) {
                Some(previous) => previous.created.clone(),
                None => image_created(state, target, &path, &reference).await,
            };
            // Upstream may be down or gone; that is recorded as unknown, not as a failure.
            let upstream_digest = if down.contains(&entry.registry) {
                None
            } else {
                match client
                    .head_digest(&entry.registry, &entry.repository, &reference)
                    .await
                {
                    Ok(digest) => digest,
                    Err(
                        error @ (RegistryError::Unreachable { .. }
                        | RegistryError::NotAllowed { .. }),
                    ) => {
                        tracing::warn!(registry = %entry.registry, %error,
                            "upstream unreachable; not asked again in this run");
                        down.insert(&entry.registry);
                        None
                    }
                    // A private repository or an odd answer: unknown for this tag only.
                    Err(_) => None,
                }
            };
            images.push(Found {
                reference,
                digest,
                upstream_digest,
                created,
            });
        }
        found.push((entry, images));
    }
    let mut drift = Vec::new();
    for tag in tags
        .iter()
        .filter(|t| !matchers.iter().any(|m| allows(m, t)))
    {
        let digest = client
            .head_digest(&target.host, &path, tag)
            .await
            .ok()
            .flatten();
        drift.push((tag.clone(), digest));
    }
    Ok(PathReading {
        path,
        tags,
        found,
        drift,
    })
}

/// When the image at `path:reference` in the mirror was built, as its config says.
async fn image_created(
    state: &AppState,
    target: &MirrorTarget,
    path: &str,
    reference: &str,
) -> Option<String> {
    let image = crate::domain::ImageReference::parse(&pull_reference(
        &format!("{}/{path}", target.host),
        reference,
    ))
    .ok()?;
    let settings = &state.settings;
    match state
        .registry
        .facts(&image, &settings.contact_label, &settings.team_label)
        .await
    {
        // The mirror's words: kept only as a date the portal could read, written its own way.
        Ok(facts) => facts
            .created
            .and_then(|c| {
                OffsetDateTime::parse(&c, &time::format_description::well_known::Rfc3339).ok()
            })
            .map(persistence::format_timestamp),
        Err(error) => {
            tracing::warn!(%error, path, reference, "could not read a mirrored image's date");
            None
        }
    }
}

/// Writes what the run found: per entry in its own transaction with its "available" mail, then
/// the drift with one mail per new finding.
async fn record(
    state: &AppState,
    target: &MirrorTarget,
    readings: Vec<PathReading>,
    now: &str,
) -> Result<RunOutcome, AppError> {
    let mut entries = 0;
    let mut newly_available = 0;
    let mut changed = false;
    for reading in &readings {
        for (entry, found) in &reading.found {
            entries += 1;
            let mut tx = state.db.begin().await?;
            let recorded = store::record_entry(&mut tx, entry.id, found, now).await?;
            if recorded.first_available {
                let request = crate::requests::store::find(&mut *tx, entry.request_id).await?;
                if let Some(request) = request {
                    let locale = crate::auth::store::mail_language(
                        &mut *tx,
                        &request.requester_id.0,
                        state.settings.default_locale,
                    )
                    .await?;
                    let mail = available_notice(state, target, entry, &request, found, locale);
                    if outbox::queue(&mut tx, &mail, now).await? {
                        newly_available += 1;
                    }
                }
            }
            changed |= recorded.changed;
            tx.commit().await.map_err(DbError::from)?;
        }
    }

    let latest = store::latest_entries(state.db.pool()).await?;
    let last_entry_at: HashMap<String, i64> = latest
        .into_iter()
        .map(|((registry, repository), id)| (target.repository_for(&registry, &repository), id))
        .collect();
    let findings: Vec<DriftFinding> = readings
        .iter()
        .flat_map(|r| {
            r.drift.iter().map(|(tag, digest)| DriftFinding {
                repository: r.path.clone(),
                tag: tag.clone(),
                digest: digest.clone(),
                last_entry_id: last_entry_at.get(&r.path).copied(),
            })
        })
        .collect();
    let mut tx = state.db.begin().await?;
    let new = store::record_drift(&mut tx, &findings, now).await?;
    if let (Some(team), false) = (&state.settings.security_team_email, new.is_empty()) {
        // One mail per run however many findings, so a mirror full of strays cannot flood it.
        let mail = drift_notice(state, target, team, &new);
        outbox::queue(&mut tx, &mail, now).await?;
    }
    if changed {
        // Lists in JSON carry what the mirror holds: their version moves with it.
        crate::allowlist::store::bump_revision(&mut tx).await?;
    }
    tx.commit().await.map_err(DbError::from)?;
    let tags: usize = readings.iter().map(|r| r.tags.len()).sum();
    tracing::info!(entries, tags, new_drift = new.len(), "mirror checked");
    Ok(RunOutcome::Checked {
        entries,
        newly_available,
        new_drift: new.len(),
    })
}

fn available_notice(
    state: &AppState,
    target: &MirrorTarget,
    entry: &AllowlistEntry,
    request: &crate::requests::model::RequestDetail,
    found: &[Found],
    locale: crate::i18n::Locale,
) -> messages::Mail {
    let l = locale;
    let pull = target.pull_path(&entry.registry, &entry.repository);
    let references: Vec<String> = found
        .iter()
        .map(|f| pull_reference(&pull, &f.reference))
        .collect();
    let mut mail = messages::compose(
        vec![request.requester_email.clone(), entry.contact.clone()],
        td_string!(
            l,
            mail.available.subject,
            id = request.id,
            image = request.image.as_str()
        )
        .to_string(),
        &[
            td_string!(l, mail.available.body, id = request.id).to_string(),
            references.join("\n"),
        ],
        &format!("{}/requests/{}", state.settings.public_url, request.id),
        l,
    );
    mail.dedupe_key = Some(format!("mirror-available:{}", entry.id));
    mail
}

/// The security team's mail about a run's new drift findings (each is told once: a finding
/// stays open, and only new ones are listed).
fn drift_notice(
    state: &AppState,
    target: &MirrorTarget,
    team: &str,
    new: &[(i64, DriftFinding)],
) -> messages::Mail {
    // The security team's mail is written in the installation's language.
    let l = state.settings.default_locale;
    let image = |f: &DriftFinding| format!("{}/{}:{}", target.host, f.repository, f.tag);
    let subject = match new {
        [(_, one)] => td_string!(l, mail.drift.subject_one, image = image(one)).to_string(),
        many => td_string!(l, mail.drift.subject_many, count = many.len()).to_string(),
    };
    let mut lines: Vec<String> = new
        .iter()
        .take(MAIL_FINDINGS_MAX)
        .map(|(_, f)| {
            let digest = f
                .digest
                .as_deref()
                .unwrap_or(td_string!(l, mail.drift.unknown_digest));
            td_string!(l, mail.drift.line, image = image(f), digest = digest).to_string()
        })
        .collect();
    if new.len() > MAIL_FINDINGS_MAX {
        let more = new.len() - MAIL_FINDINGS_MAX;
        lines.push(td_string!(l, mail.drift.more, count = more).to_string());
    }
    let mut mail = messages::compose(
        vec![team.to_owned()],
        subject,
        &[
            td_string!(l, mail.drift.body).to_owned(),
            lines.join("\n"),
            td_string!(l, mail.drift.next).to_owned(),
        ],
        &format!("{}/admin/drift", state.settings.public_url),
        l,
    );
    let first = new.first().map_or(0, |(id, _)| *id);
    mail.dedupe_key = Some(format!("mirror-drift:{first}"));
    mail
}

/// Whether an image built at `created` (RFC 3339) is older than `max_age_days` on `now`.
pub fn is_stale(created: Option<&str>, max_age_days: u32, now: OffsetDateTime) -> bool {
    created
        .and_then(|c| OffsetDateTime::parse(c, &time::format_description::well_known::Rfc3339).ok())
        .is_some_and(|c| now - c > time::Duration::days(i64::from(max_age_days)))
}

/// What the mirror holds of each of `entries`, by entry id, for pages and the JSON list.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn status_of(
    state: &AppState,
    entries: &[&AllowlistEntry],
) -> Result<HashMap<i64, MirrorStatus>, AppError> {
    let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
    let mut conn = state.db.pool().acquire().await.map_err(DbError::from)?;
    let mut images = store::images_of(&mut conn, &ids).await?;
    let columns = store::entry_columns(&mut conn, &ids).await?;
    let now = OffsetDateTime::now_utc();
    let max_age = state.settings.max_image_age_days;
    Ok(entries
        .iter()
        .map(|entry| {
            let column = columns.get(&entry.id).cloned().unwrap_or_default();
            let status = MirrorStatus {
                pull_path: state
                    .settings
                    .mirror
                    .as_ref()
                    .map(|t| t.pull_path(&entry.registry, &entry.repository)),
                available_since: column.mirrored_at,
                checked_at: column.mirror_checked_at,
                images: images
                    .remove(&entry.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|row| MirroredImage {
                        stale: is_stale(row.created.as_deref(), max_age, now),
                        reference: row.reference,
                        digest: row.digest,
                        upstream_digest: row.upstream_digest,
                        created: row.created,
                        first_seen: row.first_seen,
                    })
                    .collect(),
            };
            (entry.id, status)
        })
        .collect())
}

/// The open drift findings and how the job stands. Who: reviewers and admins.
///
/// # Errors
/// [`AppError::Forbidden`] for anyone else; [`AppError::Internal`].
pub async fn drift(
    state: &AppState,
    viewer: &SessionUser,
) -> Result<(MirrorHealth, Vec<Drift>), AppError> {
    viewer.require_staff()?;
    drift_for_machines(state).await
}

/// The open drift findings and how the job stands, for `GET /api/v1/mirror/drift` (whose
/// caller the route has checked).
///
/// # Errors
/// [`AppError::Internal`].
pub async fn drift_for_machines(state: &AppState) -> Result<(MirrorHealth, Vec<Drift>), AppError> {
    let (checked_at, last_error) = store::health(state.db.pool()).await?;
    let findings = store::open_drift(state.db.pool(), &persistence::today()).await?;
    Ok((
        MirrorHealth {
            mirror: state.settings.mirror.as_ref().map(|t| match &t.prefix {
                Some(prefix) => format!("{}/{prefix}", t.host),
                None => t.host.clone(),
            }),
            checked_at,
            last_error,
        },
        findings,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_older_than_the_limit_are_stale() {
        let now = OffsetDateTime::parse(
            "2026-12-02T12:00:00Z",
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        assert!(is_stale(Some("2026-10-01T00:00:00Z"), 30, now));
        assert!(!is_stale(Some("2026-11-20T08:30:00.123456789Z"), 30, now));
        assert!(!is_stale(None, 30, now), "unknown is not stale");
        assert!(
            !is_stale(Some("yesterday"), 30, now),
            "unreadable is not stale"
        );
    }
}
