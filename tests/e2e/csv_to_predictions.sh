#!/usr/bin/env bash
# From a CSV as spreadsheets and pandas write it (CRLF, a quoted cell running
# over two lines) to predictions: the import keeps every row and value, and
# `herd predict` writes the same CSV whether it runs alone or is started on
# 2 ranks (each writer has its own temporary file), over an existing file;
# --abstain-below is refused for a regression model. The same rows without
# the label column import as a dataset without labels, whose predictions
# (CSV and HDF5, --abstain-below, --conformal) are those of the labelled rows.
source "$(dirname "$0")/../lib.sh"

# make_csv 1|0: the 600 rows with or without the label column
make_csv() {
  awk -v label="$1" 'BEGIN { srand(4); printf "\"x1\",x2,\"note\r\nx3\"%s\r\n", label ? ",label" : ""
             for (i = 0; i < 600; i++) { a = rand(); b = rand(); y = label ? sprintf(",%d", a + b > 1) : ""
               if (i == 5) printf "\"%.4f\",%.4f,\"%.4f\r\n\"%s\r\n", a, b, i % 7, y
               else printf "%.4f,%.4f,%d%s\r\n", a, b, i % 7, y } }'
}
make_csv 1 > in.csv
"$HERD" data import-csv in.csv --target label -o in.h5 > import.log
check "600 rows imported" grep -q "imported 600 rows, 3 columns, task binary" import.log
# row 5 starts on line 8 (the header runs over lines 1 and 2)
row5=$(h5dump -d /X -s 5,0 -c 1,3 in.h5 | sed -n 's/^ *(5,0): *//p' | tr -d ' ')
want5=$(sed -n 8p in.csv | cut -d, -f1,2 | tr -d '"'),5
check "row 5 (quoted, over two lines) read as $want5 (got $row5)" \
  awk -v got="$row5" -v want="$want5" 'BEGIN { split(got, g, ","); split(want, w, ",")
    for (i = 1; i <= 3; i++) if (g[i] - w[i] > 1e-6 || w[i] - g[i] > 1e-6) exit 1 }'
check "the feature name keeps its line break" sh -c "h5dump -d /feature_names in.h5 | grep -q '\"note'"

cat > cfg.yaml <<YAML
experiment: csv
data: {train: in.h5}
model: {type: logistic, hidden: []}
optim: {name: adam, lr: 0.05}
train: {epochs: 2, batch_size: 50, checkpoint_dir: ck}
track: {db: runs/herd.db}
YAML
"$HERD" train cfg.yaml > train.log
ckpt=$(ls ck/ckpt-*.h5 | tail -1)
"$HERD" predict "$ckpt" --data in.h5 -o one.csv > /dev/null
check "one prediction per row, with a header" test "$(wc -l < one.csv)" = 601
check "header prediction,p_0,p_1" test "$(head -1 one.csv)" = "prediction,p_0,p_1"
echo stale > two.csv
check "predict started on 2 ranks succeeds" run_ranks 2 predict "$ckpt" --data in.h5 -o two.csv
check "and writes the same predictions over the old file" cmp one.csv two.csv
check "no temporary file left" test -z "$(ls | grep '\.tmp$' || true)"

# the same rows without labels: every column a feature, no /y
make_csv 0 > nolabel.csv
"$HERD" data import-csv nolabel.csv -o nolabel.h5 > import-nolabel.log
check "imported without labels" grep -q "imported 600 rows, 3 columns, no labels" import-nolabel.log
check "info --json says labelled false" test "$("$HERD" data info nolabel.h5 --json | jq .labelled)" = false
check "and true for the labelled file" test "$("$HERD" data info in.h5 --json | jq .labelled)" = true
check "info (text) says it has no labels" sh -c "'$HERD' data info nolabel.h5 | grep -q '^labels: *none'"
check "verify passes on it" "$HERD" data verify nolabel.h5
h5dump -d /X -b LE -o x-nolabel.bin nolabel.h5 > /dev/null
h5dump -d /X -b LE -o x-in.bin in.h5 > /dev/null
check "its /X holds the labelled file's features" cmp x-nolabel.bin x-in.bin
check "its hash is over /X alone" \
  test "$("$HERD" data hash nolabel.h5 | cut -d' ' -f1)" = "$(sha256sum < x-nolabel.bin | cut -d' ' -f1)"
expect_exit 2 "--task without --target" "$HERD" data import-csv nolabel.csv --task binary -o t.h5
check "is a usage error naming --target" grep -q "import-csv: --task needs --target" last.err
check "predict on it" "$HERD" predict "$ckpt" --data nolabel.h5 -o nolabel.csv.out.csv
check "gives the labelled rows' predictions, row for row" cmp one.csv nolabel.csv.out.csv
"$HERD" predict "$ckpt" --data in.h5 -o one.h5 --abstain-below 0.8 > /dev/null
check "HDF5 output with --abstain-below" \
  "$HERD" predict "$ckpt" --data nolabel.h5 -o nolabel.out.h5 --abstain-below 0.8
check "the same as for the labelled rows" h5diff one.h5 nolabel.out.h5
expect_exit 3 "training on it is refused" "$HERD" train cfg.yaml data.train=nolabel.h5
check "naming the file and the reason" grep -q "nolabel.h5: has no labels (/y); training needs labelled data" last.err
expect_exit 3 "evaluating on it is refused" "$HERD" eval "$ckpt" --data nolabel.h5
check "naming the file and the reason" grep -q "nolabel.h5: has no labels (/y); evaluation needs labelled data" last.err
# --conformal uses only the thresholds herd eval stored from labelled rows
"$HERD" eval "$ckpt" --data in.h5 eval.conformal.enabled=true > eval.log
"$HERD" predict "$ckpt" --data in.h5 -o conformal.csv --conformal > /dev/null
check "--conformal on unlabelled data" \
  "$HERD" predict "$ckpt" --data nolabel.h5 -o conformal-nolabel.csv --conformal
check "gives the labelled rows' sets" cmp conformal.csv conformal-nolabel.csv
check "which are there" grep -q "^prediction,p_0,p_1,set" conformal-nolabel.csv

# a regression model has no probabilities to abstain on: refused, not ignored
awk 'BEGIN { srand(5); print "a,b,target"
             for (i = 0; i < 300; i++) { a = rand(); b = rand(); print a "," b "," 2 * a - b } }' > reg.csv
"$HERD" data import-csv reg.csv --target target -o reg.h5 > /dev/null
"$HERD" train cfg.yaml data.train=reg.h5 model.type=linear train.checkpoint_dir=rck > reg.log
rckpt=$(ls rck/ckpt-*.h5 | tail -1)
expect_exit 2 "--abstain-below on a regression model" \
  "$HERD" predict "$rckpt" --data reg.h5 -o reg.csv.out.csv --abstain-below 0.5
check "it names the reason" grep -q "abstain-below needs class probabilities" last.err
check "and writes nothing" test ! -e reg.csv.out.csv
finish
