#!/usr/bin/env python3
"""The `makemore` example's MLP language model in PyTorch, on the same split, from the same
initial weights, with the same batches: a cross-check of `swift run -c release Examples makemore`.

Usage: python3 scripts/makemore_torch.py [--steps N] [--seed S] [--threads T]
(the defaults are the Swift example's: 30,000 steps, seed 42)

It reproduces the Swift side's random numbers exactly (SeededGenerator: xoshiro256** seeded
through SplitMix64; normals by Box–Muller; the split by `shuffledIndices`; batch indices by a
multiply-high), so both runs start from bit-identical weights and see the same batches; they
differ only by floating-point rounding, which training then amplifies a little. It prints the
same lines as the Swift example (losses, dev loss). PyTorch is needed only for this script;
the Swift package never uses it.
"""
import argparse
import math
import os
import time

MASK = (1 << 64) - 1


class SeededGenerator:
    """The Swift library's SeededGenerator, bit for bit."""

    def __init__(self, seed):
        s = seed & MASK
        state = []
        for _ in range(4):
            s = (s + 0x9E3779B97F4A7C15) & MASK
            z = s
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            state.append(z ^ (z >> 31))
        self.s = state

    @staticmethod
    def _rotate(x, k):
        return ((x << k) | (x >> (64 - k))) & MASK

    def next(self):
        s = self.s
        result = (self._rotate((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = self._rotate(s[3], 45)
        return result

    def unit(self):
        return (self.next() >> 11) * 2.0 ** -53

    def normal(self):
        u1 = self.unit()
        while u1 == 0:
            u1 = self.unit()
        u2 = self.unit()
        return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)

    def below(self, n):
        """An integer in 0..<n: the high word of next() × n."""
        return (self.next() * n) >> 64


def shuffled_indices(n, seed):
    g = SeededGenerator(seed)
    order = list(range(n))
    i = n - 1
    while i > 0:
        j = (g.next() * (i + 1)) >> 64
        order[i], order[j] = order[j], order[i]
        i -= 1
    return order


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=30000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--names", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "names.txt"))
    args = parser.parse_args()
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        raise SystemExit("PyTorch is not installed (pip install torch); the Swift example runs without it")
    torch.set_num_threads(args.threads)

    block, embedding, hidden = 3, 10, 200
    words = [w for w in open(args.names).read().split("\n") if w]
    chars = sorted(set("".join(words)))
    stoi = {c: i + 1 for i, c in enumerate(chars)}
    stoi["."] = 0
    vocabulary = len(stoi)

    def examples(ws):
        xs, ys = [], []
        for w in ws:
            context = [0] * block
            for c in w + ".":
                xs.append(context)
                ys.append(stoi[c])
                context = context[1:] + [stoi[c]]
        return torch.tensor(xs), torch.tensor(ys)

    order = shuffled_indices(len(words), args.seed)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
    train_words = [words[i] for i in order[:n1]]
    dev_words = [words[i] for i in order[n1:n2]]
    test_words = [words[i] for i in order[n2:]]
    Xtr, Ytr = examples(train_words)
    Xdev, Ydev = examples(dev_words)
    Xte, Yte = examples(test_words)

    g = SeededGenerator(args.seed)

    def randn(*shape):
        count = math.prod(shape)
        return torch.tensor([g.normal() for _ in range(count)], dtype=torch.float64).to(torch.float32).reshape(shape)

    # Same order of draws as the Swift example: C, W1, W2, b2.
    C = randn(vocabulary, embedding)
    W1 = randn(block * embedding, hidden) * torch.tensor((5 / 3) / math.sqrt(block * embedding), dtype=torch.float32)
    W2 = randn(hidden, vocabulary) * torch.tensor(0.01, dtype=torch.float32)
    b2 = randn(vocabulary) * torch.tensor(0.0, dtype=torch.float32)
    norm = torch.nn.BatchNorm1d(hidden)      # gain 1, bias 0, eps 1e-5, momentum 0.1
    parameters = [C, W1, W2, b2, norm.weight, norm.bias]
    for p in parameters:
        p.requires_grad_(True)
    print("%d names, %d characters; split 80/10/10 with seed %d: %d / %d / %d names, %d / %d / %d examples"
          % (len(words), vocabulary, args.seed, len(train_words), len(dev_words), len(test_words),
             len(Xtr), len(Xdev), len(Xte)))
    print("%d parameters; SGD, batch %d, %d steps, learning rate 0.1 then 0.01 from step %d"
          % (sum(p.numel() for p in parameters), args.batch_size, args.steps, args.steps // 2))

    def forward(X):
        emb = C[X].view(X.shape[0], -1)
        h = torch.tanh(norm(emb @ W1))
        return h @ W2 + b2

    batches = SeededGenerator(args.seed + 1)
    start = time.time()
    report = max(args.steps // 10, 1)
    for step in range(args.steps):
        ix = torch.tensor([batches.below(len(Xtr)) for _ in range(args.batch_size)])
        loss = F.cross_entropy(forward(Xtr[ix]), Ytr[ix])
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.1 if step < args.steps // 2 else 0.01
        with torch.no_grad():
            for p in parameters:
                p -= lr * p.grad
        if step % report == 0 or step == args.steps - 1:
            print("step %6d/%d: loss %.4f" % (step, args.steps, loss.item()))
    seconds = time.time() - start
    norm.eval()
    with torch.no_grad():
        losses = {name: F.cross_entropy(forward(X), Y).item()
                  for name, (X, Y) in {"train": (Xtr, Ytr), "dev": (Xdev, Ydev), "test": (Xte, Yte)}.items()}
    print("PyTorch %s: train loss %.6f, dev loss %.6f (test %.6f; BatchNorm's running statistics), trained in %.1f s"
          % (torch.__version__, losses["train"], losses["dev"], losses["test"], seconds))


if __name__ == "__main__":
    main()
