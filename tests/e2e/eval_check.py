#!/usr/bin/python3
"""eval_check.py - peers for tests/e2e/eval_vs_sklearn.sh.

  eval_check.py make-data DIR        write CSV train/test sets (binary, multiclass, regression)
  eval_check.py check KIND JSON PRED.csv DATA.csv
      recompute every metric of herd eval's JSON with scikit-learn (and numpy
      for what sklearn lacks) from herd predict's output on the same rows;
      exit 1 listing each mismatch.
"""
import json
import math
import sys

import numpy as np
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

TOL = 1e-6
bad = []


def near(name, got, want, tol=TOL):
    if got is None or want is None or (isinstance(want, float) and math.isnan(want)):
        ok = got is None and (want is None or math.isnan(want))
    else:
        ok = abs(got - want) <= tol * max(1.0, abs(want))
    if not ok:
        bad.append(f"{name}: herd {got} sklearn {want}")


def make_data(out):
    rng = np.random.default_rng(7)
    for split, n in (("train", 6000), ("test", 12000)):
        late = rng.poisson(0.4, n)
        util = np.round(rng.uniform(0, 1.2, n), 3)
        age = np.round(rng.uniform(21, 80, n), 1)
        noise = np.round(rng.normal(0, 1, n), 3)
        z = 1.4 * late + 2.0 * util - 0.03 * (age - 50) - 2.2 + 0.8 * noise
        yb = (rng.uniform(0, 1, n) < 1 / (1 + np.exp(-z))).astype(int)
        ym = np.digitize(z + rng.normal(0, 0.7, n), [-1.5, 0.0])
        yr = np.round(3 * util + 0.5 * late - 0.02 * age + rng.normal(0, 0.3, n) + 5, 4)
        head = "num_90_days_late,utilization,age,noise"
        X = np.column_stack([late, util, age, noise])
        for kind, y in (("binary", yb), ("multiclass", ym), ("regression", yr)):
            np.savetxt(f"{out}/{kind}_{split}.csv", np.column_stack([X, y]), delimiter=",",
                       header=head + ",target", comments="", fmt="%.6g")


def check_classifier(res, P, y, X):
    K = P.shape[1]
    pred = P.argmax(axis=1)
    m = res["metrics"]
    near("accuracy", m["accuracy"], skm.accuracy_score(y, pred))
    near("balanced_accuracy", m["balanced_accuracy"], skm.balanced_accuracy_score(y, pred))
    for avg in ("macro", "weighted"):
        near(f"precision_{avg}", m[f"precision_{avg}"], skm.precision_score(y, pred, average=avg, zero_division=0))
        near(f"recall_{avg}", m[f"recall_{avg}"], skm.recall_score(y, pred, average=avg, zero_division=0))
        near(f"f1_{avg}", m[f"f1_{avg}"], skm.f1_score(y, pred, average=avg, zero_division=0))
    pc = skm.precision_recall_fscore_support(y, pred, labels=list(range(K)), zero_division=0)
    for k in range(K):
        for j, key in enumerate(("precision", "recall", "f1", "support")):
            near(f"per_class[{k}].{key}", m["per_class"][k][key], float(pc[j][k]))
    cm = skm.confusion_matrix(y, pred, labels=list(range(K)))
    if m["confusion_matrix"] != cm.tolist():
        bad.append(f"confusion_matrix: herd {m['confusion_matrix']} sklearn {cm.tolist()}")
    near("log_loss", m["log_loss"], skm.log_loss(y, P, labels=list(range(K))))
    if K == 2:
        near("precision", m["precision"], skm.precision_score(y, pred, zero_division=0))
        near("recall", m["recall"], skm.recall_score(y, pred, zero_division=0))
        near("f1", m["f1"], skm.f1_score(y, pred, zero_division=0))
        near("roc_auc", m["roc_auc"], skm.roc_auc_score(y, P[:, 1]))
        near("average_precision", m["average_precision"], skm.average_precision_score(y, P[:, 1]))
        near("brier", m["brier"], skm.brier_score_loss(y, P[:, 1]))
        check_binary_extras(res, P, y, X)
    else:
        near("roc_auc", m["roc_auc"], skm.roc_auc_score(y, P, multi_class="ovr", average="macro"))
        Y = np.eye(K)[y]
        near("average_precision", m["average_precision"], skm.average_precision_score(Y, P, average="macro"))
        near("brier", m["brier"], float(np.mean(np.sum((P - Y) ** 2, axis=1))))
    check_calibration(res, P, y, K)
    check_selective(res, P, y)


def check_binary_extras(res, P, y, X):
    p1 = P[:, 1]
    for row in res["threshold"]["curve"][::10]:
        t = row["threshold"]
        hat = (p1 >= t).astype(int)
        near(f"threshold {t} precision", row["precision"], skm.precision_score(y, hat, zero_division=0))
        near(f"threshold {t} recall", row["recall"], skm.recall_score(y, hat, zero_division=0))
        near(f"threshold {t} f1", row["f1"], skm.f1_score(y, hat, zero_division=0))
        tn, fp, fn, tp = skm.confusion_matrix(y, hat, labels=[0, 1]).ravel()
        near(f"threshold {t} fpr", row["fpr"], fp / (fp + tn))
        near(f"threshold {t} fnr", row["fnr"], fn / (fn + tp))
    zr = res["baselines"]["zero_rule"]
    major = np.bincount(y).argmax()
    near("baselines.zero_rule.accuracy", zr["accuracy"], skm.accuracy_score(y, np.full_like(y, major)))
    heur = res["baselines"]["heuristic"]
    hat = (X[:, 0] > 0).astype(int)  # the test's rule: num_90_days_late > 0
    near("baselines.heuristic.accuracy", heur["accuracy"], skm.accuracy_score(y, hat))
    near("baselines.heuristic.f1", heur["f1"], skm.f1_score(y, hat))
    near("baselines.heuristic.roc_auc", heur["roc_auc"], skm.roc_auc_score(y, hat))


def check_calibration(res, P, y, K):
    cal = res["calibration"]
    B = cal["bins"]
    if K == 2:
        s, outcome = P[:, 1], y.astype(float)
        prob_true, prob_pred = calibration_curve(y, s, n_bins=B, strategy="uniform")
        rows = [r for r in cal["table"] if r["count"] > 0]
        for r, t, p in zip(rows, prob_true, prob_pred):
            near("calibration mean_outcome", r["mean_outcome"], float(t))
            near("calibration mean_score", r["mean_score"], float(p))
    else:
        s, outcome = P.max(axis=1), (P.argmax(axis=1) == y).astype(float)
    edges = np.linspace(0, 1, B + 1)
    b = np.searchsorted(edges[1:-1], s, side="right")
    ece = sum(np.sum(b == j) / len(s) * abs(outcome[b == j].mean() - s[b == j].mean())
              for j in range(B) if np.any(b == j))
    near("ece", cal["ece"], float(ece))


def check_selective(res, P, y):
    conf, right = P.max(axis=1), (P.argmax(axis=1) == y)
    order = np.argsort(-conf, kind="stable")
    conf, right = conf[order], right[order]
    n, aurc, wrong, i = len(y), 0.0, 0, 0
    while i < n:
        j = i
        while j < n and conf[j] == conf[i]:
            wrong += not right[j]
            j += 1
        aurc += (j - i) / n * wrong / j
        i = j
    near("selective.aurc", res["selective"]["aurc"], aurc)


def check_regression(res, pred, y):
    m = res["metrics"]
    near("mse", m["mse"], skm.mean_squared_error(y, pred))
    near("rmse", m["rmse"], math.sqrt(skm.mean_squared_error(y, pred)))
    near("mae", m["mae"], skm.mean_absolute_error(y, pred))
    near("r2", m["r2"], skm.r2_score(y, pred))
    near("mape", m["mape"], skm.mean_absolute_percentage_error(y, pred))
    near("baselines.zero_rule.mse", res["baselines"]["zero_rule"]["mse"],
         skm.mean_squared_error(y, np.full_like(y, y.astype(np.float32).mean())), 1e-5)


def main():
    if sys.argv[1] == "make-data":
        make_data(sys.argv[2])
        return 0
    kind, res_path, pred_path, data_path = sys.argv[2:6]
    res = json.load(open(res_path))
    pred = np.genfromtxt(pred_path, delimiter=",", names=True)
    data = np.loadtxt(data_path, delimiter=",", skiprows=1, dtype=np.float32).astype(np.float64)
    X, y = data[:, :-1], data[:, -1]
    if kind == "regression":
        check_regression(res, pred["prediction"].astype(np.float64), y)
    else:
        P = np.column_stack([pred[f"p_{k}"] for k in range(res["n_classes"])])
        check_classifier(res, P, y.astype(int), X)
    for line in bad:
        print("MISMATCH", kind, line)
    print(f"{kind}: {'ok' if not bad else str(len(bad)) + ' mismatches'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
