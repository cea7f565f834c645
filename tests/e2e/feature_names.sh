#!/usr/bin/env bash
# A checkpoint remembers the names of the columns it was trained on, so data
# whose columns are in another order, or are other columns, is refused by
# `herd predict`, `herd eval` and as data.val, instead of being read silently
# in the wrong order. Data that names no columns is taken as it is, with a
# warning.
source "$(dirname "$0")/../lib.sh"

awk 'BEGIN { srand(7); print "age,income,debt,y"
             for (i = 0; i < 400; i++) { a = rand(); b = rand(); c = rand()
               printf "%.4f,%.4f,%.4f,%d\n", a, b, c, (2 * a + b - c > 1) } }' > train.csv
"$HERD" data import-csv train.csv --target y -o train.h5 > /dev/null
# the same rows, with the first two columns swapped; and with one renamed
awk -F, 'BEGIN { OFS = "," } { print $2, $1, $3, $4 }' train.csv > swapped.csv
sed '1s/debt/loans/' train.csv > renamed.csv
"$HERD" data import-csv swapped.csv --target y -o swapped.h5 > /dev/null
"$HERD" data import-csv renamed.csv --target y -o renamed.h5 > /dev/null
"$HERD" data synth --kind classification --rows 100 --features 3 -o unnamed.h5 > /dev/null

cat > cfg.yaml <<YAML
experiment: names
data: {train: train.h5}
model: {type: logistic, hidden: []}
optim: {name: adam, lr: 0.05}
train: {epochs: 1, batch_size: 50, checkpoint_dir: ck}
track: {db: runs/herd.db}
YAML
"$HERD" train cfg.yaml > train.log
ckpt=$(ls ck/ckpt-*.h5 | tail -1)
check "the checkpoint stores the training data's column names" \
  sh -c "h5dump -d /feature_names '$ckpt' | tr -d '\n ' | grep -q '\"age\",\"income\",\"debt\"'"

check "predict on columns in the training order works" \
  "$HERD" predict "$ckpt" --data train.h5 -o same.csv
expect_exit 3 "predict on columns in another order" \
  "$HERD" predict "$ckpt" --data swapped.h5 -o out-swapped.csv
check "it names the first column that differs" \
  grep -q "swapped.h5: column 0 is 'income' where the model in $ckpt has 'age'" last.err
check "and says the names are the same in another order" grep -q "in another order" last.err
check "and writes nothing" test ! -e out-swapped.csv

expect_exit 3 "predict on a renamed column" "$HERD" predict "$ckpt" --data renamed.h5 -o r.csv
check "it names the column" grep -q "column 2 is 'loans' where the model in $ckpt has 'debt'" last.err
check "without calling it a reordering" sh -c "! grep -q 'another order' last.err"

expect_exit 3 "eval on columns in another order" \
  "$HERD" eval "$ckpt" --data swapped.h5 --json eval-swapped.json
check "eval names the column" grep -q "swapped.h5: column 0 is 'income'" last.err

expect_exit 3 "data.val with its columns in another order" \
  "$HERD" train cfg.yaml data.val=swapped.h5 train.checkpoint_dir=ck2
check "training names the column and data.train" \
  grep -q "swapped.h5: column 0 is 'income' where data.train has 'age'" last.err

"$HERD" predict "$ckpt" --data unnamed.h5 -o unnamed.csv 2> unnamed.err
check "data without names is predicted on" test "$(wc -l < unnamed.csv)" = 101
check "with a warning that its columns are taken in the training order" \
  grep -q "unnamed.h5 has no feature names" unnamed.err
finish
