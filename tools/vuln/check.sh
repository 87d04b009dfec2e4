#!/usr/bin/env bash
# govulncheck (pinned in tools/vuln/go.mod) on every package of the module
# and on the kelviq CLI binary, both built with the Go release users are told
# to build with, against the Go vulnerability database. It runs offline: the
# database is the data/osv directory of a pinned golang.org/x/vulndb module
# version, fetched through the Go module proxy like any module (and checked
# against its pinned hash), which govulncheck reads as a local database. It
# fails (exit 3) on a vulnerability the code can reach.
#
#   tools/vuln/check.sh              # GOTOOLCHAIN=go1.27.3
#   VULN_GO=local tools/vuln/check.sh  # the installed toolchain
set -euo pipefail
cd "$(dirname "$0")/../.."

# The database: bump both lines together (go mod download -json golang.org/x/vulndb@latest).
VULNDB_VERSION=v0.0.0-20261105234957-e22db6528018
VULNDB_SUM=h1:mfngRv0Yoh0VApsXKEN82CjD99kl7mtparN3bs3JnqI=
VULN_GO=${VULN_GO:-go1.27.3}

info=$(GOFLAGS=-mod=mod go mod download -json "golang.org/x/vulndb@$VULNDB_VERSION")
field() { printf '%s\n' "$info" | sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\{0,1\}$/\1/p"; }
sum=$(field Sum)
dir=$(field Dir)
if [ "$sum" != "$VULNDB_SUM" ]; then
  echo "vulndb $VULNDB_VERSION has hash $sum, want $VULNDB_SUM" >&2
  exit 1
fi
db="file://$dir/data/osv"
echo "vulnerability database: golang.org/x/vulndb@$VULNDB_VERSION ($(ls "$dir/data/osv" | wc -l) entries)"

export GOTOOLCHAIN=$VULN_GO
gvc() { go tool -modfile=tools/vuln/go.mod govulncheck -db "$db" "$@"; }
echo "toolchain: $(go version)"

echo "== govulncheck ./..."
gvc ./...

if [ -d cmd/kelviq ]; then
  bin=$(mktemp -d)
  trap 'rm -rf "$bin"' EXIT
  go build -o "$bin/kelviq" ./cmd/kelviq
  echo "== govulncheck -mode binary kelviq"
  gvc -mode binary "$bin/kelviq"
fi
