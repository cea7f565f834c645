# slurm_env.bash - a private, single-node Slurm for the slurm tests (sourced).
#
# slurm_start: installs slurm-wlm and munge if missing (heavy and used only by
# these tests, so not in scripts/install-deps' default list), then starts munged,
# slurmctld and slurmd as background processes of this test, all files under
# $TEST_TMP/slurm, with this host as the only node (CPUs=2) and free ports.
# Exports SLURM_CONF so sbatch/squeue/scontrol talk to it. slurm_stop (run by
# an EXIT trap) stops them by their pids, even when the test fails.
# slurm_start returns 77 (the test then prints "skipped: $SLURM_SKIP_REASON"
# and exits 77) only when the machine truly cannot run it: not root.

SLURM_DIR=""
SLURM_SKIP_REASON=""
slurm_pids=()

slurm_free_port() {  # a TCP port nothing listens on
  local p
  for p in $(shuf -i 20000-40000 -n 50); do
    if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "$p"; return; fi
  done
  echo 26817
}

slurm_write_conf() {
  local host=$1 dir=$2
  cat > "$dir/slurm.conf" <<CONF
ClusterName=herdtest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$(slurm_free_port)
SlurmdPort=$(slurm_free_port)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
TmpFS=$dir/tmp
FirstJobId=$(( (RANDOM % 30000 + 1) * 100 ))
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
JobRequeue=1
KillWait=10
MinJobAge=600
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
NodeName=$host NodeAddr=127.0.0.1 CPUs=2 Sockets=1 CoresPerSocket=2 ThreadsPerCore=1 State=UNKNOWN
PartitionName=herd Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
}

slurm_stop() {
  local pid
  for pid in "${slurm_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${slurm_pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  slurm_pids=()
}

slurm_wait_node() {  # until the node is idle (slurmd registered), at most 60 s
  local i
  for i in $(seq 120); do
    if sinfo -h -N -o '%T' 2>/dev/null | grep -qx idle; then return 0; fi
    sleep 0.5
  done
  echo "slurm did not come up; logs:" >&2
  tail -20 "$SLURM_DIR"/slurmctld.log "$SLURM_DIR"/slurmd.log >&2 || true
  return 1
}

slurm_start() {
  if [ "$(id -u)" -ne 0 ]; then
    SLURM_SKIP_REASON="slurmd and munged of a private Slurm need root"; return 77
  fi
  "$HERD_SOURCE_DIR/scripts/install-deps" slurm-wlm munge >/dev/null || return 1
  SLURM_DIR=$TEST_TMP/slurm
  local host; host=$(hostname -s)
  mkdir -p "$SLURM_DIR"/{munge,state,spool,tmp}
  chmod 700 "$SLURM_DIR/munge"
  dd if=/dev/urandom of="$SLURM_DIR/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$SLURM_DIR/munge/munge.key"
  munged -F -f --socket="$SLURM_DIR/munge/munge.socket" --key-file="$SLURM_DIR/munge/munge.key" \
    --pid-file="$SLURM_DIR/munge/munged.pid" --log-file="$SLURM_DIR/munge/munged.log" \
    --seed-file="$SLURM_DIR/munge/munged.seed" >"$SLURM_DIR/munge/munged.out" 2>&1 &
  slurm_pids+=($!)
  for _ in $(seq 50); do [ -S "$SLURM_DIR/munge/munge.socket" ] && break; sleep 0.1; done
  slurm_write_conf "$host" "$SLURM_DIR"
  export SLURM_CONF=$SLURM_DIR/slurm.conf
  slurmctld -D -i -f "$SLURM_CONF" >"$SLURM_DIR/slurmctld.out" 2>&1 &
  slurm_pids+=($!)
  slurmd -D -f "$SLURM_CONF" -N "$host" >"$SLURM_DIR/slurmd.out" 2>&1 &
  slurm_pids+=($!)
  slurm_wait_node
}

# slurm_setup: slurm_start, and the test's exit on failure or skip.
slurm_setup() {
  trap slurm_stop EXIT
  local rc=0
  slurm_start || rc=$?
  if [ "$rc" -eq 77 ]; then echo "skipped: $SLURM_SKIP_REASON"; exit 77; fi
  if [ "$rc" -ne 0 ]; then echo "FAIL: could not start Slurm"; exit 1; fi
}

# slurm_start_requeued ID: a requeued job waits for a BeginTime some minutes
# ahead; once it is PENDING again and its first run has fully ended (the node
# idle again: starting earlier gets "Job credential revoked"), let it start now
# (the test has no time to lose; the template does not rely on the delay).
slurm_start_requeued() {
  local id=$1
  for _ in $(seq 240); do
    if scontrol show job "$id" | grep -q "JobState=PENDING" &&
       sinfo -h -N -o '%T' | grep -qx idle; then
      break
    fi
    sleep 0.25
  done
  sleep 1
  scontrol update JobId="$id" StartTime=now 2>/dev/null || true
}

# slurm_wait_job ID SECONDS: until the job has left the queue; its final state
# (COMPLETED, FAILED, ...) on stdout.
slurm_wait_job() {
  local id=$1 limit=$2 i
  for i in $(seq $((limit * 2))); do
    local st; st=$(scontrol show job "$id" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
    case $st in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|PREEMPTED) echo "$st"; return 0 ;; esac
    sleep 0.5
  done
  echo "TIMEOUT_WAITING"
}

# slurm_job_data EXPERIMENT [TRAIN-KEYS]: synth.h5 and a cfg.yaml of $epochs
# epochs whose steps take long enough for a job to be caught mid-run.
slurm_job_data() {
  "$HERD" data synth --kind classification --rows 20000 --features 20 --classes 4 --seed 3 \
    --val-fraction 0.1 --test-fraction 0.1 -o synth.h5 >/dev/null
  cat > cfg.yaml <<YAML
experiment: $1
seed: 1
data: {train: synth.h5, standardize: true}
model: {type: mlp, hidden: [256, 256], activation: relu}
optim: {name: sgd, lr: 0.05, momentum: 0.9}
train: {epochs: $epochs, batch_size: 64, checkpoint_dir: ckpt${2:+, $2}}
track: {db: runs/herd.db}
YAML
}
