#!/usr/bin/env python3
"""Checks the rendered production manifests, the Containerfile and their agreement with the
README, for the properties operators rely on. Usage: deploy_check.py RENDERED CONTAINERFILE README.
Prints every problem found and exits 1 if there is one."""

import re
import sys

import yaml

rendered, containerfile, readme = sys.argv[1:4]
docs = [d for d in yaml.safe_load_all(open(rendered)) if d]
problems = []


def check(ok, message):
    if not ok:
        problems.append(message)


def one(kind, name=None):
    found = [d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    check(len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}")
    return found[0] if found else {}


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def container_rules(where, pod, container):
    security = pod.get("securityContext", {})
    check(security.get("runAsNonRoot") is True, f"{where}: pod runAsNonRoot")
    check(security.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{where}: seccomp RuntimeDefault")
    check(pod.get("automountServiceAccountToken") is False, f"{where}: no service account token")
    own = container.get("securityContext", {})
    check(own.get("allowPrivilegeEscalation") is False, f"{where}: allowPrivilegeEscalation false")
    check(own.get("readOnlyRootFilesystem") is True, f"{where}: readOnlyRootFilesystem")
    check(own.get("capabilities", {}).get("drop") == ["ALL"], f"{where}: drop ALL capabilities")
    check("runAsUser" not in own and "runAsUser" not in security,
          f"{where}: no fixed runAsUser (OpenShift assigns an arbitrary UID)")
    resources = container.get("resources", {})
    check({"cpu", "memory"} <= set(resources.get("requests", {})), f"{where}: cpu and memory requests")
    check("memory" in resources.get("limits", {}), f"{where}: a memory limit")


# --- the portal --------------------------------------------------------------------------------
deployment = one("Deployment", "portcullis")
spec = deployment.get("spec", {})
pod = spec.get("template", {}).get("spec", {})
pod_labels = spec.get("template", {}).get("metadata", {}).get("labels", {})
container = (pod.get("containers") or [{}])[0]
check(spec.get("replicas", 1) >= 2, "the portal runs at least two replicas")
rolling = spec.get("strategy", {})
check(rolling.get("type") == "RollingUpdate" and rolling.get("rollingUpdate", {}).get("maxUnavailable") == 0,
      "rolling update that never goes below the asked replicas (maxUnavailable 0)")
check(selects(spec.get("selector", {}).get("matchLabels"), pod_labels), "the Deployment selects its pods")
container_rules("portal", pod, container)
probe_path = lambda p: container.get(p, {}).get("httpGet", {}).get("path")
check(probe_path("readinessProbe") == "/readyz", "readiness probe on /readyz")
check(probe_path("livenessProbe") == "/healthz", "liveness probe on /healthz")
check(pod.get("terminationGracePeriodSeconds", 30) >= 10, "a termination grace period to drain")
image = container.get("image", "")
check(re.fullmatch(r"[^:@]+(:[\w.-]+|@sha256:[0-9a-f]{64})", image or "") and not image.endswith(":latest"),
      f"the overlay pins the image ({image!r})")

env = {e["name"]: e for e in container.get("env", [])}
# What the process sees: the image's ENV, then the ConfigMap, then the container's own env.
image_env = dict(re.findall(r"(?:^ENV\s+|\\\n\s+)([A-Z_]+)=(\S+)", open(containerfile).read(), re.M))
mounts = {m["mountPath"]: m for m in container.get("volumeMounts", [])}
volumes = {v["name"]: v for v in pod.get("volumes", [])}
for secret in ["PORTCULLIS_DATABASE_URL", "PORTCULLIS_OIDC_CLIENT_SECRET", "PORTCULLIS_SMTP_URL"]:
    check(secret not in env, f"{secret} is not an environment value (use {secret}_FILE)")
    path = env.get(f"{secret}_FILE", {}).get("value", "")
    mount = next((m for p, m in mounts.items() if path.startswith(p + "/")), None)
    check(mount is not None and mount.get("readOnly") is True
          and "secret" in volumes.get(mount["name"], {}),
          f"{secret}_FILE points into a read-only secret volume ({path!r})")

configmaps = {d["metadata"]["name"]: d for d in docs if d["kind"] == "ConfigMap"}
settings = {}
for source in container.get("envFrom", []):
    name = source.get("configMapRef", {}).get("name")
    check(name in configmaps, f"envFrom names a rendered ConfigMap ({name})")
    settings.update(configmaps.get(name, {}).get("data", {}))
documented = set(re.findall(r"`((?:PORTCULLIS|LEPTOS)_[A-Z0-9_]+)`", open(readme).read()))
for key in settings:
    check(key in documented, f"setting {key} is not one the README documents (a typo?)")
seen = set(image_env) | set(settings) | set(env)
for name in seen:
    if name.endswith("_FILE"):
        check(name[:-5] not in seen, f"{name[:-5]} and {name} are both set (the server refuses to start)")
check(settings.get("PORTCULLIS_PUBLIC_URL", "").startswith("https://"), "an https public URL")
check("PORTCULLIS_DEV_SIGNIN" not in settings, "no development sign-in")
metrics_port = settings.get("PORTCULLIS_METRICS_ADDR", "").rsplit(":", 1)[-1]
check(metrics_port.isdigit(), "metrics on a port of their own (PORTCULLIS_METRICS_ADDR)")

# --- what reaches it ---------------------------------------------------------------------------
service = one("Service", "portcullis")
check(selects(service.get("spec", {}).get("selector"), pod_labels), "the Service selects the portal's pods")
route = one("Route", "portcullis")
route_spec = route.get("spec", {})
check(route_spec.get("to", {}).get("name") == "portcullis", "the Route sends to the Service")
check(route_spec.get("port", {}).get("targetPort") == "http", "the Route exposes the http port only")
check(route_spec.get("host"), "the overlay names the Route's host")
check(route_spec.get("tls", {}).get("termination") in ("edge", "reencrypt")
      and route_spec.get("tls", {}).get("insecureEdgeTerminationPolicy") == "Redirect",
      "TLS at the router, http redirected")
check(settings.get("PORTCULLIS_PUBLIC_URL") == f"https://{route_spec.get('host')}",
      "PORTCULLIS_PUBLIC_URL is the Route's host")
pdb = one("PodDisruptionBudget", "portcullis")
check(selects(pdb.get("spec", {}).get("selector", {}).get("matchLabels"), pod_labels), "the PDB covers the portal")
check(isinstance(pdb.get("spec", {}).get("minAvailable"), int) and pdb["spec"]["minAvailable"] >= 1,
      "the PDB keeps at least one replica up (minAvailable)")
policy = one("NetworkPolicy", "portcullis")
check(selects(policy.get("spec", {}).get("podSelector", {}).get("matchLabels"), pod_labels),
      "the NetworkPolicy covers the portal")
check("Ingress" in policy.get("spec", {}).get("policyTypes", []), "the NetworkPolicy limits ingress")
for rule in policy.get("spec", {}).get("ingress", []):
    ports = [p.get("port") for p in rule.get("ports", [])]
    check(ports, "every ingress rule names its ports (a rule without opens them all)")
    check(rule.get("from"), f"ingress to {ports} names who may connect")
    if int(metrics_port or 0) in ports or "metrics" in ports:
        check(all("monitoring" in str(f) for f in rule.get("from", [])),
              "only the monitoring stack reaches the metrics port")

# --- the mirror job ----------------------------------------------------------------------------
cron = one("CronJob", "portcullis-mirror-sync")
cron_spec = cron.get("spec", {})
check(cron_spec.get("concurrencyPolicy") == "Forbid", "mirror runs never overlap")
job_pod = cron_spec.get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec", {})
sync = (job_pod.get("containers") or [{}])[0]
container_rules("mirror job", job_pod, sync)
script = " ".join(sync.get("command", []) + sync.get("args", []))
for variable in sync.get("env", []):
    ref = variable.get("valueFrom", {}).get("configMapKeyRef", {})
    if ref:
        check(ref.get("name") in configmaps and ref.get("key") in configmaps[ref["name"]].get("data", {}),
              f"the job's {variable['name']} names a rendered setting")
check("If-None-Match" in script and "skopeo sync" in script and "format=skopeo" in script,
      "the job reads the allowlist with If-None-Match and runs skopeo sync")
check(sync.get("image", "").startswith("registry.redhat.io/") or sync.get("image", "").startswith("registry.access.redhat.com/"),
      "the job's image comes from Red Hat's catalog")

# --- the image ---------------------------------------------------------------------------------
text = open(containerfile).read()
stages = re.findall(r"^FROM\s+(\S+)", text, re.M)
check(len(stages) >= 2, "a multi-stage build")
check(stages and re.match(r"registry\.access\.redhat\.com/ubi9/ubi-minimal:", stages[-1]),
      "the runtime is UBI 9 minimal")
check(all(s.startswith("registry.access.redhat.com/") for s in stages), "every stage from Red Hat's catalog")
check(re.search(r"^USER\s+[1-9][0-9]*(:0)?\s*$", text, re.M), "a numeric non-root USER in group 0")
check(not re.search(r"^HEALTHCHECK", text, re.M), "no HEALTHCHECK (the platform probes)")
check("no.uio.contact=" in text and "no.uio.team=" in text, "labels no.uio.contact and no.uio.team")
site_root = re.search(r"LEPTOS_SITE_ROOT=(\S+)", text)
copies = re.findall(r"^COPY --from=build (\S+) (\S+)", text, re.M)
check(("/src/target/release/portcullis" in [c[0] for c in copies]), "the image takes make release's binary")
check(site_root and ("/src/target/site", site_root.group(1)) in copies,
      "LEPTOS_SITE_ROOT is where the site is copied")
cargo = open("Cargo.toml").read()
check('site-root = "target/site"' in cargo and 'bin-package = "portcullis"' in cargo,
      "Cargo.toml builds the site and binary the Containerfile copies")

if problems:
    print("deploy check failed:")
    for p in problems:
        print(f"  - {p}")
    sys.exit(1)
kinds = sorted({d["kind"] for d in docs})
print(f"ok: {len(docs)} objects ({', '.join(kinds)}), the Containerfile and the README agree")
