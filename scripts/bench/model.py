#!/usr/bin/python3
"""The alpha-beta-gamma model of one data-parallel step of case (a), fitted to
scripts/bench/run's raw measurements, and its predicted efficiency on more nodes.

  T_step(N nodes) = T_compute + T_exposed
  T_compute       = gamma * F * b                      (b rows per rank, F flops per row)
  T_shm(n)        = alpha_shm + beta_shm * n                  (herd shm allreduce, n bytes)
  T_net(N, n)     = 2 (N-1) alpha_net + 2 (N-1)/N * n * beta_net (ring over the nodes)
  T_allreduce     = T_shm(n) + T_net(N, n)                      (hier)
  T_exposed       = T_allreduce (no overlap: hier's leaders' path) or
                    max(0, T_allreduce - T_window) (overlap, hier with shared parameters:
                    the backward of the layers below the first full bucket)
Efficiency = T_compute / T_step (weak scaling: b fixed per rank).
gamma, alpha_shm, beta_shm are fitted here; alpha_net, beta_net are NOT measurable on one
host and are assumptions (arguments). Usage: model.py raw.jsonl [alpha_net_us beta_net_GBps]
"""
import json, statistics, sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith('{')]
alpha_net = (float(sys.argv[2]) if len(sys.argv) > 2 else 5.0) * 1e-6
bw_net = (float(sys.argv[3]) if len(sys.argv) > 3 else 10.0) * 1e9

dims = [784, 1024, 1024, 10]
w = [dims[i] * dims[i + 1] for i in range(3)]                  # weights per layer
flops = 6 * sum(w) - 2 * w[0]
n_bytes = 4 * (sum(w) + sum(dims[1:]))                          # gradient incl. biases
b = 128

comp = [r['step_ms'] for r in rows if r.get('who') == 'herd-compute' and r.get('case') == 'a']
step2 = [r for r in rows if r.get('who') == 'herd' and r.get('case') == 'a']
if not comp:
    sys.exit('model.py: no compute-only runs of case a in ' + sys.argv[1])
t_comp = statistics.median(comp) / 1e3
gamma = t_comp / (flops * b)

# shm allreduce: alpha = the 4 KB time (latency), beta = the per-byte slope up to 16 MB
# (the gradient, 7.45 MB, does not fit in cache: the DRAM regime is what counts)
pts = {}
for r in rows:
    if r.get('case') == 'd' and r.get('peer') in ('herd-shm', 'herd-hier'):
        pts.setdefault(r['bytes'], []).append(r['median_us'] * 1e-6)
med = {nb: statistics.median(ts) for nb, ts in pts.items()}
alpha_shm = med[4096]
beta_shm = (med[16 << 20] - alpha_shm) / (16 << 20)
t_shm = alpha_shm + beta_shm * n_bytes

# overlap window: backward of the layers below the last layer's bucket (layer 2 is tiny, so
# in practice the window after the big layer-1 bucket is layer 1's dinput and layer 0's dW)
window = gamma * b * (2 * w[1] + 2 * w[0])

print(f'fitted on {sys.argv[1]}:')
print(f'  model: 784-1024-1024-10, {n_bytes // 4} params = {n_bytes / 1e6:.2f} MB of gradient, '
      f'{flops / 1e6:.2f} MFLOP per row, {b} rows per rank')
print(f'  gamma     = {gamma * 1e12:.2f} ps/flop  ({1 / gamma / 1e9:.1f} GFLOP/s per rank achieved; '
      f'T_compute {t_comp * 1e3:.2f} ms)')
print(f'  alpha_shm = {alpha_shm * 1e6:.2f} us, beta_shm = {beta_shm * 1e9:.3f} ns/byte '
      f'({1 / beta_shm / 1e9 if beta_shm > 0 else float("inf"):.1f} GB/s); T_shm(gradient) = {t_shm * 1e3:.2f} ms')
if step2:
    m = statistics.median(r['step_ms'] for r in step2)
    print(f'  check: predicted 1-node step {1e3 * (t_comp + t_shm):.2f} ms, measured {m:.2f} ms')
print(f'  assumed network: alpha_net = {alpha_net * 1e6:.1f} us, beta_net = 1/({bw_net / 1e9:.1f} GB/s)')
print(f'  overlap window (backward below the first full bucket) = {window * 1e3:.2f} ms')
print(f'{"nodes":>6} {"T_net ms":>9} {"E no overlap":>13} {"E overlap":>10}')
for N in (1, 2, 8, 64, 512):
    t_net = 0 if N == 1 else 2 * (N - 1) * alpha_net + 2 * (N - 1) / N * n_bytes / bw_net
    t_ar = t_shm + t_net
    e0 = t_comp / (t_comp + t_ar)
    e1 = t_comp / (t_comp + max(0.0, t_ar - window))
    print(f'{N:>6} {t_net * 1e3:>9.2f} {e0:>13.3f} {e1:>10.3f}')
