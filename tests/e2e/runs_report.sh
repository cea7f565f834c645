#!/usr/bin/env bash
# `herd runs report` (issue 3 item 8): two runs on 2 ranks -> one self-contained
# HTML file, checked as text (escaping, nothing external) and in headless
# Chromium: the DOM has the charts' SVG polylines and every section, and the
# screenshot is not blank (many colours; both runs' curve colours present).
# Chromium comes from tests/chromium.sh; ImageMagick (used by this test only)
# is installed here when missing instead of by scripts/install-deps.
source "$(dirname "$0")/../lib.sh"
source "$HERD_SOURCE_DIR/tests/chromium.sh"

if ! [ -x /usr/bin/convert ]; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
    imagemagick >/dev/null
fi
check "chromium installed" chromium_ready
check "ImageMagick installed" test -x /usr/bin/convert

"$HERD" data synth --kind classification --rows 6000 --features 20 --classes 3 --seed 4 \
  --val-fraction 0.1 --test-fraction 0.1 -o synth.h5 >/dev/null
cat > cfg.yaml <<YAML
experiment: report
seed: 2
data: {train: synth.h5}
model: {type: mlp, hidden: [64]}
optim: {name: adam, lr: 0.003}
train: {epochs: 3, batch_size: 32, checkpoint_dir: ckpt, log_every: 10}
track: {db: runs/herd.db, system_every_s: 0.05, samples: 5}
YAML
run_ranks 2 train cfg.yaml "run_name=<script>alert('x')</script> & co" --summary-json a.json > /dev/null
run_ranks 2 train cfg.yaml run_name=faster optim.lr=0.01 train.checkpoint_dir=ckpt2 --summary-json b.json > /dev/null
a=$(json a.json .run_id); b=$(json b.json .run_id)

"$HERD" runs report "$a" "${b:0:8}" --db runs/herd.db -o report.html > report.log
check "report written" test -s report.html
check "no script element" test "$(grep -ci '<script' report.html)" -eq 0
check "run name escaped" grep -qF "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co" report.html
check "nothing loaded from outside" test "$(grep -Eoi '(src|href)=\"[a-z]+:|@import|url\(' report.html | wc -l)" -eq 0
check "params diff shows optim.lr" grep -q '<td>optim.lr</td><td>0.003</td><td>0.01</td>' report.html

chrome_dom report.html dom.html
lines=$(grep -o '<polyline' dom.html | wc -l)
check "curves drawn in the DOM ($lines polylines)" test "$lines" -ge 16
check "test metrics drawn as points" test "$(grep -o '<circle' dom.html | wc -l)" -ge 4
for id in runs curves params metrics system environment; do
  check "section $id rendered" grep -q "id=\"$id\"" dom.html
done
check "system metric charts" grep -q "<figcaption>system/cpu_utilization_percentage</figcaption>" dom.html

chrome_shot report.html out.png
check "screenshot taken" test -s out.png
colors=$(convert out.png -format %k info:)
check "screenshot not blank ($colors colours)" test "$colors" -ge 50
for c in "#4e79a7" "#f28e2b"; do   # the two runs' curve colours
  px=$(convert out.png -fuzz 6% -fill black -opaque "$c" -fill white +opaque black \
       -format "%[fx:round((1-mean)*w*h)]" info:)
  check "curves in $c visible ($px pixels)" test "$px" -ge 300
done

# item 4: the report is an artifact of both runs, with its sha256
sha=$(sha256sum report.html | cut -d' ' -f1)
for id in "$a" "$b"; do
  "$HERD" runs show "$id" --db runs/herd.db --json > show.json
  check "report recorded as artifact of ${id:0:8}" \
    test "$(jq -r '.artifacts[] | select(.kind == "report") | .sha256' show.json)" = "$sha"
done

# a report written from another folder is recorded by its absolute path
mkdir elsewhere
(cd elsewhere && "$HERD" runs report "$a" --db "$TEST_TMP/runs/herd.db" -o r2.html > /dev/null)
"$HERD" runs show "$a" --db runs/herd.db --json > show.json
want=$(realpath elsewhere/r2.html)
check "report path recorded absolute ($want)" \
  jq -e --arg p "$want" 'any(.artifacts[]; .kind == "report" and .path == $p)' show.json
check "no relative report path" jq -e 'all(.artifacts[]; .kind != "report" or (.path | startswith("/")))' show.json

expect_exit 2 "report without -o" "$HERD" runs report "$a" --db runs/herd.db
check "report without -o: one error line" test "$(wc -l < last.err)" -eq 1
check "report without -o: says what is missing" \
  grep -qx "herd: error: runs report: -o REPORT.html is required" last.err
expect_exit 2 "report of an unknown run" "$HERD" runs report ffffffff --db runs/herd.db -o x.html
expect_exit 4 "report to an unwritable path" "$HERD" runs report "$a" --db runs/herd.db -o /nonexistent/dir/r.html
check "a failed report leaves no file" test ! -e x.html

finish
