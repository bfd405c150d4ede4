#!/usr/bin/env bash
# Backs up a Tỉnh số database and its files as docs/operations.md says, restores both into a new database and
# folder, then proves the copy: `tinhso verify-log` passes on it and every table holds as many rows as the
# original, every file the same bytes. Exit status 0 only then.
#
#   scripts/backup_restore_check.sh [--server postgres://postgres@127.0.0.1:5432] [--source DBNAME] [--keep]
#
# Without --source it first builds a demo database (migrate, load-demo, a checkpoint) named
# tinhso_backupcheck_src_<pid>. The restored copy is tinhso_backupcheck_restored_<pid>. Both scratch databases
# and the work folder are dropped at the end unless --keep; a database given with --source is only read.
set -euo pipefail

SERVER="postgres://postgres@127.0.0.1:5432"
SOURCE=""
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --server) SERVER="$2"; shift 2 ;;
    --source) SOURCE="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TINHSO="$ROOT/.venv/bin/tinhso"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/tinhso-backupcheck.XXXXXX")"
RESTORED="tinhso_backupcheck_restored_$$"
BUILT=""
# The log key and the anchor live outside the database: the same ones serve the original and the copy.
export TINHSO_VAR_DIR="${TINHSO_VAR_DIR:-$WORK/var}"
export TINHSO_LOG_ANCHOR="${TINHSO_LOG_ANCHOR:-$TINHSO_VAR_DIR/log-anchor.json}"
export MEDIA_ROOT="${MEDIA_ROOT:-$TINHSO_VAR_DIR/media}"
export PRIVATE_MEDIA_ROOT="${PRIVATE_MEDIA_ROOT:-$TINHSO_VAR_DIR/private-media}"
mkdir -p "$TINHSO_VAR_DIR" "$MEDIA_ROOT" "$PRIVATE_MEDIA_ROOT"

cleanup() {
  if [ "$KEEP" = 0 ]; then
    dropdb --if-exists --maintenance-db="$SERVER/postgres" "$RESTORED" 2>/dev/null || true
    [ -n "$BUILT" ] && dropdb --if-exists --maintenance-db="$SERVER/postgres" "$BUILT" 2>/dev/null || true
    rm -rf "$WORK"
  else
    echo "kept: databases $RESTORED ${BUILT:+and $BUILT}, folder $WORK"
  fi
}
trap cleanup EXIT

step() { echo "== $*"; }

if [ -z "$SOURCE" ]; then
  BUILT="tinhso_backupcheck_src_$$"
  SOURCE="$BUILT"
  step "building a demo database $SOURCE"
  createdb --maintenance-db="$SERVER/postgres" "$SOURCE"
  DATABASE_URL="$SERVER/$SOURCE" TINHSO_DEMO=1 "$TINHSO" migrate --no-input -v0
  DATABASE_URL="$SERVER/$SOURCE" TINHSO_DEMO=1 "$TINHSO" load-demo >/dev/null
  DATABASE_URL="$SERVER/$SOURCE" "$TINHSO" checkpoint
fi

step "backup: pg_dump (custom format) of $SOURCE, tar of the public and private files"
pg_dump --format=custom --no-owner --file="$WORK/tinhso.dump" "$SERVER/$SOURCE"
tar -C "$MEDIA_ROOT" -czf "$WORK/media.tar.gz" .
tar -C "$PRIVATE_MEDIA_ROOT" -czf "$WORK/private-media.tar.gz" .

step "restore into a new database $RESTORED and new folders"
createdb --maintenance-db="$SERVER/postgres" "$RESTORED"
pg_restore --no-owner --exit-on-error --dbname="$SERVER/$RESTORED" "$WORK/tinhso.dump"
mkdir -p "$WORK/restored/media" "$WORK/restored/private-media"
tar -C "$WORK/restored/media" -xzf "$WORK/media.tar.gz"
tar -C "$WORK/restored/private-media" -xzf "$WORK/private-media.tar.gz"

step "row counts of every table, original against copy"
count_rows() {
  local tables
  tables=$(psql -XAtq "$SERVER/$1" -c \
    "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
  for table in $tables; do
    echo "$table $(psql -XAtq "$SERVER/$1" -c "SELECT count(*) FROM $table")"
  done
}
count_rows "$SOURCE" >"$WORK/rows-original.txt"
count_rows "$RESTORED" >"$WORK/rows-restored.txt"
if ! diff -u "$WORK/rows-original.txt" "$WORK/rows-restored.txt"; then
  echo "FAILED: the restored database's row counts differ" >&2
  exit 1
fi
echo "$(wc -l <"$WORK/rows-original.txt") tables, $(awk '{s += $2} END {print s}' "$WORK/rows-original.txt") rows: same counts"

# Each chain's head row (core_streamhead) must name its chain's last event, and the log's trigger that keeps them
# must be back, or the first write after a restore would be refused (or number its event wrongly).
step "chain heads of the restored log"
heads_check=$(psql -XAtq "$SERVER/$RESTORED" -c "
  SELECT count(*) FILTER (WHERE h.seq IS DISTINCT FROM l.seq OR h.hash IS DISTINCT FROM l.hash), count(*),
         (SELECT count(*) FROM pg_trigger WHERE tgname = 'core_event_follows_head'
            AND tgrelid = 'core_event'::regclass)
  FROM core_streamhead h
  FULL JOIN (SELECT DISTINCT ON (stream) stream, seq, hash FROM core_event ORDER BY stream, seq DESC) l
    USING (stream)")
IFS='|' read -r heads_wrong heads_all heads_trigger <<<"$heads_check"
if [ "$heads_wrong" != 0 ] || [ "$heads_trigger" != 1 ]; then
  echo "FAILED: $heads_wrong of $heads_all chain heads differ from the log, trigger present: $heads_trigger" >&2
  exit 1
fi
echo "$heads_all chains: each head at its last event, kept by the log's trigger"

# After the counts: verify-log seals the closed months it reads (a row per month, not in the original).
step "verify-log --full on the restored database"
DATABASE_URL="$SERVER/$RESTORED" MEDIA_ROOT="$WORK/restored/media" \
  PRIVATE_MEDIA_ROOT="$WORK/restored/private-media" "$TINHSO" verify-log --full

step "files, original against copy"
checksums() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum); }
for folder in media private-media; do
  original=$([ "$folder" = media ] && echo "$MEDIA_ROOT" || echo "$PRIVATE_MEDIA_ROOT")
  if ! diff <(checksums "$original") <(checksums "$WORK/restored/$folder") >/dev/null; then
    echo "FAILED: the restored $folder differs" >&2
    exit 1
  fi
  echo "$folder: $(checksums "$original" | wc -l) files, same bytes"
done
step "backup restored and verified"
