#!/usr/bin/env python3
"""Cross-check herd eval's slices and behavioural tests (tests/e2e/eval_slices.sh).

  variants DATA.h5 DIR      copies of DATA with group=0, group=1 and
                            num_90_days_late+1 (for herd predict)
  check DATA.h5 PRED.csv RESULT.json DIR
                            slice membership, n and metrics against
                            scikit-learn on the same predictions; the Wilson
                            and Hanley-McNeil intervals and the flags
                            recomputed; invariance and directional figures
                            from predictions on the variants
Exit 1 with one line per mismatch.
"""
import json, math, shutil, sys
import h5py
import numpy as np
from scipy.stats import norm
from sklearn.metrics import accuracy_score, roc_auc_score, recall_score, precision_score, log_loss

bad = []


def near(what, got, want, tol=1e-6):
    if got is None or want is None or not (abs(got - want) <= tol * max(1.0, abs(want))):
        bad.append(f"{what}: herd {got}, expected {want}")


def load(path):
    with h5py.File(path, "r") as f:
        names = [n.decode() if isinstance(n, bytes) else n for n in f["feature_names"][:]]
        return f["X"][:], f["y"][:].astype(int), names, {k: f["columns"][k][:] for k in f["columns"]}


def variants(data, out):
    X, y, names, cols = load(data)
    for tag, col, fn in (("group0", "group", lambda v: 0 * v), ("group1", "group", lambda v: 0 * v + 1),
                         ("late90", "num_90_days_late", lambda v: v + 1)):
        path = f"{out}/{tag}.h5"
        shutil.copy(data, path)
        with h5py.File(path, "r+") as f:
            Xm = f["X"][:]
            j = names.index(col)
            Xm[:, j] = fn(Xm[:, j])
            f["X"][...] = Xm


def wilson(k, n, conf):
    z = norm.ppf(1 - (1 - conf) / 2)
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z / d * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, c - h), min(1.0, c + h)


def members(spec, X, names, cols):
    v = X[:, names.index(spec["feature"])].astype(float) if "feature" in spec else cols[spec["column"]].astype(float)
    what = spec.get("feature", spec.get("column"))
    out = {}
    if "bins" in spec:
        e = spec["bins"]
        out[f"{what} < {e[0]:g}"] = v < e[0]
        for k in range(1, len(e)):
            close = "]" if k == len(e) - 1 else ")"
            hi = (v <= e[k]) if k == len(e) - 1 else (v < e[k])
            out[f"{what} in [{e[k-1]:g}, {e[k]:g}{close}"] = (v >= e[k - 1]) & hi
        out[f"{what} > {e[-1]:g}"] = v > e[-1]
    else:
        for u in np.unique(v[~np.isnan(v)]):
            out[f"{what} = {u:g}"] = v == u
    out[f"{what} missing"] = np.isnan(v)
    return {k: m for k, m in out.items() if m.sum() > 0}


def check_slice(s, mask, y, p, labels, overall, conf, min_rows):
    yy, pp, lab = y[mask], p[mask], labels[mask]
    n = int(mask.sum())
    near(f"{s['name']} n", s["n"], n)
    m = s["metrics"]
    near(f"{s['name']} accuracy", m["accuracy"], accuracy_score(yy, lab))
    near(f"{s['name']} recall", m["recall"], recall_score(yy, lab, zero_division=0))
    near(f"{s['name']} precision", m["precision"], precision_score(yy, lab, zero_division=0))
    if 0 < yy.sum() < n:
        near(f"{s['name']} roc_auc", m["roc_auc"], roc_auc_score(yy, pp))
        near(f"{s['name']} log_loss", m["log_loss"], log_loss(yy, np.column_stack([1 - pp, pp]), labels=[0, 1]), 1e-5)
    ci, z = s["ci"], norm.ppf(1 - (1 - conf) / 2)
    want = {"accuracy": wilson((lab == yy).sum(), n, conf)}
    tp, pos, pred = ((lab == 1) & (yy == 1)).sum(), (yy == 1).sum(), (lab == 1).sum()
    if pos:
        want["recall"] = wilson(tp, pos, conf)
    if pred:
        want["precision"] = wilson(tp, pred, conf)
    if 0 < pos < n:
        a, n1, n0 = m["roc_auc"], pos, n - pos
        q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
        se = math.sqrt(max(0, (a * (1 - a) + (n1 - 1) * (q1 - a * a) + (n0 - 1) * (q2 - a * a)) / (n1 * n0)))
        want["roc_auc"] = (max(0, a - z * se), min(1, a + z * se))
    for k, (lo, hi) in want.items():
        if k not in ci:
            bad.append(f"{s['name']}: no interval for {k}")
            continue
        near(f"{s['name']} ci {k} low", ci[k]["low"], lo, 1e-9)
        near(f"{s['name']} ci {k} high", ci[k]["high"], hi, 1e-9)
    worse = sorted(k for k, (lo, hi) in want.items() if hi < overall[k])
    if sorted(s["worse_on"]) != worse or s["flagged"] != (n >= min_rows and bool(worse)):
        bad.append(f"{s['name']}: flagged {s['flagged']} worse_on {s['worse_on']}, expected {worse}")


def check(data, pred_csv, result, vdir):
    X, y, names, cols = load(data)
    r = json.load(open(result))
    P = np.loadtxt(pred_csv, delimiter=",", skiprows=1)
    p, lab = P[:, 2], (P[:, 2] > P[:, 1]).astype(int)  # herd's argmax: class 0 on ties
    overall = {"accuracy": accuracy_score(y, lab), "recall": recall_score(y, lab),
               "precision": precision_score(y, lab), "roc_auc": roc_auc_score(y, p)}
    specs = json.loads(sys.argv[6])
    got = {s["name"]: s for s in r["slices"]}
    count = 0
    for spec in specs:
        for name, mask in members(spec, X, names, cols).items():
            count += 1
            if name not in got:
                bad.append(f"slice '{name}' missing")
                continue
            check_slice(got[name], mask, y, p, lab, overall, float(sys.argv[7]), int(sys.argv[8]))
    near("number of slices", len(r["slices"]), count)
    # invariance on group: changed labels over rows x 2 values, largest probability change
    changed, worst = 0, 0.0
    for tag in ("group0", "group1"):
        Q = np.loadtxt(f"{vdir}/{tag}.csv", delimiter=",", skiprows=1)
        q = Q[:, 2]
        changed += ((Q[:, 2] > Q[:, 1]).astype(int) != lab).sum()
        worst = max(worst, np.abs(q - p).max())
    inv = r["tests"]["invariance"][0]
    near("invariance changed_fraction", inv["changed_fraction"], changed / (2 * len(y)), 1e-12)
    near("invariance max_score_change", inv["max_score_change"], worst, 1e-6)
    q = np.loadtxt(f"{vdir}/late90.csv", delimiter=",", skiprows=1)[:, 2]
    d = r["tests"]["directional"][0]
    near("directional violation_rate", d["violation_rate"], float((q < p).mean()), 1e-12)
    near("directional mean_score_change", d["mean_score_change"], float((q - p).mean()), 1e-6)


if __name__ == "__main__":
    if sys.argv[1] == "variants":
        variants(sys.argv[2], sys.argv[3])
    else:
        check(*sys.argv[2:6])  # then SLICES-JSON CONFIDENCE MIN_ROWS
    for line in bad:
        print("MISMATCH:", line)
    print(f"{len(bad)} mismatches")
    sys.exit(1 if bad else 0)
