#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for the tests of sbi's Slurm executor: munged,
# slurmctld and slurmd as root, every file under one state folder, ports on loopback.
#   bash scripts/slurm-local.sh start    start (or reuse) the cluster; prints the slurm.conf path
#   bash scripts/slurm-local.sh stop     cancel its jobs, stop the daemons, remove the state folder
#   bash scripts/slurm-local.sh status   sinfo of the cluster, exit 1 when it is not running
# The state folder is $SBI_SLURM_DIR (default /tmp/sbi-slurm); commands reach the cluster with
# SLURM_CONF=$SBI_SLURM_DIR/slurm.conf (printed by start). Needs root and Debian's slurm-wlm and
# munge packages (bash scripts/setup.sh --test installs them).
set -euo pipefail
dir="${SBI_SLURM_DIR:-/tmp/sbi-slurm}"
conf="$dir/slurm.conf"
export SLURM_CONF="$conf"

die() { echo "slurm-local: $*" >&2; exit 1; }

running() { [ -f "$conf" ] && sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; }

start() {
    [ "$(id -u)" = 0 ] || die "needs root (slurmd runs jobs as their submitting user)"
    for tool in munged slurmctld slurmd sbatch sinfo; do
        command -v "$tool" >/dev/null || die "$tool not found; run: bash scripts/setup.sh --test"
    done
    if running; then echo "$conf"; return; fi
    mkdir -p "$dir"/{state,spool,log,munge}
    chmod 700 "$dir/munge"
    # munge: a key of its own and a socket in the state folder.
    [ -f "$dir/munge/munge.key" ] || dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
    chmod 400 "$dir/munge/munge.key"
    munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
        --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munge.seed"
    local host cpus mem
    host="$(hostname -s)"
    cpus="$(nproc)"
    mem="$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)"
    cat > "$conf" <<EOF
ClusterName=sbi-local
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
# Start dependent jobs as soon as what they wait for ends (the default batch_sched_delay is 3 s).
SchedulerParameters=batch_sched_delay=0
MaxArraySize=100001
DefMemPerCPU=$((mem / cpus))
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
    slurmctld -f "$conf"
    slurmd -f "$conf"
    for _ in $(seq 1 60); do
        if running; then echo "$conf"; return; fi
        sleep 0.5
    done
    die "the cluster did not come up in 30 s; logs in $dir/log"
}

stop() {
    if [ -f "$conf" ]; then scancel --user=root >/dev/null 2>&1 || true; fi
    for pid in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
        if [ -f "$pid" ]; then kill "$(cat "$pid")" 2>/dev/null || true; fi
    done
    sleep 1
    # The folder is ours only if it holds our configuration.
    if [ -f "$conf" ] && grep -q '^ClusterName=sbi-local$' "$conf"; then rm -rf "$dir"; fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) running && sinfo || { echo "slurm-local: not running" >&2; exit 1; } ;;
    *) die "usage: bash scripts/slurm-local.sh start|stop|status" ;;
esac
