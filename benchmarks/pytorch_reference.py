#!/usr/bin/env python3
"""PyTorch reference for the workloads of `sbi bench train`, on the CPU.

Prints one `name value unit` line per figure, with the names `sbi bench` uses, so
benchmarks/compare.sh can put both side by side:

  train_alices_adam_2x100_tanh_b128  samples/s   ALICES: BCE(s_hat, s(x,z)) + alpha * (1-y) |t_hat - t(x,z)|^2,
                             t_hat = d log r_hat / d theta by autograd with create_graph=True
                             (the way MadMiner trains score-augmented losses), alpha = 1
  train_carl_adam_2x100_tanh_b128    samples/s   CARL: BCE(s_hat, y)
  eval_logr_1e5x_100theta            samples/s   log r_hat(x|theta) for 100 000 x at each of 100 theta
                                                 ((x, theta) pairs per second)
  train_nde_maf_5x2x100_b128         samples/s   conditional MAF, 5 MADEs of (100, 100) tanh with the order of
                                                 the 10 variables reversed between them: -log p_hat(x|theta)
  train_scandal_maf_5x2x100_b128     samples/s   the same plus alpha * |grad_theta log p_hat - t(x,z)|^2 (score by
                                                 autograd with create_graph=True), alpha = 1

The MADE masks follow sbi's MAFArchitecture: input x_j has degree j + 1, theta degree 0, hidden
unit k degree k mod D, a hidden unit sees inputs of degree <= its own, outputs (mu_d, alpha_d) see
degree <= d; u = (x - mu) exp(-alpha), log p = sum log N(u_last) - sum alpha (arXiv:1705.07057,
SCANDAL arXiv:1805.12244).

Network: f(x, theta) = Linear(100) - tanh - Linear(100) - tanh - Linear(1) on the
concatenated [x (10 observables), theta (1 parameter)]; log r_hat = f; s_hat = 1/(1 + r_hat),
so BCE is computed from the logit -log r_hat (binary_cross_entropy_with_logits).
Adam (lr 1e-4), batch 128. Data are 64 synthetic batches made once and cycled through
(x ~ N(0,1), theta ~ U(-1,1), y alternating 0/1, r_xz = exp(N(0, 0.5^2)), t_xz ~ N(0,1)),
as in sbi's TrainBenchmark, so only the arithmetic is timed. Like sbi, a training figure is
the best rate over intervals of >= 0.05 s within the measuring time (the least disturbed
by other work on the machine), after 20 warm-up steps. Losses and conventions: arXiv:1805.12244.
"""
import argparse
import os
import time

import torch
import torch.nn.functional as F

N_OBSERVABLES = 10
N_PARAMETERS = 1
HIDDEN = 100
BATCH = 128
POOL_BATCHES = 64          # 8192 samples of synthetic data, cycled
EVAL_X = 100_000
EVAL_THETA = 100


def network():
    return torch.nn.Sequential(
        torch.nn.Linear(N_OBSERVABLES + N_PARAMETERS, HIDDEN), torch.nn.Tanh(),
        torch.nn.Linear(HIDDEN, HIDDEN), torch.nn.Tanh(),
        torch.nn.Linear(HIDDEN, 1),
    )


def synthetic_pool(generator):
    n = BATCH * POOL_BATCHES
    x = torch.randn(n, N_OBSERVABLES, generator=generator)
    theta = torch.rand(n, N_PARAMETERS, generator=generator) * 2 - 1
    y = (torch.arange(n) % 2).float()
    r_xz = torch.exp(0.5 * torch.randn(n, generator=generator))
    t_xz = torch.randn(n, N_PARAMETERS, generator=generator)
    return x, theta, y, r_xz, t_xz


def alices_step(model, optimizer, x, theta, y, r_xz, t_xz, alpha=1.0):
    theta = theta.detach().requires_grad_(True)
    log_r = model(torch.cat([x, theta], dim=1)).squeeze(1)
    # Score through autograd, keeping the graph so the loss can be differentiated again.
    t_hat, = torch.autograd.grad(log_r, theta, grad_outputs=torch.ones_like(log_r), create_graph=True)
    s_target = 1.0 / (1.0 + r_xz)
    bce = F.binary_cross_entropy_with_logits(-log_r, s_target)
    score_mse = ((1.0 - y) * ((t_hat - t_xz) ** 2).sum(dim=1)).mean()
    loss = bce + alpha * score_mse
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss


def carl_step(model, optimizer, x, theta, y, r_xz, t_xz):
    log_r = model(torch.cat([x, theta], dim=1)).squeeze(1)
    loss = F.binary_cross_entropy_with_logits(-log_r, y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss


class MaskedLinear(torch.nn.Linear):
    def __init__(self, fan_in, fan_out, mask):
        super().__init__(fan_in, fan_out)
        self.register_buffer("mask", mask)

    def forward(self, inputs):
        return F.linear(inputs, self.weight * self.mask, self.bias)


class ConditionalMAF(torch.nn.Module):
    """Blocks of MADEs on [z | theta], reversal between blocks (the layout of sbi's flow)."""

    def __init__(self, d=N_OBSERVABLES, p=N_PARAMETERS, blocks=5, hidden=(HIDDEN, HIDDEN)):
        super().__init__()
        self.d = d
        in_degrees = torch.cat([torch.arange(1, d + 1), torch.zeros(p, dtype=torch.long)])
        self.blocks = torch.nn.ModuleList()
        for _ in range(blocks):
            layers, previous = [], in_degrees
            for width in hidden:
                degrees = torch.arange(width) % d
                layers += [MaskedLinear(len(previous), width, (previous[None, :] <= degrees[:, None]).float()), torch.nn.Tanh()]
                previous = degrees
            out_degrees = torch.arange(2 * d) % d
            layers.append(MaskedLinear(len(previous), 2 * d, (previous[None, :] <= out_degrees[:, None]).float()))
            self.blocks.append(torch.nn.Sequential(*layers))

    def log_prob(self, x, theta):
        z, log_det = x, 0.0
        for k, made in enumerate(self.blocks):
            if k > 0:
                z = torch.flip(z, dims=[1])
            out = made(torch.cat([z, theta], dim=1))
            mu, alpha = out[:, :self.d], out[:, self.d:]
            z = (z - mu) * torch.exp(-alpha)
            log_det = log_det - alpha.sum(dim=1)
        return -0.5 * (z ** 2).sum(dim=1) - 0.5 * self.d * torch.log(torch.tensor(2 * torch.pi)) + log_det


def nde_step(model, optimizer, x, theta, y, r_xz, t_xz):
    loss = -model.log_prob(x, theta).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def scandal_step(model, optimizer, x, theta, y, r_xz, t_xz, alpha=1.0):
    theta = theta.detach().requires_grad_(True)
    log_p = model.log_prob(x, theta)
    (t_hat,) = torch.autograd.grad(log_p.sum(), theta, create_graph=True)
    loss = -log_p.mean() + alpha * ((t_hat - t_xz) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def train_throughput(step, seconds, seed, make_model=None):
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    pool = synthetic_pool(generator)
    model = (make_model or network)()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)

    def batch(k):
        start = (k % POOL_BATCHES) * BATCH
        return [t[start:start + BATCH] for t in pool]

    for k in range(20):  # warm-up: allocator, thread pool, first-call dispatch
        step(model, optimizer, *batch(k))
    best = 0.0
    steps = 50
    k = 0
    deadline = time.perf_counter() + seconds
    while True:
        start = time.perf_counter()
        for _ in range(steps):
            step(model, optimizer, *batch(k))
            k += 1
        elapsed = time.perf_counter() - start
        best = max(best, steps * BATCH / elapsed)
        if elapsed < 0.05:
            steps *= 2
        if time.perf_counter() >= deadline:
            return best


def eval_throughput(seconds, seed):
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = network().eval()
    x = torch.randn(EVAL_X, N_OBSERVABLES, generator=generator)
    thetas = torch.linspace(-1, 1, EVAL_THETA).unsqueeze(1)
    inputs = torch.empty(EVAL_X, N_OBSERVABLES + N_PARAMETERS)
    inputs[:, :N_OBSERVABLES] = x
    log_r = torch.empty(EVAL_THETA, EVAL_X)

    def run(j):
        inputs[:, N_OBSERVABLES:] = thetas[j]
        log_r[j] = model(inputs).squeeze(1)

    with torch.inference_mode():
        run(0)  # warm-up
        # The whole grid once, or (as sbi does for measuring times below 0.5 s) as many
        # theta points as fit into the measuring time.
        done = 0
        start = time.perf_counter()
        while done < EVAL_THETA:
            run(done)
            done += 1
            if time.perf_counter() - start > seconds and seconds < 0.5:
                break
        elapsed = time.perf_counter() - start
    assert torch.isfinite(log_r[0, 0])
    return done * EVAL_X / elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("suite", nargs="?", default="all", choices=["train", "eval", "all"])
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="intra-op threads (torch.set_num_threads); use the same as sbi --threads")
    parser.add_argument("--seconds", type=float, default=0.5, help="minimum measuring time per figure")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    print(f"torch_version {torch.__version__.split('+')[0]} version")
    print(f"torch_threads {torch.get_num_threads()} threads")
    if args.suite in ("train", "all"):
        rate = train_throughput(alices_step, args.seconds, args.seed)
        print(f"train_alices_adam_2x100_tanh_b128 {rate:.0f} samples/s", flush=True)
        rate = train_throughput(carl_step, args.seconds, args.seed)
        print(f"train_carl_adam_2x100_tanh_b128 {rate:.0f} samples/s", flush=True)
        rate = train_throughput(nde_step, args.seconds, args.seed, make_model=ConditionalMAF)
        print(f"train_nde_maf_5x2x100_b128 {rate:.0f} samples/s", flush=True)
        rate = train_throughput(scandal_step, args.seconds, args.seed, make_model=ConditionalMAF)
        print(f"train_scandal_maf_5x2x100_b128 {rate:.0f} samples/s", flush=True)
    if args.suite in ("eval", "all"):
        print(f"eval_logr_1e5x_100theta {eval_throughput(args.seconds, args.seed):.0f} samples/s", flush=True)


if __name__ == "__main__":
    main()
