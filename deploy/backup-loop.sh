#!/usr/bin/env bash
# compose's `backup` service: runs scripts/backup.sh every BACKUP_INTERVAL_MINUTES (default 60) into
# BACKUP_DIR (default /backups), then prunes. Retention: every backup of the last BACKUP_KEEP_HOURS
# (default 48), then the first backup of each UTC day for BACKUP_KEEP_DAYS (default 14); the newest
# backup is never removed, and nothing is removed after a failed run. A backup is its dump, its
# counts and its photos archive, removed together.
#
#   backup-loop.sh            the loop (the service's command)
#   backup-loop.sh --check    exit 0 when the newest complete backup is younger than two intervals
#                             (the service's health check: `docker compose ps` shows it unhealthy)
#   backup-loop.sh --prune    prune once (BACKUP_NOW=<UTC stamp> pretends another time; for tests)
#   backup-loop.sh --once     one backup now, then prune (before an upgrade:
#                             `docker compose exec backup bash /opt/ashiato/deploy/backup-loop.sh --once`)
#   backup-loop.sh --drill    scripts/restore-drill.sh on the newest backup (weekly, from the host's cron)
#
# The password comes from DATABASE_PASSWORD_FILE (the postgres_password secret) into PGPASSWORD, so
# DATABASE_URL carries none: libpq takes it from there.
set -euo pipefail

dir=${BACKUP_DIR:-/backups}
interval=${BACKUP_INTERVAL_MINUTES:-60}
keep_hours=${BACKUP_KEEP_HOURS:-48}
keep_days=${BACKUP_KEEP_DAYS:-14}
scripts=${ASHIATO_SCRIPTS:-$(cd "$(dirname "$0")/../scripts" && pwd)}
for n in "$interval" "$keep_hours" "$keep_days"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { echo "backup-loop: intervals and retention are whole numbers, got \"$n\"" >&2; exit 1; }
done
((interval >= 1)) || { echo "backup-loop: BACKUP_INTERVAL_MINUTES must be 1 or more" >&2; exit 1; }

log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) backup-loop: $*"; }

# Stamps (20261207T201700Z) of the complete backups, oldest first: a .dump is renamed into place last.
stamps() {
  local f
  for f in "$dir"/ashiato-*.dump; do
    [[ -e "$f" ]] || continue
    f=${f##*/ashiato-}
    echo "${f%.dump}"
  done | LC_ALL=C sort
}

# UTC stamp of `now - seconds`; stamps have a fixed width, so comparing them as strings compares times.
stamp_before() {
  local now
  if [[ -n "${BACKUP_NOW:-}" ]]; then
    now=$(date -u -d "${BACKUP_NOW:0:4}-${BACKUP_NOW:4:2}-${BACKUP_NOW:6:2}T${BACKUP_NOW:9:2}:${BACKUP_NOW:11:2}:${BACKUP_NOW:13:2}Z" +%s)
  else
    now=$(date -u +%s)
  fi
  date -u -d "@$((now - $1))" +%Y%m%dT%H%M%SZ
}

prune() {
  local all hourly_from daily_from newest s day last_day=''
  mapfile -t all < <(stamps)
  ((${#all[@]} > 0)) || return 0
  newest=${all[-1]}
  hourly_from=$(stamp_before $((keep_hours * 3600)))
  daily_from=$(stamp_before $((keep_days * 86400)))
  for s in "${all[@]}"; do
    day=${s:0:8}
    if [[ "$s" == "$newest" || ! "$s" < "$hourly_from" ]]; then
      last_day=$day; continue
    fi
    if [[ ! "$s" < "$daily_from" && "$day" != "$last_day" ]]; then
      last_day=$day; continue
    fi
    log "removing the backup of $s (retention: ${keep_hours} h of every backup, ${keep_days} days of dailies)"
    rm -f "$dir/ashiato-$s.dump" "$dir/ashiato-$s.counts" "$dir/uploads-$s.tar.gz"
  done
}

check() {
  local newest
  newest=$(stamps | tail -n 1)
  [[ -n "$newest" && ! "$newest" < "$(stamp_before $((interval * 2 * 60)))" ]] || {
    echo "no backup younger than $((interval * 2)) minutes in $dir (newest: ${newest:-none})" >&2
    exit 1
  }
}

load_password() {
  if [[ -n "${DATABASE_PASSWORD_FILE:-}" ]]; then
    # As the postgres image reads POSTGRES_PASSWORD_FILE: trailing newlines dropped.
    PGPASSWORD=$(<"$DATABASE_PASSWORD_FILE")
    export PGPASSWORD
  fi
}

backup_and_prune() {
  local code=0
  bash "$scripts/backup.sh" "$dir" || code=$?
  if ((code == 0)); then prune; else log "BACKUP FAILED (exit $code): nothing pruned"; fi
  return "$code"
}

case "${1:-}" in
  --check) check; exit 0 ;;
  --prune) prune; exit 0 ;;
  --once) load_password; backup_and_prune; exit ;;
  --drill) load_password; exec bash "$scripts/restore-drill.sh" "$dir" ;;
  '') ;;
  *) echo "usage: $0 [--check | --prune | --once | --drill]" >&2; exit 2 ;;
esac

load_password
sleeper=''
trap 'log "stopping"; [[ -z "$sleeper" ]] || kill "$sleeper" 2>/dev/null; exit 0' TERM INT
log "every ${interval} min into $dir; keeping ${keep_hours} h of every backup and ${keep_days} days of dailies"
while true; do
  backup_and_prune || log "trying again in ${interval} min"
  # In the background, so that `docker compose stop` (SIGTERM) ends the wait at once.
  sleep $((interval * 60)) & sleeper=$!
  wait "$sleeper" || true
done
