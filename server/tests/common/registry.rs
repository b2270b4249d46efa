//! A real OCI registry (Debian's `docker-registry`) on a free loopback port, and small images
//! the harness writes as OCI layouts and pushes with the real `skopeo`.

use super::oidc::free_port;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct TestRegistry {
    /// `127.0.0.1:PORT`
    pub host: String,
    dir: PathBuf,
    child: Child,
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn temp_dir(prefix: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "{prefix}-{}-{}",
        std::process::id(),
        super::oidc::free_port()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl TestRegistry {
    pub fn start() -> Self {
        let port = free_port();
        let dir = temp_dir("portcullis-registry");
        let config = dir.join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
                dir.join("data").display()
            ),
        )
        .unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "start docker-registry (Debian package docker-registry; make test installs it)",
            );
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "docker-registry did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            host: format!("127.0.0.1:{port}"),
            dir,
            child,
        }
    }

    /// Writes a small image (one layer holding `content`) for each of `architectures` as an OCI
    /// layout, as an index when there is more than one, and pushes it as `repository:tag` with
    /// skopeo. Returns the pushed manifest's (or index's) digest.
    pub fn push(
        &self,
        repository: &str,
        tag: &str,
        labels: &[(&str, &str)],
        architectures: &[&str],
        content: &str,
    ) -> String {
        self.push_built_at(
            repository,
            tag,
            labels,
            architectures,
            content,
            "2026-11-01T12:00:00Z",
        )
    }

    /// [`Self::push`] with the image config's `created` set to `created`.
    pub fn push_built_at(
        &self,
        repository: &str,
        tag: &str,
        labels: &[(&str, &str)],
        architectures: &[&str],
        content: &str,
        created: &str,
    ) -> String {
        let layout = temp_dir("portcullis-oci");
        let blobs = layout.join("blobs/sha256");
        std::fs::create_dir_all(&blobs).unwrap();
        std::fs::write(
            layout.join("oci-layout"),
            r#"{"imageLayoutVersion":"1.0.0"}"#,
        )
        .unwrap();
        let mut manifests = Vec::new();
        for arch in architectures {
            let layer = tar_with_file("hello.txt", format!("{content} ({arch})\n").as_bytes());
            let layer_digest = write_blob(&blobs, &layer);
            let labels: serde_json::Map<String, serde_json::Value> = labels
                .iter()
                .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
                .collect();
            let config = serde_json::json!({
                "created": created,
                "architecture": arch,
                "os": "linux",
                "config": { "Labels": labels, "Cmd": ["/hello.txt"] },
                "rootfs": { "type": "layers", "diff_ids": [layer_digest] },
            })
            .to_string();
            let config_digest = write_blob(&blobs, config.as_bytes());
            let manifest = serde_json::json!({
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": { "mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len() },
                "layers": [{ "mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer_digest, "size": layer.len() }],
            })
            .to_string();
            let digest = write_blob(&blobs, manifest.as_bytes());
            manifests.push(serde_json::json!({
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": digest, "size": manifest.len(),
                "platform": { "architecture": arch, "os": "linux" },
            }));
        }
        let top = if manifests.len() == 1 {
            manifests.remove(0)
        } else {
            let index = serde_json::json!({
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "manifests": manifests,
            })
            .to_string();
            let digest = write_blob(&blobs, index.as_bytes());
            serde_json::json!({ "mediaType": "application/vnd.oci.image.index.v1+json", "digest": digest, "size": index.len() })
        };
        let digest = top["digest"].as_str().unwrap().to_owned();
        let mut entry = top;
        entry["annotations"] = serde_json::json!({ "org.opencontainers.image.ref.name": tag });
        std::fs::write(
            layout.join("index.json"),
            serde_json::json!({ "schemaVersion": 2, "manifests": [entry] }).to_string(),
        )
        .unwrap();
        skopeo(&[
            "copy",
            "--all",
            "--preserve-digests",
            "--dest-tls-verify=false",
            &format!("oci:{}:{tag}", layout.display()),
            &format!("docker://{}/{repository}:{tag}", self.host),
        ]);
        let _ = std::fs::remove_dir_all(&layout);
        digest
    }
}

/// Runs skopeo and fails the test with its output when it fails.
pub fn skopeo(args: &[&str]) -> String {
    let output = Command::new("skopeo")
        .args(["--insecure-policy"])
        .args(args)
        .output()
        .expect("run skopeo (Debian package skopeo; make test installs it)");
    assert!(
        output.status.success(),
        "skopeo {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn write_blob(dir: &Path, bytes: &[u8]) -> String {
    let hex: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    std::fs::write(dir.join(&hex), bytes).unwrap();
    format!("sha256:{hex}")
}

/// An uncompressed tar archive with one regular file (ustar headers, end-of-archive blocks).
fn tar_with_file(name: &str, content: &[u8]) -> Vec<u8> {
    let mut header = [0u8; 512];
    header[..name.len()].copy_from_slice(name.as_bytes());
    let octal = |field: &mut [u8], value: u64| {
        let text = format!("{value:0width$o}\0", width = field.len() - 1);
        field.copy_from_slice(text.as_bytes());
    };
    octal(&mut header[100..108], 0o644);
    octal(&mut header[108..116], 0);
    octal(&mut header[116..124], 0);
    octal(&mut header[124..136], content.len() as u64);
    octal(&mut header[136..148], 1_700_000_000);
    header[156] = b'0';
    header[257..263].copy_from_slice(b"ustar\0");
    header[263..265].copy_from_slice(b"00");
    header[148..156].copy_from_slice(b"        ");
    let sum: u32 = header.iter().map(|b| u32::from(*b)).sum();
    let text = format!("{sum:06o}\0 ");
    header[148..156].copy_from_slice(text.as_bytes());
    let mut tar = header.to_vec();
    tar.extend_from_slice(content);
    tar.resize(512 + content.len().div_ceil(512) * 512, 0);
    tar.extend_from_slice(&[0u8; 1024]);
    tar
}
