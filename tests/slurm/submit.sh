#!/usr/bin/env bash
# A real Slurm (single node, started by this test) runs launch/slurm/train.sbatch:
# sbatch -> herdrun -> srun --mpi=pmix -> 2 ranks of herd train; the run must be
# FINISHED in the experiment log, with the output file named by the job id.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/slurm_env.bash"
slurm_setup

"$HERD" data synth --kind classification --rows 4000 --features 20 --classes 4 --seed 3 \
  --val-fraction 0.1 --test-fraction 0.2 -o synth.h5 >/dev/null
cat > cfg.yaml <<YAML
experiment: slurm
seed: 1
data: {train: synth.h5, standardize: true}
model: {type: mlp, hidden: [32], activation: relu}
optim: {name: adam, lr: 0.003}
train: {epochs: 2, batch_size: 64, checkpoint_dir: ckpt}
track: {db: runs/herd.db}
YAML

id=$(sbatch --parsable --chdir="$TEST_TMP" --export="ALL,HERD=$HERD,HERDRUN=$HERD_SOURCE_DIR/launch/herdrun" \
  "$HERD_SOURCE_DIR/launch/slurm/train.sbatch" cfg.yaml --summary-json s.json)
echo "submitted job $id"
state=$(slurm_wait_job "$id" 240)
out=$TEST_TMP/herd-train-$id.out
cat "$out" 2>/dev/null | tr '\r' '\n' | grep -v ETA || true
check "job $id completed (state $state)" test "$state" = COMPLETED
check "output file named by the job id" test -s "$out"
check "herdrun saw the Slurm allocation" grep -q "where     Slurm job $id" "$out"
check "placement from SLURM_* (2 ranks x 1 thread)" grep -q "ranks     2 = 1 node(s) x 2 per node" "$out"
check "ranks started with srun --mpi=pmix" grep -q "srun --mpi=pmix --ntasks=2" "$out"
check "summary written" test -s s.json
check "summary says FINISHED" test "$(json s.json .status)" = FINISHED
"$HERD" runs show "$(json s.json .run_id)" --db runs/herd.db --json > show.json
check "run FINISHED in the experiment log" test "$(json show.json .status)" = FINISHED
check "2 ranks on one host" test "$(json show.json .hosts)" = "$(hostname):2"
finish
