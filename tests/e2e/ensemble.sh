#!/usr/bin/env bash
# Several checkpoints given to `herd predict` and `herd eval` are an ensemble
# by soft voting: each member preprocesses the rows its own way, and the
# prediction is the mean of the members' class probabilities (the class is
# the argmax of the mean) or of their predicted values. Members that take
# other columns or do another task are refused with one line; --conformal
# (one model's thresholds) is refused with several checkpoints.
source "$(dirname "$0")/../lib.sh"

awk 'BEGIN { srand(11); print "age,income,debt,y,amount"
             for (i = 0; i < 300; i++) { a = rand(); b = rand(); c = rand()
               printf "%.4f,%.4f,%.4f,%d,%.4f\n", a, b, c, (2 * a + b - c + rand() > 1.5),
                      3 * a - b + 0.2 * rand() } }' > all.csv
cut -d, -f1-4 all.csv > cls.csv
cut -d, -f1-3,5 all.csv > reg.csv
sed '1s/debt/loans/' cls.csv > renamed.csv
"$HERD" data import-csv cls.csv --target y -o cls.h5 > /dev/null
"$HERD" data import-csv reg.csv --target amount --task regression -o reg.h5 > /dev/null
"$HERD" data import-csv renamed.csv --target y -o renamed.h5 > /dev/null

cat > cfg.yaml <<YAML
experiment: ensemble
data: {train: cls.h5}
model: {type: mlp, hidden: [6]}
optim: {name: adam, lr: 0.02}
train: {epochs: 2, batch_size: 30, checkpoint_dir: ck}
track: {db: runs/herd.db}
YAML
# one checkpoint per training run (a folder each)
train() { # NAME DATA SEED
  "$HERD" train cfg.yaml data.train="$2" seed="$3" train.checkpoint_dir="$1" > "$1.log"
  ls "$1"/ckpt-*.h5 | tail -1
}
a=$(train ca cls.h5 1); b=$(train cb cls.h5 2); c=$(train cc cls.h5 3)
r1=$(train ra reg.h5 1); r2=$(train rb reg.h5 2)
other_names=$(train cn renamed.h5 1)

# ---- predict: the mean of the members' probabilities ----
for m in a b c; do
  "$HERD" predict "${!m}" --data cls.h5 -o "p_$m.csv" > /dev/null
done
check "predict with three checkpoints" "$HERD" predict "$a" "$b" "$c" --data cls.h5 -o ens.csv
check "one row per input row" test "$(wc -l < ens.csv)" = 301
check "the members differ (trained with other seeds)" sh -c "! cmp -s p_a.csv p_b.csv"
paste -d, p_a.csv p_b.csv p_c.csv ens.csv > joined.csv
# columns: 1-3 a (prediction,p_0,p_1), 4-6 b, 7-9 c, 10-12 the ensemble
check "each p_k is the mean of the members' p_k (to 1e-6)" awk -F, 'NR > 1 {
    for (k = 0; k < 2; k++) { mean = ($(2 + k) + $(5 + k) + $(8 + k)) / 3
      d = $(11 + k) - mean; if (d > 1e-6 || d < -1e-6) bad++ } }
  END { exit bad > 0 }' joined.csv
check "the predicted class is the argmax of the mean" awk -F, 'NR > 1 {
    want = $12 > $11 ? 1 : 0; if ($10 != want) bad++ } END { exit bad > 0 }' joined.csv
check "a member that predicts another class somewhere (the vote matters)" awk -F, 'NR > 1 {
    if ($1 != $4 || $1 != $7) n++ } END { exit n == 0 }' joined.csv

# ---- eval: the same predictions ----
check "eval of the ensemble" "$HERD" eval "$a" "$b" "$c" --data cls.h5 --json ens.json
check "it lists the checkpoints" test "$(json ens.json '.checkpoints | join(" ")')" = "$a $b $c"
check "and keeps checkpoint = the first" test "$(json ens.json .checkpoint)" = "$a"
acc=$(paste -d, ens.csv cls.csv | awk -F, 'NR > 1 { n++; right += ($1 == $7) }
                                           END { printf "%.9f", right / n }')
check "its accuracy is that of the ensemble's predictions ($acc)" \
  awk -v a="$(json ens.json .metrics.accuracy)" -v b="$acc" 'BEGIN { d = a - b; exit !(d < 1e-9 && d > -1e-9) }'
check "eval of the ensemble on 2 ranks" run_ranks 2 eval "$a" "$b" "$c" --data cls.h5 --json ens2.json
check "gives the same accuracy" test "$(json ens2.json .metrics.accuracy)" = "$(json ens.json .metrics.accuracy)"
check "and the same roc_auc" test "$(json ens2.json .metrics.roc_auc)" = "$(json ens.json .metrics.roc_auc)"
check "eval of one checkpoint lists it alone" "$HERD" eval "$a" --data cls.h5 --json one.json
check "as checkpoints [it]" test "$(json one.json '.checkpoints | join(" ")')" = "$a"
check "the ensemble's run links to the first member's run" \
  test "$(json ens.json .model_run_id)" = "$(json one.json .model_run_id)"

# eval.store (on by default) writes into no member
cp "$a" a.before; cp "$b" b.before
check "eval of the ensemble fitting conformal thresholds" sh -c \
  "'$HERD' eval '$a' '$b' --data cls.h5 eval.conformal.enabled=true --json store.json > store.log 2>&1"
check "says once that eval.store is off" test "$(grep -c "eval.store is off for an ensemble" store.log)" = 1
check "and leaves the first member as it was" cmp -s "$a" a.before
check "and the second" cmp -s "$b" b.before
check "and computes the conformal section" test "$(json store.json '.conformal | type')" = object

# a recalibration stored in one member is that model's, not the ensemble's
check "eval of the first member alone stores a recalibration" \
  "$HERD" eval "$a" --data cls.h5 eval.calibration.method=temperature
"$HERD" predict "$a" --data cls.h5 -o p_a_recal.csv > /dev/null
check "which changes that member's own probabilities" sh -c "! cmp -s p_a.csv p_a_recal.csv"
check "but not the ensemble's (the plain mean)" sh -c \
  "'$HERD' predict '$a' '$b' '$c' --data cls.h5 -o ens_after.csv > /dev/null && cmp -s ens.csv ens_after.csv"

# ---- regression: the mean of the predicted values ----
"$HERD" predict "$r1" --data reg.h5 -o r1.csv > /dev/null
"$HERD" predict "$r2" --data reg.h5 -o r2.csv > /dev/null
check "predict with two regression checkpoints" "$HERD" predict "$r1" "$r2" --data reg.h5 -o rens.csv
check "each value is the mean of the members' (to 1e-6)" sh -c "paste -d, r1.csv r2.csv rens.csv |
  awk -F, 'NR > 1 { d = \$3 - (\$1 + \$2) / 2; if (d > 1e-5 || d < -1e-5) bad++ } END { exit bad > 0 }'"
check "the members differ" sh -c "! cmp -s r1.csv r2.csv"
check "eval of the regression ensemble" "$HERD" eval "$r1" "$r2" --data reg.h5 --json rens.json
mae=$(paste -d, rens.csv reg.csv | awk -F, 'NR > 1 { n++; d = $1 - $5; s += d < 0 ? -d : d }
                                            END { printf "%.9f", s / n }')
check "its mae is that of the ensemble's predictions ($mae)" \
  awk -v a="$(json rens.json .metrics.mae)" -v b="$mae" 'BEGIN { d = a - b; exit !(d < 1e-6 && d > -1e-6) }'

# ---- members that do not agree ----
expect_exit 3 "predict with a member of other feature names" \
  "$HERD" predict "$a" "$other_names" --data cls.h5 -o bad.csv
check "is refused in one line" test "$(wc -l < last.err)" = 1
check "naming the member" grep -q "herd: error: $other_names: other feature names than $a" last.err
check "and writes nothing" test ! -e bad.csv
expect_exit 3 "predict with a member of another task" \
  "$HERD" predict "$a" "$r1" --data cls.h5 -o bad.csv
check "is refused in one line" test "$(wc -l < last.err)" = 1
check "naming the member and both tasks" grep -q "$r1: a regression model, where $a is binary" last.err
expect_exit 3 "eval with a member of another task" "$HERD" eval "$a" "$b" "$r1" --data cls.h5
check "is refused in one line" test "$(wc -l < last.err)" = 1
check "naming the member" grep -q "$r1: a regression model" last.err
expect_exit 3 "eval on 2 ranks with a member of another task" run_ranks 2 eval "$a" "$r1" --data cls.h5
check "names the member" grep -q "$r1: a regression model" last.err

# ---- per-checkpoint options ----
expect_exit 2 "predict --conformal with several checkpoints" \
  "$HERD" predict "$a" "$b" --data cls.h5 -o conf.csv --conformal
check "is refused in one line" test "$(wc -l < last.err)" = 1
check "saying it takes one checkpoint" grep -q "conformal takes one checkpoint, got 2" last.err
finish
