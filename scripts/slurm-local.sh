#!/usr/bin/env bash
# A real single-node Slurm cluster on this machine, for the Slurm executor's tests and for trying it out.
#
#   scripts/slurm-local.sh start    configure and start munged, slurmctld and slurmd; print the env to use
#   scripts/slurm-local.sh status   is it up? (prints the env and `sinfo`)
#   scripts/slurm-local.sh env      print the env lines only (for `eval "$(scripts/slurm-local.sh env)"`)
#   scripts/slurm-local.sh stop     stop the three daemons started by `start`
#
# It installs nothing. It needs the Debian packages (slurm 22.05 on Debian 12):
#   apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge
# Everything lives under $SLURM_LOCAL_DIR (default /tmp/refinery-slurm-<uid>): slurm.conf, the munge key
# and socket, state, spool, pid and log files. Nothing in /etc is used or changed, ports are picked free,
# so it does not clash with a system Slurm. Clients and daemons alike find it through SLURM_CONF.
set -euo pipefail

dir="${SLURM_LOCAL_DIR:-/tmp/refinery-slurm-$(id -u)}"
conf="$dir/slurm.conf"
cmd="${1:-}"

say() { printf '%s\n' "$*" >&2; }

env_lines() {
  printf 'export SLURM_CONF=%q\n' "$conf"
}

alive() { # alive <pid-file>
  [[ -s "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null
}

node_idle() {
  SLURM_CONF="$conf" sinfo -h -N -o '%T' 2>/dev/null | grep -Eq '^(idle|mixed|allocated)'
}

free_port() { # free_port <first> : the first port from <first> that nothing on 127.0.0.1 accepts connections on
  local port="$1"
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  printf '%s\n' "$port"
}

start() {
  local missing=()
  for bin in munged slurmctld slurmd sbatch squeue sinfo scontrol; do command -v "$bin" >/dev/null || missing+=("$bin"); done
  if ((${#missing[@]} > 0)); then
    say "slurm-local: not installed: ${missing[*]}"
    say "  install with: apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge"
    exit 1
  fi
  if alive "$dir/slurmctld.pid" && alive "$dir/slurmd.pid" && alive "$dir/munge/munged.pid"; then
    say "slurm-local: already running under $dir"
    env_lines
    return
  fi
  stop_daemons
  mkdir -p "$dir"/{munge,ctld,spool,log}
  # munge: the socket folder must be reachable by everyone, the key private to its owner
  chmod 0755 "$dir" "$dir/munge"
  if [[ ! -s "$dir/munge/munge.key" ]]; then
    head -c 1024 /dev/urandom >"$dir/munge/munge.key"
  fi
  chmod 0600 "$dir/munge/munge.key"
  munged --force --socket="$dir/munge/munge.socket.2" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed"

  local cpus mem ctld_port slurmd_port user
  cpus="$(nproc)"
  # leave 512 MB to the system; without RealMemory every --mem request is refused
  mem=$(($(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo) - 512))
  ctld_port="$(free_port 6817)"
  slurmd_port="$(free_port $((ctld_port + 1)))"
  user="$(id -un)"
  cat >"$conf" <<EOF
# Written by scripts/slurm-local.sh: a one-node cluster on this machine.
ClusterName=refinery-local
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$user
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket.2
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
# no systemd, no cgroups in a container: track processes by parent pid, no task binding
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=$((mem / cpus))
# start tasks as soon as they are submitted (otherwise they start in rounds seconds apart)
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,bf_interval=1
# cancel a job whose dependency can never be met (a top-level key: under SchedulerParameters it is ignored)
DependencyParameters=kill_invalid_depend
# small on purpose, so the tests exercise how Refinery splits larger arrays into chunks with an offset
MaxArraySize=${SLURM_LOCAL_MAX_ARRAY_SIZE:-3}
# keep finished jobs visible to squeue/scontrol for a minute
MinJobAge=60
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
  chmod 0644 "$conf"
  export SLURM_CONF="$conf"
  slurmctld -c -f "$conf" # -c: a fresh queue, not the jobs of an earlier start
  slurmd -f "$conf" -N localhost
  local waited=0
  until node_idle; do
    sleep 0.2
    waited=$((waited + 1))
    if ((waited > 100)); then
      say "slurm-local: the node did not come up within 20 s; logs in $dir/log:"
      tail -n 20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
      exit 1
    fi
  done
  say "slurm-local: up (1 node, $cpus CPUs, $mem MB; ports $ctld_port/$slurmd_port) under $dir"
  env_lines
}

stop_daemons() {
  local f pid
  for f in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
    if alive "$f"; then
      pid="$(cat "$f")"
      kill "$pid"
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$f"
  done
}

case "$cmd" in
  start) start ;;
  stop)
    stop_daemons
    say "slurm-local: stopped"
    ;;
  status)
    if alive "$dir/slurmctld.pid" && alive "$dir/slurmd.pid" && node_idle; then
      env_lines
      SLURM_CONF="$conf" sinfo >&2
    else
      say "slurm-local: not running (start it with: $0 start)"
      exit 1
    fi
    ;;
  env) env_lines ;;
  *)
    say "usage: $0 start|stop|status|env"
    exit 2
    ;;
esac
