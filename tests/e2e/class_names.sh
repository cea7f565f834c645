#!/usr/bin/env bash
# Class labels that are words (yes/no, species names): the import numbers
# them in sorted order and keeps the names, training stores them in the
# checkpoint, `herd predict` writes them, `herd eval` lists them, and data
# whose classes are named otherwise is refused.
source "$(dirname "$0")/../lib.sh"

# "yes" when x1 + x2 > 1; the first row is a "yes", so the order of first
# appearance is not the sorted order
awk 'BEGIN { srand(11); print "x1,x2,approved"; print "0.9,0.9,yes"
             for (i = 0; i < 599; i++) { a = rand(); b = rand()
               printf "%.4f,%.4f,%s\n", a, b, (a + b > 1 ? "yes" : "no") } }' > words.csv
"$HERD" data import-csv words.csv --target approved -o words.h5 > import.log
check "two names make a binary task, listed sorted" \
  grep -q "task binary, 2 classes (no, yes)" import.log
check "ids follow the sorted names: yes is 1" \
  test "$(h5dump -d /y -s 0 -c 1 words.h5 | sed -n 's/^ *(0): *//p')" = 1
check "data info --json lists the class names" \
  test "$("$HERD" data info --json words.h5 | jq -c .class_names)" = '["no","yes"]'
sed '2,$s/yes$/true/; 2,$s/no$/false/' words.csv > bools.csv
"$HERD" data import-csv bools.csv --target approved -o bools.h5 > /dev/null
check "the class names are part of the content hash" \
  test "$("$HERD" data hash words.h5 | cut -d' ' -f1)" != "$("$HERD" data hash bools.h5 | cut -d' ' -f1)"
check "and verify still agrees with the stored hash" "$HERD" data verify words.h5
sed '2,$s/yes$/1/; 2,$s/no$/0/' words.csv > ids.csv
"$HERD" data import-csv ids.csv --target approved -o ids.h5 > /dev/null

cat > cfg.yaml <<YAML
experiment: words
data: {train: words.h5}
model: {type: logistic, hidden: []}
optim: {name: adam, lr: 0.1}
train: {epochs: 4, batch_size: 50, checkpoint_dir: ck}
eval: {conformal: {alpha: 0.1}}
track: {db: runs/herd.db}
YAML
"$HERD" train cfg.yaml > train.log
ckpt=$(ls ck/ckpt-*.h5 | tail -1)
check "the checkpoint stores the class names" \
  sh -c "h5dump -d /class_names '$ckpt' | grep -q '\"no\", \"yes\"'"

"$HERD" eval "$ckpt" --data words.h5 --json eval.json > /dev/null
check "eval lists the class names" test "$(jq -c .class_names eval.json)" = '["no","yes"]'
"$HERD" predict "$ckpt" --data words.h5 -o pred.csv --conformal > /dev/null
check "header unchanged" test "$(head -1 pred.csv)" = "prediction,p_0,p_1,set"
check "predictions are class names, yes where p_1 > p_0" awk -F, 'NR > 1 {
    want = $3 > $2 ? "yes" : "no"; if ($1 != want) bad++; n++ }
    END { exit !(n == 600 && bad == 0) }' pred.csv
check "conformal sets are names joined by |" \
  awk -F, 'NR > 1 && $4 !~ /^(no|yes|no\|yes)?$/ { bad++ } END { exit bad > 0 }' pred.csv
check "most predictions are right" awk -F, 'NR == FNR { if (FNR > 1) truth[FNR] = $3; next }
    FNR > 1 && $1 == truth[FNR] { ok++ } END { exit !(ok > 500) }' words.csv pred.csv
# names with a comma and a quote: each prediction and each set is one CSV cell
sed '2,$s/no$/"no, ""thanks"""/' words.csv > commas.csv
"$HERD" data import-csv commas.csv --target approved -o commas.h5 > /dev/null
"$HERD" train cfg.yaml data.train=commas.h5 train.checkpoint_dir=ck-commas > /dev/null
ck_commas=$(ls ck-commas/ckpt-*.h5 | tail -1)
"$HERD" eval "$ck_commas" --data commas.h5 eval.conformal.alpha=0.01 --json /dev/null > /dev/null
"$HERD" predict "$ck_commas" --data commas.h5 -o commas-pred.csv --conformal > /dev/null
check "quoted names stay one cell, in predictions and in sets" "$py" -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1]), strict=True))[1:]
names = {"no, \"thanks\"", "yes"}
sets = {r[3] for r in rows}
ok = all(len(r) == 4 and r[0] in names for r in rows)
ok = ok and all(s == "" or set(s.split("|")) <= names for s in sets)
sys.exit(0 if ok and "no, \"thanks\"|yes" in sets else 1)' commas-pred.csv
"$HERD" predict "$ckpt" --data words.h5 -o pred.h5 > /dev/null
check "HDF5 predictions keep ids and add /class_names" \
  sh -c "h5dump -d /class_names pred.h5 | grep -q '\"no\", \"yes\"'"

expect_exit 3 "eval on class ids when the model names its classes" \
  "$HERD" eval "$ckpt" --data ids.h5 --json ids.json
check "it says which side names its classes" \
  grep -q "ids.h5: its labels are class ids without names, while the model in $ckpt names its classes" last.err

# three species; validation data that has another set of names
awk 'BEGIN { srand(12); print "a,b,species"
             for (i = 0; i < 300; i++) { a = rand(); b = rand()
               printf "%.3f,%.3f,%s\n", a, b, (a < 0.3 ? "bird" : b < 0.5 ? "cat" : "dog") } }' > train3.csv
sed '2,$s/bird$/fish/' train3.csv > val3.csv
"$HERD" data import-csv train3.csv --target species -o train3.h5 > /dev/null
"$HERD" data import-csv val3.csv --target species -o val3.h5 > /dev/null
expect_exit 3 "data.val whose classes are named otherwise" \
  "$HERD" train cfg.yaml data.train=train3.h5 data.val=val3.h5 model.type=softmax \
  train.checkpoint_dir=ck3
check "it names the first class that differs" \
  grep -q "val3.h5: class 0 is 'cat' where data.train has 'bird'" last.err

# labels the import refuses
printf 'x,y\n1,yes\n2,2\n' > mixed.csv
expect_exit 3 "numbers among words" "$HERD" data import-csv mixed.csv --target y -o m.h5
check "it names the line and the first word" \
  grep -q "mixed.csv:3: column 'y': '2' is a number, but the labels before it are words (line 2: 'yes')" last.err
printf 'x,y\n1,yes\n2,yes\n' > one.csv
expect_exit 3 "one class name" "$HERD" data import-csv one.csv --target y -o m.h5
check "it says a classifier needs two" grep -q "every label is 'yes'; a classifier needs two" last.err
expect_exit 3 "words as a regression target" \
  "$HERD" data import-csv words.csv --target approved --task regression -o m.h5
check "it says regression needs numbers" grep -q "a regression target must be numbers" last.err
check "nothing written" test ! -e m.h5
finish
