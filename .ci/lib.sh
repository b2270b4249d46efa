# Shared helpers for the .ci scripts. Sourced, not run.

# Tool versions that build offline on these machines (see the README's "Tooling" section).
CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=0.2.129 # must equal the wasm-bindgen pin in Cargo.toml

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo

log() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

has_version() { # has_version COMMAND VERSION: COMMAND --version mentions VERSION
  command -v "$1" >/dev/null 2>&1 && "$1" --version 2>/dev/null | grep -qF "$2"
}

apt_install() { # apt_install PACKAGE...: installs the Debian packages that are missing
  local missing=()
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "Installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# What building and running the portal needs: the wasm target, cargo-leptos, wasm-bindgen.
install_build_tools() {
  command -v cargo >/dev/null || die "cargo not found: install Rust with rustup first (https://rustup.rs)"
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "Adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  local locked
  locked=$(grep -A1 '^name = "wasm-bindgen"$' "$ROOT/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p')
  [ "$locked" = "$WASM_BINDGEN_VERSION" ] ||
    die "Cargo.lock has wasm-bindgen $locked but the scripts install wasm-bindgen-cli $WASM_BINDGEN_VERSION; they must match"
  if ! has_version wasm-bindgen "$WASM_BINDGEN_VERSION"; then
    log "Installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes)"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --locked
  fi
  if ! cargo leptos --version 2>/dev/null | grep -qF "$CARGO_LEPTOS_VERSION"; then
    # Its own release profile asks for full LTO in one codegen unit, which is most of a 20
    # minute install on 2 cores; a build tool that mostly starts cargo does not need it.
    log "Installing cargo-leptos $CARGO_LEPTOS_VERSION (several minutes on 2 cores, once)"
    CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
      cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
  fi
}

# What the tests need on top: Chromium, PostgreSQL, registries and skopeo, schemathesis, the
# end-to-end npm packages.
install_test_tools() {
  apt_install chromium postgresql postgresql-client docker-registry skopeo prometheus
  install_api_fuzzer
  if ! cargo nextest --version >/dev/null 2>&1; then
    log "Installing cargo-nextest"
    cargo install cargo-nextest --locked
  fi
  if [ ! -d "$ROOT/end2end/node_modules/@playwright/test" ] ||
     [ "$ROOT/end2end/package-lock.json" -nt "$ROOT/end2end/node_modules/.package-lock.json" ]; then
    log "Installing the end-to-end test packages (npm ci; no browser download)"
    (cd "$ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
}

# schemathesis (PyPI) in a virtual environment outside the clone, pinned; sets API_FUZZER.
SCHEMATHESIS_VERSION=4.32.5
install_api_fuzzer() {
  local venv=${PORTCULLIS_VENV:-/var/tmp/portcullis-venv}
  API_FUZZER="$venv/bin/schemathesis"
  has_version "$API_FUZZER" "$SCHEMATHESIS_VERSION" && return 0
  command -v python3 >/dev/null || apt_install python3
  python3 -m venv "$venv" 2>/dev/null || { apt_install python3-venv && python3 -m venv "$venv"; }
  log "Installing schemathesis $SCHEMATHESIS_VERSION (PyPI) in $venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
}

# wasm-opt for release builds (cargo-leptos downloads it otherwise, which fails offline).
# Debian's binaryen is too old and breaks hydration; the npm build is current.
install_release_tools() {
  if ! has_version wasm-opt "version 132"; then
    log "Installing wasm-opt (binaryen 132 from npm)"
    $SUDO npm install -g --no-audit --no-fund binaryen@132.0.0 >/dev/null
  fi
}

# Makes PostgreSQL reachable on loopback and exports PORTCULLIS_TEST_DATABASE_URL for a role that
# may create databases. A URL already in the environment is used as it is.
ensure_postgres() {
  if [ -n "${PORTCULLIS_TEST_DATABASE_URL:-}" ]; then
    return 0
  fi
  local version
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    log "Starting PostgreSQL $version on 127.0.0.1:5432"
    pg_lsclusters -h | grep -q "^$version *main " || $SUDO pg_createcluster "$version" main >/dev/null
    $SUDO pg_ctlcluster "$version" main start
    for _ in $(seq 1 30); do
      pg_isready -q -h 127.0.0.1 -p 5432 && break
      sleep 1
    done
    pg_isready -q -h 127.0.0.1 -p 5432 || die "PostgreSQL did not start; see /var/log/postgresql/"
  fi
  local as_postgres=(runuser -u postgres --)
  [ "$(id -u)" = 0 ] || as_postgres=(sudo -u postgres)
  "${as_postgres[@]}" psql -qtAc "SELECT 1 FROM pg_roles WHERE rolname = 'portcullis'" | grep -q 1 ||
    "${as_postgres[@]}" psql -qc "CREATE ROLE portcullis LOGIN CREATEDB PASSWORD 'portcullis'"
  "${as_postgres[@]}" psql -qtAc "SELECT 1 FROM pg_database WHERE datname = 'portcullis'" | grep -q 1 ||
    "${as_postgres[@]}" psql -qc "CREATE DATABASE portcullis OWNER portcullis"
  export PORTCULLIS_TEST_DATABASE_URL=postgres://portcullis:portcullis@127.0.0.1:5432/portcullis
}
