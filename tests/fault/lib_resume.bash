# lib_resume.bash - helpers for the kill/preempt/resume tests (sourced after
# ../lib.sh; not a test itself: ctest runs only *.sh).

# make_job_data: a small synthetic classification set and a config whose
# steps take a few milliseconds and that runs a few seconds even on a quiet
# machine (so a job can be hit from outside mid-run).
make_job_data() {
  "$HERD" data synth --kind classification --rows 4000 --features 50 --classes 4 --seed 3 \
    --val-fraction 0.1 --test-fraction 0.1 -o synth.h5 >/dev/null
  cat > cfg.yaml <<YAML
experiment: fault
seed: 7
data: {train: synth.h5}
model: {type: mlp, hidden: [192, 192]}
optim: {name: adam, lr: 0.001, schedule: cosine, warmup_steps: 10}
train: {epochs: 10, batch_size: 64, checkpoint_dir: ckpt, log_every: 10}
track: {db: runs/herd.db}
YAML
}

# start_job N LOG herd-args...: herd on N ranks in the background; JOB_PID is mpirun's pid.
start_job() {
  local n=$1 log=$2; shift 2
  "$MPIEXEC" --allow-run-as-root --oversubscribe --bind-to none -np "$n" "$HERD" "$@" \
    > "$log" 2>&1 &
  JOB_PID=$!
}

# ckpt_step FILE-OR-DIR: the step of a checkpoint file, or of the newest one in a folder (0 if none).
ckpt_step() {
  local f=$1 s
  [ -d "$f" ] && f=$(ls "$f"/ckpt-*.h5 2>/dev/null | tail -1)
  s=$(basename "${f:-x}" .h5 | sed -n 's/^ckpt-0*\([0-9][0-9]*\)$/\1/p')
  echo "${s:-0}"
}

# wait_ckpt DIR STEP: until DIR holds a checkpoint of STEP or later, or the
# job ended (60 s at most). rank 0's stdout is a terminal under mpirun (a
# progress bar), so the checkpoints are what shows how far a job got.
wait_ckpt() {
  local i
  for i in $(seq 3000); do
    [ "$(ckpt_step "$1")" -ge "$2" ] && return 0
    kill -0 "$JOB_PID" 2>/dev/null || return 1
    sleep 0.02
  done
  return 1
}

# kill_job: kill -9 mpirun and every rank at once, as a node failure would.
kill_job() {
  kill -9 $(pgrep -P "$JOB_PID") "$JOB_PID" 2>/dev/null || true
  wait "$JOB_PID" 2>/dev/null || true
}

# run_id_of LOG: the run id the job announced.
run_id_of() { grep -o 'run [0-9a-f]\{32\}' "$1" | head -1 | cut -d' ' -f2; }

# dump_state CKPT OUT: the raw bytes of every parameter and optimizer tensor.
dump_state() {
  local ds
  : > "$2"
  for ds in $(h5ls -r "$1" | awk '$2 == "Dataset" {print $1}' | grep -E '^/(params|optim)/' | sort); do
    h5dump -b LE -d "$ds" -o "$2.part" "$1" > /dev/null
    cat "$2.part" >> "$2"
  done
  rm -f "$2.part"
  [ -s "$2" ]
}
