#!/usr/bin/python3
"""Turn scripts/bench/run's raw measurements (JSON lines) into the table of
ratios against the issue-7 targets: medians over rounds, printed as a table
and written as JSON (and as Markdown beside it, bench.md, for docs/performance.md).
Usage: table.py raw.jsonl bench.json"""
import json, statistics, sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith('{')]


def pick(case, who, key, **match):
    vals = [r[key] for r in rows if r.get('case') == case and r.get('who') == who
            and r.get(key) is not None and all(r.get(k) == v for k, v in match.items())]
    return statistics.median(vals) if vals else None


def ratio(a, b):
    return a / b if a is not None and b else None


def mlp_flops(hidden):
    dims = [784] + hidden + [10]
    w = [dims[i] * dims[i + 1] for i in range(len(dims) - 1)]
    return 2 * sum(w) + 2 * sum(w) + 2 * (sum(w) - w[0])  # forward, dW, dinput


table = []  # (case, figure, value, target, ok)


def add(case, figure, value, target=None, ok=None, unit=''):
    table.append({'case': case, 'figure': figure, 'value': value, 'unit': unit,
                  'target': target, 'meets': ok})


machine = next((r for r in rows if r.get('case') == 'machine'), {})
ranks = machine.get('ranks', 2)
for case, hidden in (('a', [1024, 1024]), ('b', [256, 128])):
    herd = pick(case, 'herd', 'samples_per_s', ranks=ranks)
    if herd is None:
        continue
    # the faster of PyTorch's default threads and one thread per core
    t1s = [pick(case, 'torch', 'samples_per_s', ranks=1, threads=k)
           for k in sorted({r.get('threads') for r in rows
                            if r.get('case') == case and r.get('who') == 'torch' and r.get('ranks') == 1})]
    t1 = max([v for v in t1s if v is not None], default=None)
    tn = pick(case, 'torch', 'samples_per_s', ranks=ranks)
    gf = pick(case, 'sgemm', 'gflops')
    limit = gf * 1e9 / mlp_flops(hidden) if gf else None
    step, step1 = pick(case, 'herd', 'step_ms', ranks=ranks), pick(case, 'herd-compute', 'step_ms')
    add(case, f'herd {ranks} ranks samples/s', herd, unit='samples/s')
    add(case, 'PyTorch 1 process samples/s', t1, unit='samples/s')
    add(case, f'PyTorch DDP {ranks} ranks samples/s', tn, unit='samples/s')
    add(case, 'compute limit samples/s', limit, unit='samples/s')
    r1, rn, rl = ratio(herd, t1), ratio(herd, tn), ratio(herd, limit)
    need1 = 1.3 if case == 'a' else 1.0
    add(case, 'herd / PyTorch 1 process', r1, f'>= {need1}', r1 is not None and r1 >= need1)
    add(case, 'herd / PyTorch DDP', rn, '>= 2', rn is not None and rn >= 2)
    if case == 'a':
        add(case, 'herd / compute limit', rl, '>= 0.8', rl is not None and rl >= 0.8)
    else:
        add(case, 'herd / compute limit', rl)
    rh = ratio(step, step1)
    add(case, f'step {ranks} ranks / compute-only step', rh, '<= 1.1', rh is not None and rh <= 1.1)
    add(case, 'herd test accuracy', pick(case, 'herd', 'test_acc', ranks=ranks))
    add(case, 'PyTorch test accuracy', pick(case, 'torch', 'test_acc', ranks=1))

sps = pick('c', 'herd', 'samples_per_s')
bw = pick('c', 'membw', 'gbs')
if sps and bw:
    n = 1000000 // 4096 * 4096
    epoch = n / sps
    limit = 2 * 1000000 * 101 * 4 / (bw * 1e9)
    add('c', 'herd epoch s (1M x 100 logistic)', epoch, unit='s')
    add('c', 'read-twice limit s', limit, unit='s')
    add('c', 'epoch / limit', epoch / limit, '<= 1.5', epoch / limit <= 1.5)

sizes = sorted({r['bytes'] for r in rows if r.get('case') == 'd' and 'bytes' in r})
for size in sizes:
    herd_rows = [r for r in rows if r.get('case') == 'd' and r.get('who') == 'herd'
                 and r.get('bytes') == size and r.get('peer') != 'herd-mpi']
    h = statistics.median([r['busbw_gbs'] for r in herd_rows]) if herd_rows else None
    m = pick('d', 'mpi', 'busbw_gbs', bytes=size)
    need = 1.5 if size >= 16 << 20 else 1.0
    rr = ratio(h, m)
    name = herd_rows[0]['peer'] if herd_rows else 'herd'
    label = f'{size >> 10} KB' if size < 1 << 20 else f'{size >> 20} MB'
    add('d', f'{label}: {name} {h} GB/s vs MPI {m} GB/s', rr, f'>= {need}',
        rr is not None and rr >= need)

raw_bw, herd_bw = pick('e', None, 'raw_gbs'), pick('e', None, 'herd_gbs')
stream_bw = pick('e', None, 'stream_gbs')
if raw_bw:
    add('e', f'HDF5 shard load {herd_bw} GB/s vs raw read into memory {raw_bw} GB/s',
        ratio(herd_bw, raw_bw), '>= 0.8', ratio(herd_bw, raw_bw) >= 0.8)
fresh_bw = pick('e', None, 'fresh_gbs')
if fresh_bw:
    add('e', f'  (vs raw read into freshly allocated memory, page zeroing included: {fresh_bw} GB/s)',
        ratio(herd_bw, fresh_bw))
if stream_bw:
    add('e', f'  (vs raw read through one 8 MB buffer, keeping nothing: {stream_bw} GB/s)',
        ratio(herd_bw, stream_bw))

for r in rows:
    if r.get('case') == 'f' and isinstance(r.get('overhead_pct'), (int, float)):
        ov = r['overhead_pct']
        add('f', f"experiment-log overhead, % of samples/s (on {r['on_samples_per_s']:.0f} vs off "
                 f"{r['off_samples_per_s']:.0f})", ov, '<= 2', ov <= 2)

for np in (1, 2, 4):
    sps = pick('w', 'herd', 'samples_per_s', ranks=np)
    if sps is None:
        continue
    base = pick('w', 'herd', 'samples_per_s', ranks=1)
    step, ar = pick('w', 'herd', 'step_ms', ranks=np), pick('w', 'herd', 'allreduce_ms', ranks=np)
    add('w', f'weak scaling {np} ranks x 128 rows: samples/s (step {step:.1f} ms, allreduce {ar:.1f} ms)',
        sps, unit='samples/s')
    add('w', f'weak scaling efficiency {np} ranks', ratio(sps, np * base) if base else None)

peaks = [r['peak_rss_kb'] for r in rows if r.get('case') == 'm']
if peaks:
    # case a on 2 ranks: 30000 train + 5000 test rows of 785 floats per rank; 1863690 params
    per_rank_rows = (60000 + 10000) // ranks
    bound_kb = (per_rank_rows * 785 * 4 + 4 * 1863690 * 4) / 1024 + 64 * 1024
    add('m', f'peak RSS per rank, worst (kB; bound {bound_kb:.0f} kB)', max(peaks), '<= bound',
        max(peaks) <= bound_kb)

print(f"herd bench: {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores, "
      f"{ranks} ranks, {machine.get('rounds', '?')} rounds (medians); start {machine.get('uptime', '')}")
end = next((r for r in rows if r.get('case') == 'machine-end'), {})
print(f"end {end.get('uptime', '')}")
print(f"{'case':4} {'figure':60} {'value':>12} {'target':>8}  ok")
for t in table:
    v = t['value']
    vs = '-' if v is None else (f'{v:.3f}' if abs(v) < 100 else f'{v:.0f}')
    ok = '' if t['meets'] is None else ('yes' if t['meets'] else 'NO')
    print(f"{t['case']:4} {t['figure'][:60]:60} {vs:>12} {t['target'] or '':>8}  {ok}")
json.dump({'machine': machine, 'end': end, 'table': table}, open(sys.argv[2], 'w'), indent=1)
md = sys.argv[2].rsplit('.', 1)[0] + '.md'
with open(md, 'w') as f:
    f.write(f"{machine.get('cpu', '?')}, {machine.get('cores', '?')} cores, {ranks} ranks, "
            f"median of {machine.get('rounds', '?')} alternating rounds; {machine.get('uptime', '')} "
            f"at the start, {end.get('uptime', '')} at the end.\n\n")
    f.write('| case | figure | value | target | met |\n| --- | --- | --- | --- | --- |\n')
    for t in table:
        v = t['value']
        vs = '-' if v is None else (f'{v:.3f}' if abs(v) < 100 else f'{v:.0f}')
        ok = '' if t['meets'] is None else ('yes' if t['meets'] else '**no**')
        f.write(f"| {t['case']} | {t['figure']} | {vs} | {t['target'] or ''} | {ok} |\n")
print(f'written {sys.argv[2]} and {md}')
