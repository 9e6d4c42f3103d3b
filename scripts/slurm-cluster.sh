#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for trying labgate's slurm backend and for its tests:
# munged, slurmctld, slurmd (this machine is the only node, partition `labs`) and two slurmrestd, one on
# a unix socket (local auth) and one over HTTP on 127.0.0.1 (JWT auth).
#
#   scripts/slurm-cluster.sh start    installs what is missing (as root, with apt-get), writes the
#                                     config, starts what is not running, waits until the node is idle
#                                     and slurmrestd answers, then prints `export` lines for the shell:
#                                     eval "$(scripts/slurm-cluster.sh start)"
#   scripts/slurm-cluster.sh stop     stops the daemons (the config and state stay)
#   scripts/slurm-cluster.sh status   says what runs
#
# Everything lives under $LABGATE_SLURM_DIR (default /var/lib/labgate-slurm). The HTTP slurmrestd
# listens on $LABGATE_SLURM_REST_PORT (default 6820), slurmctld and slurmd on $LABGATE_SLURM_CTLD_PORT
# and $LABGATE_SLURM_SLURMD_PORT (default 6817 and 6818). The node has this machine's CPUs, each shared
# by up to 8 jobs (lab sessions mostly idle), and a job that asks for no memory gets 512 MB per CPU. A
# submitted job starts within a second: slurmctld allocates batch jobs only on its once-a-second pass
# and on the backfill pass, here every second too. Progress goes to stderr; stdout carries only the
# export lines.
set -uo pipefail

DIR="${LABGATE_SLURM_DIR:-/var/lib/labgate-slurm}"
REST_PORT="${LABGATE_SLURM_REST_PORT:-6820}"
CTLD_PORT="${LABGATE_SLURM_CTLD_PORT:-6817}"
SLURMD_PORT="${LABGATE_SLURM_SLURMD_PORT:-6818}"
JWT_LIFESPAN="${LABGATE_SLURM_JWT_LIFESPAN:-604800}"
API_VERSION=v0.0.38
CONF="$DIR/slurm.conf"
SOCK="$DIR/slurmrestd.sock"
JWT_KEY="$DIR/jwt.key"
NODE="$(hostname -s)"

say() { echo "slurm-cluster: $*" >&2; }
die() {
  say "$*"
  exit 1
}

# The pid in a pid file if that process still runs the named program, else nothing.
live_pid() {
  local file="$1" prog="$2" pid
  [ -r "$file" ] || return 1
  pid="$(tr -dc '0-9' <"$file")"
  [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$prog" ] || return 1
  echo "$pid"
}

# Stops the processes of pid files, given as prog:file pairs: TERM to all of them, then KILL to those
# still there after 10 s; removes the files.
stop_pids() {
  local entry prog file pid pids=()
  for entry in "$@"; do
    prog="${entry%%:*}" file="${entry#*:}"
    if pid="$(live_pid "$file" "$prog")"; then
      say "stopping $prog ($pid)"
      kill "$pid" 2>/dev/null
      pids+=("$pid")
    fi
    rm -f "$file"
  done
  for _ in $(seq 1 100); do
    local alive=0
    for pid in "${pids[@]}"; do [ -d "/proc/$pid" ] && alive=1; done
    [ "$alive" = 0 ] && return 0
    sleep 0.1
  done
  for pid in "${pids[@]}"; do [ -d "/proc/$pid" ] && kill -9 "$pid" 2>/dev/null; done
  return 0
}

install_missing() {
  local missing=()
  command -v slurmctld >/dev/null 2>&1 || missing+=(slurmctld)
  command -v slurmd >/dev/null 2>&1 || missing+=(slurmd)
  command -v scontrol >/dev/null 2>&1 || missing+=(slurm-client)
  command -v slurmrestd >/dev/null 2>&1 || missing+=(slurmrestd)
  command -v munged >/dev/null 2>&1 || missing+=(munge)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing ${missing[*]}…"
    apt-get update -qq >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm "${missing[@]}" >/dev/null ||
      die "apt-get install ${missing[*]} failed"
  else
    die "missing programs; install them with: sudo apt-get install slurm-wlm ${missing[*]}"
  fi
}

start_munge() {
  if [ ! -s /etc/munge/munge.key ]; then
    say "creating /etc/munge/munge.key"
    mkdir -p /etc/munge
    if command -v mungekey >/dev/null 2>&1; then
      mungekey --create --force --keyfile=/etc/munge/munge.key >&2 || die "mungekey failed"
    else
      create-munge-key -f >&2 || die "create-munge-key failed"
    fi
  fi
  chown munge:munge /etc/munge /etc/munge/munge.key
  chmod 0700 /etc/munge
  chmod 0400 /etc/munge/munge.key
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  chmod 0755 /run/munge
  if live_pid /run/munge/munged.pid munged >/dev/null && munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
    return 0
  fi
  say "starting munged"
  rm -f /run/munge/munged.pid
  runuser -u munge -- munged --force >&2 || die "munged did not start (see /var/log/munge/munged.log)"
  for _ in $(seq 1 50); do
    munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "munged does not answer (see /var/log/munge/munged.log)"
}

# The config, rewritten on every start; prints "changed" when it differs from the one in place.
write_config() {
  local cpus mem_mb new
  cpus="$(nproc)"
  mem_mb="$(awk '/^MemTotal:/ { m = int($2 / 1024); r = m - 512; if (r < m * 0.9) r = int(m * 0.9); print r }' /proc/meminfo)"
  mkdir -p "$DIR/state" "$DIR/spool" "$DIR/log" "$DIR/run"
  chmod 0755 "$DIR"
  if [ ! -s "$JWT_KEY" ]; then
    dd if=/dev/urandom bs=32 count=1 status=none >"$JWT_KEY" || die "cannot write $JWT_KEY"
  fi
  chmod 0600 "$JWT_KEY"
  new="$(
    cat <<EOF
# Written by labgate's scripts/slurm-cluster.sh: a one-node cluster on this machine.
ClusterName=labgate
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
AuthType=auth/munge
CredType=cred/munge
AuthAltTypes=auth/jwt
AuthAltParameters=jwt_key=$JWT_KEY
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
SchedulerParameters=sched_min_interval=0,batch_sched_delay=0,default_queue_depth=100,bf_interval=1
ReturnToService=2
DefMemPerCPU=512
MinJobAge=300
KillWait=5
InactiveLimit=0
Waittime=0
NodeName=$NODE NodeHostname=$NODE NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=labs Nodes=$NODE Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:8
EOF
  )"
  if [ -f "$CONF" ] && [ "$(cat "$CONF")" = "$new" ]; then
    return 0
  fi
  [ -f "$CONF" ] && echo changed
  printf '%s\n' "$new" >"$CONF"
}

# Starts slurmrestd in the background, detached, unless its pid file names a live one.
start_restd() {
  local name="$1" auth="$2" listen="$3"
  local pidfile="$DIR/run/$name.pid" log="$DIR/log/$name.log" jwt=""
  live_pid "$pidfile" slurmrestd >/dev/null && return 0
  say "starting $name ($listen)"
  [ "${listen#unix:}" != "$listen" ] && rm -f "${listen#unix:}"
  # With rest_auth/jwt, slurmrestd must talk to slurmctld with auth/jwt too (it passes the client's token
  # on), which SLURM_JWT=daemon selects; with local auth it uses munge as the peer's uid.
  [ "$auth" = rest_auth/jwt ] && jwt=daemon
  env ${jwt:+SLURM_JWT=$jwt} SLURMRESTD_SECURITY=disable_user_check setsid slurmrestd -f "$CONF" -s "openapi/$API_VERSION" -a "$auth" "$listen" \
    </dev/null >>"$log" 2>&1 &
  echo $! >"$pidfile"
}

rest_ping_socket() {
  curl -sf --max-time 2 --unix-socket "$SOCK" "http://localhost/slurm/$API_VERSION/ping" >/dev/null 2>&1
}

node_state() {
  sinfo -h -n "$NODE" -o '%T' 2>/dev/null | head -1
}

cmd_start() {
  install_missing
  start_munge
  local changed
  changed="$(write_config)" || exit 1
  export SLURM_CONF="$CONF"
  if [ "$changed" = changed ]; then
    say "the config changed: restarting the daemons"
    cmd_stop_daemons
  fi
  if ! live_pid "$DIR/run/slurmctld.pid" slurmctld >/dev/null; then
    say "starting slurmctld"
    rm -f "$DIR/run/slurmctld.pid"
    slurmctld -f "$CONF" </dev/null >>"$DIR/log/slurmctld.out" 2>&1 || die "slurmctld did not start (see $DIR/log/slurmctld.log)"
  fi
  if ! live_pid "$DIR/run/slurmd.pid" slurmd >/dev/null; then
    say "starting slurmd"
    rm -f "$DIR/run/slurmd.pid"
    slurmd -f "$CONF" </dev/null >>"$DIR/log/slurmd.out" 2>&1 || die "slurmd did not start (see $DIR/log/slurmd.log)"
  fi
  start_restd slurmrestd rest_auth/local "unix:$SOCK"
  start_restd slurmrestd-http rest_auth/jwt "127.0.0.1:$REST_PORT"

  local state="" deadline=$((SECONDS + 60)) resumed=""
  while [ "$SECONDS" -lt "$deadline" ]; do
    state="$(node_state)"
    case "$state" in
      idle | mixed | allocated | completing) rest_ping_socket && break ;;
      down* | drain* | drained*)
        if [ -z "$resumed" ]; then
          say "node $NODE is $state: resuming it"
          scontrol update NodeName="$NODE" State=RESUME >&2 2>/dev/null || true
          resumed=1
        fi
        ;;
    esac
    sleep 0.2
  done
  case "$state" in
    idle | mixed | allocated | completing) ;;
    *) die "node $NODE is '${state:-unknown}' after 60 s (see $DIR/log/slurmctld.log and $DIR/log/slurmd.log)" ;;
  esac
  rest_ping_socket || die "slurmrestd does not answer on $SOCK (see $DIR/log/slurmrestd.log)"

  local token
  token="$(scontrol token lifespan="$JWT_LIFESPAN" 2>/dev/null | sed -n 's/^SLURM_JWT=//p')"
  [ -n "$token" ] || die "scontrol token gave no token (is AuthAltTypes=auth/jwt in $CONF?)"
  for _ in $(seq 1 50); do
    curl -sf --max-time 2 -H "X-SLURM-USER-NAME: $(id -un)" -H "X-SLURM-USER-TOKEN: $token" \
      "http://127.0.0.1:$REST_PORT/slurm/$API_VERSION/ping" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -sf --max-time 2 -H "X-SLURM-USER-NAME: $(id -un)" -H "X-SLURM-USER-TOKEN: $token" \
    "http://127.0.0.1:$REST_PORT/slurm/$API_VERSION/ping" >/dev/null 2>&1 ||
    die "the HTTP slurmrestd does not answer on 127.0.0.1:$REST_PORT (see $DIR/log/slurmrestd-http.log)"

  say "ready: node $NODE is $state, partition labs"
  printf 'export SLURM_CONF=%q\n' "$CONF"
  printf 'export LABGATE_SLURM_SOCKET=%q\n' "$SOCK"
  printf 'export LABGATE_SLURM_URL=%q\n' "http://127.0.0.1:$REST_PORT"
  printf 'export LABGATE_SLURM_JWT=%q\n' "$token"
}

cmd_stop_daemons() {
  stop_pids "slurmrestd:$DIR/run/slurmrestd-http.pid" "slurmrestd:$DIR/run/slurmrestd.pid" \
    "slurmd:$DIR/run/slurmd.pid" "slurmctld:$DIR/run/slurmctld.pid"
  rm -f "$SOCK"
}

cmd_stop() {
  cmd_stop_daemons
  stop_pids munged:/run/munge/munged.pid
}

cmd_status() {
  local status=0 pid
  for entry in "munged:/run/munge/munged.pid" "slurmctld:$DIR/run/slurmctld.pid" "slurmd:$DIR/run/slurmd.pid" \
    "slurmrestd:$DIR/run/slurmrestd.pid" "slurmrestd:$DIR/run/slurmrestd-http.pid"; do
    local prog="${entry%%:*}" file="${entry#*:}"
    if pid="$(live_pid "$file" "$prog")"; then
      echo "$(basename "$file" .pid): running ($pid)"
    else
      echo "$(basename "$file" .pid): not running"
      status=1
    fi
  done
  if [ -f "$CONF" ]; then
    echo "node $NODE: $(SLURM_CONF="$CONF" node_state || true)"
    if rest_ping_socket; then echo "slurmrestd on $SOCK: answers"; else echo "slurmrestd on $SOCK: no answer"; fi
  else
    echo "no config at $CONF (run: $0 start)"
    status=1
  fi
  return $status
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
