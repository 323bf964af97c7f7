#!/usr/bin/env python3
"""Runs the speed workloads of `swift run -c release Examples bench` in PyTorch (CPU, float32,
the same shapes, warm-up and median of repeated runs) and prints both side by side.

    python3 bench/compare.py                  # builds our bench, then runs each workload: ours, then PyTorch's
    python3 bench/compare.py --rounds 3       # each workload three times in turn; medians of the rounds
    python3 bench/compare.py --json ours.json # reads figures written by `Examples bench --json PATH`
    python3 bench/compare.py --quick          # fewer repeats, shorter scalar chain

Each workload is timed in our bench and then at once in PyTorch, so both sides of a ratio see
the machine in the same state: on a shared machine whose speed drifts over minutes, timing all of
ours first and all of PyTorch's afterwards put the drift into the ratios.

Ratio = our time / PyTorch's time (below 1: we are faster); for GEMM it is our GFLOP/s over
PyTorch's (above 1: we are faster). The example models' rows (makemore, wavenet) also print
both parameter counts, and the script exits 1 when a twin's differs from ours. Not part of the
tests. Without torch installed it says how to install it and exits 0.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timed(body, repeats, warmup):
    for _ in range(warmup):
        body()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        body()
        samples.append((time.perf_counter() - start) * 1e6)
    samples.sort()
    return samples[len(samples) // 2], samples[0], samples[-1]


def torch_figures(torch, quick, repeats, chain, only=None, parameters=None):
    """PyTorch's figures by key; `parameters`, when given, receives the parameter count of each model twin."""
    torch.set_num_threads(2)
    torch.manual_seed(0)
    figures = {}

    def want(key):
        return only is None or only == key

    for n in ([256] if quick else [256, 512, 1024]) if want("gemm") else []:
        a, b = torch.randn(n, n), torch.randn(n, n)
        reps = max(3, repeats // 10) if n >= 1024 else max(3, repeats // 5)
        t = timed(lambda: torch.mm(a, b), reps, 1)
        figures[f"gemm{n}"] = (t, 2 * n ** 3 / (t[0] * 1e3))

    def mlp_step(sizes, batch):
        weights = [(torch.randn(n, m) * (2 / n) ** 0.5).requires_grad_() for n, m in zip(sizes, sizes[1:])]
        biases = [torch.zeros(m, requires_grad=True) for m in sizes[1:]]
        x = torch.randn(batch, sizes[0])
        labels = (torch.arange(batch) % sizes[-1]).view(batch, 1)
        params = weights + biases

        def step():
            h = x
            for i, (w, b) in enumerate(zip(weights, biases)):
                h = h.matmul(w) + b
                if i < len(weights) - 1:
                    h = h.relu()
            loss = -h.log_softmax(dim=1).gather(1, labels).mean()
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p -= p.grad * 0.01
                    p.grad = None
        return step

    if want("mlp"):
        figures["mlp1"] = (timed(mlp_step([784, 128, 10], 128), repeats, 3), None)
        figures["mlp2"] = (timed(mlp_step([784, 256, 128, 10], 32), repeats, 3), None)

    conv_w = (torch.randn(8, 1, 3, 3) * 0.3).requires_grad_()
    conv_b = torch.zeros(8, requires_grad=True)
    dense_w = (torch.randn(1568, 10) * 0.03).requires_grad_()
    dense_b = torch.zeros(10, requires_grad=True)
    images = torch.randn(32, 1, 28, 28)
    labels = (torch.arange(32) % 10).view(32, 1)
    F = torch.nn.functional

    def cnn_step():
        features = F.max_pool2d(F.conv2d(images, conv_w, conv_b, padding=1).relu(), 2)
        logits = features.flatten(1).matmul(dense_w) + dense_b
        loss = -logits.log_softmax(dim=1).gather(1, labels).mean()
        loss.backward()
        with torch.no_grad():
            for p in (conv_w, conv_b, dense_w, dense_b):
                p -= p.grad * 0.01
                p.grad = None

    if want("cnn"):
        figures["cnn"] = (timed(cnn_step, max(3, repeats // 5), 1), None)

    # One epoch as a user writes it: nn.Sequential, Adam, shuffled batches of 64, cross-entropy,
    # on generated data of MNIST's shape (the same workload as `Examples bench`'s "epoch").
    samples = 5_500 if quick else 55_000
    images = torch.rand(samples, 784)
    targets = torch.randint(0, 10, (samples,))
    model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def epoch():
        order = torch.randperm(samples)
        for start in range(0, samples, 64):
            index = order[start:start + 64]
            loss = F.cross_entropy(model(images[index]), targets[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    if want("epoch"):
        figures["epoch"] = (timed(epoch, 1 if quick else 3, 1), None)

    # The character-level language models of the examples: batch 32, context 16, vocabulary 27,
    # one step of forward, next-token cross-entropy, backward and Adam.
    batch, context, vocabulary = 32, 16, 27
    tokens = torch.randint(0, vocabulary, (batch, context + 1))
    inputs, targets = tokens[:, :context], tokens[:, 1:]

    class GPT(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.tokens = torch.nn.Embedding(vocabulary, 64)
            self.positions = torch.nn.Embedding(context, 64)
            self.blocks = torch.nn.ModuleList([
                torch.nn.TransformerEncoderLayer(64, 4, dim_feedforward=256, dropout=0.0, activation="gelu",
                                                 batch_first=True, norm_first=True) for _ in range(2)])
            self.norm = torch.nn.LayerNorm(64)
            self.head = torch.nn.Linear(64, vocabulary)
            self.register_buffer("mask", torch.nn.Transformer.generate_square_subsequent_mask(context))

        def forward(self, x):
            h = self.tokens(x) + self.positions(torch.arange(x.shape[1]))
            for block in self.blocks:
                h = block(h, src_mask=self.mask, is_causal=True)
            return self.head(self.norm(h))

    class CharLSTM(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.tokens = torch.nn.Embedding(vocabulary, 64)
            self.lstm = torch.nn.LSTM(64, 128, batch_first=True)
            self.head = torch.nn.Linear(128, vocabulary)

        def forward(self, x):
            return self.head(self.lstm(self.tokens(x))[0])

    class CharGRU(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.tokens = torch.nn.Embedding(vocabulary, 64)
            self.gru = torch.nn.GRU(64, 128, batch_first=True)
            self.head = torch.nn.Linear(128, vocabulary)

        def forward(self, x):
            return self.head(self.gru(self.tokens(x))[0])

    def language_model_step(model):
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

        def step():
            logits = model(inputs)
            loss = F.cross_entropy(logits.reshape(-1, vocabulary), targets.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return step

    if want("gpt"):
        figures["gpt"] = (timed(language_model_step(GPT()), repeats, 3), None)
    if want("lstm"):
        figures["lstm"] = (timed(language_model_step(CharLSTM()), repeats, 3), None)
    if want("gru"):
        figures["gru"] = (timed(language_model_step(CharGRU()), repeats, 3), None)

    # The next-character models of the makemore and wavenet examples at their default sizes, one
    # training step as MakemoreExample.train takes it: a batch of 32 contexts (fixed random
    # indices, vocabulary 27), forward in training mode (batch norm on the batch's statistics),
    # cross-entropy, zero_grad, backward, SGD with learning rate 0.1.
    class MakemoreMLP(torch.nn.Module):
        def __init__(self, block=3, dimension=10, hidden=200):
            super().__init__()
            self.embedding = torch.nn.Embedding(vocabulary, dimension)
            self.hidden = torch.nn.Linear(block * dimension, hidden, bias=False)   # batch norm follows
            self.norm = torch.nn.BatchNorm1d(hidden)
            self.output = torch.nn.Linear(hidden, vocabulary)
            with torch.no_grad():   # makemore's initial scales (they do not change the time)
                self.hidden.weight.normal_().mul_((5 / 3) / (block * dimension) ** 0.5)
                self.output.weight.normal_().mul_(0.01)
                self.output.bias.zero_()

        def forward(self, x):
            return self.output(self.norm(self.hidden(self.embedding(x).reshape(x.shape[0], -1))).tanh())

    class WaveNet(torch.nn.Module):
        def __init__(self, dimension=24, channels=128):
            super().__init__()
            self.embedding = torch.nn.Embedding(vocabulary, dimension)
            self.convs = torch.nn.ModuleList([
                torch.nn.Conv1d(dimension if d == 1 else channels, channels, 2, dilation=d, bias=False) for d in (1, 2, 4)])
            self.norms = torch.nn.ModuleList([torch.nn.BatchNorm1d(channels) for _ in range(3)])
            self.output = torch.nn.Linear(channels, vocabulary)
            with torch.no_grad():
                self.output.weight.mul_(0.1)
                self.output.bias.zero_()

        def forward(self, x):
            h = self.embedding(x).permute(0, 2, 1)              # [batch, dimension, 8]
            for conv, norm in zip(self.convs, self.norms):
                h = norm(conv(h)).tanh()                        # [batch, 128, 7], [.., 5], [.., 1]
            return self.output(h.reshape(x.shape[0], -1))

    def names_model_step(model, block):
        model.train()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        contexts = torch.randint(0, vocabulary, (32, block))
        following = torch.randint(0, vocabulary, (32,))

        def step():
            loss = F.cross_entropy(model(contexts), following)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return step

    for key, model, block in (("makemore", MakemoreMLP, 3), ("wavenet", WaveNet, 8)):
        if want(key):
            model = model()
            if parameters is not None:
                parameters[key] = sum(p.numel() for p in model.parameters())
            figures[key] = (timed(names_model_step(model, block), repeats, 3), None)

    # Per-sample gradients (branch persample): MLP 784-256-10, ReLU, cross-entropy, batch 64 —
    # torch.func.vmap(grad(...)), PyTorch's own loop of single-example backward passes, and the
    # ordinary batch gradient.
    if want("persample"):
        from torch.func import functional_call, grad, vmap
        net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
        params = {k: v.detach() for k, v in net.named_parameters()}
        xs, ys = torch.randn(64, 784), torch.arange(64) % 10

        def one_loss(p, x, y):
            return F.cross_entropy(functional_call(net, p, (x.unsqueeze(0),)), y.unsqueeze(0))

        per_sample = vmap(grad(one_loss), in_dims=(None, 0, 0))
        figures["persample"] = (timed(lambda: per_sample(params, xs, ys), repeats, 3), None)

        def loop():
            out = {k: [] for k in params}
            for b in range(64):
                net.zero_grad()
                F.cross_entropy(net(xs[b:b + 1]), ys[b:b + 1]).backward()
                for k, v in net.named_parameters():
                    out[k].append(v.grad.clone())
            return {k: torch.stack(v) for k, v in out.items()}

        figures["persample-loop"] = (timed(loop, max(3, repeats // 5), 1), None)

        def batch_gradient():
            return torch.autograd.grad(F.cross_entropy(net(xs), ys, reduction="sum"), list(net.parameters()))

        figures["persample-batch"] = (timed(batch_gradient, repeats, 3), None)

        # Sequence models, batch 32 of 8 steps: nn.LSTM(16, 32) + Linear(32, 10) with cross-entropy
        # at every step, and nn.TransformerEncoderLayer(32, 4, 128, ReLU, norm_first) with squared
        # error. vmap(grad) runs them, but PyTorch has no batching rule for the LSTM's and the
        # attention's kernels (aten::mkldnn_rnn_layer, _scaled_dot_product_flash_attention_for_cpu
        # and its backward): it warns and loops over the examples inside vmap (BatchedFallback).
        import warnings

        class LSTMHead(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = torch.nn.LSTM(16, 32, batch_first=True)
                self.head = torch.nn.Linear(32, 10)

            def forward(self, x):
                return self.head(self.lstm(x)[0])

        block = torch.nn.TransformerEncoderLayer(32, 4, dim_feedforward=128, dropout=0.0, batch_first=True, norm_first=True)
        sequences, classes = torch.randn(32, 8, 16), torch.arange(32 * 8).reshape(32, 8) % 10
        tokens, targets = torch.randn(32, 8, 32), torch.randn(32, 8, 32)
        twins = (("persample-lstm", LSTMHead(), sequences, classes,
                  lambda out, y: F.cross_entropy(out.reshape(-1, 10), y.reshape(-1), reduction="sum")),
                 ("persample-attention", block, tokens, targets, lambda out, y: 0.5 * ((out - y) ** 2).sum()))
        for key, model, inputs, labels, criterion in twins:
            weights = {k: v.detach() for k, v in model.named_parameters()}

            def one_sequence(p, x, y, model=model, criterion=criterion):
                return criterion(functional_call(model, p, (x.unsqueeze(0),)), y.unsqueeze(0))

            vectorized = vmap(grad(one_sequence), in_dims=(None, 0, 0))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                figures[key] = (timed(lambda: vectorized(weights, inputs, labels), repeats, 3), None)

            def sequence_loop(model=model, inputs=inputs, labels=labels, criterion=criterion):
                out = {k: [] for k, _ in model.named_parameters()}
                for b in range(inputs.shape[0]):
                    model.zero_grad()
                    criterion(model(inputs[b:b + 1]), labels[b:b + 1]).backward()
                    for k, v in model.named_parameters():
                        out[k].append(v.grad.clone())
                return {k: torch.stack(v) for k, v in out.items()}

            figures[key + "-loop"] = (timed(sequence_loop, max(3, repeats // 5), 1), None)

            def sequence_batch(model=model, inputs=inputs, labels=labels, criterion=criterion):
                return torch.autograd.grad(criterion(model(inputs), labels), list(model.parameters()))

            figures[key + "-batch"] = (timed(sequence_batch, repeats, 3), None)

    def chain_run():
        x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
        b, a = torch.tensor(1.0000001, dtype=torch.float64), torch.tensor(0.0, dtype=torch.float64)
        y = x
        for _ in range(chain // 2):
            y = y * b + a
        y.backward()

    if want("chain"):
        t = timed(chain_run, 1 if quick else 3, 0)
        figures["chain"] = (tuple(v / chain for v in t), None)
    return figures


# The bench's workload groups (its `--only` values), in the order it runs them.
WORKLOADS = ["gemm", "mlp", "cnn", "epoch", "gpt", "lstm", "gru", "makemore", "wavenet", "persample", "memory", "chain"]


def build_ours():
    """Builds the bench once (release) and returns the path of its executable."""
    subprocess.run(["swift", "build", "-c", "release", "--product", "Examples"], cwd=ROOT, check=True)
    bin_path = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()
    return os.path.join(bin_path, "Examples")


def our_figures(args, binary, only):
    """Our figures of one workload group, by key (the bench's own printout goes to stderr)."""
    handle, path = tempfile.mkstemp(suffix=".json")
    os.close(handle)
    command = [binary, "bench", "--json", path, "--only", only]
    if args.quick:
        command.append("--quick")
    if args.repeats:
        command += ["--repeats", str(args.repeats)]
    try:
        subprocess.run(command, cwd=ROOT, check=True, stdout=sys.stderr)
        with open(path) as f:
            return {f.get("key") or f["workload"]: f for f in json.load(f)}
    finally:
        os.remove(path)


def combined(rounds_ours, rounds_theirs):
    """The figures of several rounds as one: per key, the median of the rounds' medians (and of
    the GFLOP/s), with each round's ratio kept for printing."""
    ours, theirs, per_round = {}, {}, {}
    for key in set().union(*rounds_ours):
        mine = [r[key] for r in rounds_ours if key in r]
        entry = dict(mine[0])
        entry["medianMicroseconds"] = statistics.median(m["medianMicroseconds"] for m in mine)
        if all(m.get("gflops") for m in mine):
            entry["gflops"] = statistics.median(m["gflops"] for m in mine)
        ours[key] = entry
    for key in set().union(*rounds_theirs):
        seen = [r[key] for r in rounds_theirs if key in r]
        t = tuple(statistics.median(s[0][i] for s in seen) for i in range(3))
        gflops = None if seen[0][1] is None else statistics.median(s[1] for s in seen)
        theirs[key] = (t, gflops)
    for o, t in zip(rounds_ours, rounds_theirs):
        for key in o.keys() & t.keys():
            per_round.setdefault(key, []).append(ratio_of(o[key], t[key]))
    return ours, theirs, per_round


def ratio_of(mine, their):
    """Ours / PyTorch's time, or ours / PyTorch's GFLOP/s for products."""
    (t, gflops) = their
    if gflops is not None and mine.get("gflops"):
        return mine["gflops"] / gflops
    return mine["medianMicroseconds"] / t[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", help="our figures, from `Examples bench --json PATH` (else the bench is run)")
    parser.add_argument("--quick", action="store_true", help="fewer repeats and a 100,000-op chain")
    parser.add_argument("--repeats", type=int, default=0, help="repeats per workload (default 50, 5 with --quick)")
    parser.add_argument("--only", help="one workload: gemm, mlp, cnn, epoch, gpt, lstm, gru, makemore, wavenet, persample, memory or chain")
    parser.add_argument("--rounds", type=int, default=1,
                        help="times each workload in turn this many times (ours, then PyTorch's) and prints the medians")
    parser.add_argument("--chain", type=int, default=0,
                        help="PyTorch's scalar chain length (default: 100,000; its time per op does not depend on it)")
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed, so there is nothing to compare with. Install it with\n"
              "    pip install torch\n"
              "(the CPU build is enough: pip install torch --index-url https://download.pytorch.org/whl/cpu)\n"
              "and run this script again. Our own figures: swift run -c release Examples bench")
        return 0
    repeats = args.repeats or (5 if args.quick else 50)
    chain = args.chain or 100_000
    twin_parameters = {}
    per_round = {}
    if args.json:
        with open(args.json) as f:
            ours = {f.get("key") or f["workload"]: f for f in json.load(f)}
        theirs = torch_figures(torch, args.quick, repeats, chain, args.only, twin_parameters)
    else:
        if args.only and args.only not in WORKLOADS:
            print(f"error: --only {args.only}: not a workload ({', '.join(WORKLOADS)})", file=sys.stderr)
            return 2
        binary = build_ours()
        rounds_ours, rounds_theirs = [], []
        for _ in range(max(1, args.rounds)):
            mine, their = {}, {}
            for group in [args.only] if args.only else WORKLOADS:
                print(f"timing {group}: ours, then PyTorch's", file=sys.stderr)
                mine.update(our_figures(args, binary, group))
                their.update(torch_figures(torch, args.quick, repeats, chain, group, twin_parameters))
            rounds_ours.append(mine)
            rounds_theirs.append(their)
        ours, theirs, per_round = combined(rounds_ours, rounds_theirs)
        if args.rounds > 1:
            print(f"{args.rounds} rounds, each workload timed in turn (ours, then PyTorch's); figures are the medians "
                  "of the rounds, ratios of those medians, each round's ratio in brackets")
    print(f"PyTorch {torch.__version__} on {torch.get_num_threads()} threads, float32 (the chain in float64 as ours), "
          f"medians of {repeats} runs after warm-up; chain of {chain} ops")
    names = {"gemm256": "GEMM 256³", "gemm512": "GEMM 512³", "gemm1024": "GEMM 1024³",
             "mlp1": "MLP 784-128-10, batch 128, step", "mlp2": "MLP 784-256-128-10, batch 32, step",
             "cnn": "CNN conv→relu→maxpool→dense, batch 32, step",
             "epoch": "epoch: MLP 784-128-10, Adam, batch 64",
             "gpt": "GPT 2×4 heads, 64 wide, context 16, b32, step", "lstm": "LSTM 64→128, 16 steps, b32, step",
             "gru": "GRU 64→128, 16 steps, b32, step",
             "makemore": "makemore MLP 30→200, BatchNorm, b32, SGD step",
             "wavenet": "WaveNet 24→3 convs of 128, BatchNorm, b32, SGD",
             "chain": "scalar chain, per op (fwd+bwd)",
             "persample": "per-sample grads 784-256-10, b64 (vmap)",
             "persample-loop": "per-sample grads, loop of 64 passes",
             "persample-batch": "batch gradient, same MLP (for scale)",
             "persample-lstm": "per-sample, LSTM 16→32, 8 steps, b32 (vmap*)",
             "persample-lstm-loop": "per-sample, LSTM, loop of 32 passes",
             "persample-lstm-batch": "LSTM batch gradient (for scale)",
             "persample-attention": "per-sample, encoder block 32w, b32 (vmap*)",
             "persample-attention-loop": "per-sample, encoder block, loop of 32",
             "persample-attention-batch": "encoder block batch gradient (for scale)"}
    print(f"{'workload':46} {'ours':>14} {'PyTorch':>14} {'ratio':>8}")
    for key, label in names.items():
        if key not in theirs or key not in ours:
            continue
        (t, gflops) = theirs[key]
        mine = ours[key]
        ratio = ratio_of(mine, theirs[key])
        rounds = per_round.get(key, [])
        each = "  [" + ", ".join(f"{r:.2f}" for r in rounds) + "]" if len(rounds) > 1 else ""
        if gflops is not None and mine.get("gflops"):
            print(f"{label:46} {mine['gflops']:9.1f} GF/s {gflops:9.1f} GF/s {ratio:7.2f}×  (higher is better){each}")
        else:
            print(f"{label:46} {mine['medianMicroseconds']:11.2f} µs {t[0]:11.2f} µs {ratio:7.2f}×  (time; lower is better){each}")
    if any(key in ours and key in theirs for key in ("persample-lstm", "persample-attention")):
        print("* PyTorch's vmap has no batching rule for nn.LSTM's and attention's CPU kernels: it loops inside vmap")
    if "chainSwiftAD" in ours and "chain" in ours:
        swift_ad = ours["chainSwiftAD"]["medianMicroseconds"]
        print(f"{'same chain by Swift compile-time AD (ref.)':46} {swift_ad:11.2f} µs "
              f"{'':>14} {ours['chain']['medianMicroseconds'] / swift_ad:7.2f}×  (ours / Swift's AD)")
    if "memory" in ours:
        print(f"{'memory: ' + ours['memory']['note']}")
    # The model twins must be the same size as ours, or the ratio compares different work.
    mismatched = []
    for key, count in twin_parameters.items():
        mine = ours.get(key, {}).get("parameters")
        if mine is None:
            continue
        print(f"{key}: {mine} parameters in ours, {count} in PyTorch's twin")
        if mine != count:
            mismatched.append(key)
    if mismatched:
        print("error: the PyTorch twin of " + ", ".join(mismatched) + " does not have our parameter count", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
