#!/usr/bin/env python3
"""Checks that this package's .safetensors and .npy files interoperate with Python.

Not part of the Swift tests; it runs nothing of ours. Three commands:

    python3 scripts/check_safetensors_interop.py write DIR
        Writes reference files with numpy / safetensors (and torch when installed) into DIR:
        python.safetensors, python_half.safetensors, python_names.safetensors (two names equal
        only up to Unicode normalization, and int64 values beyond float64's integers),
        python_{weight,bias,labels}.npy (and torch.safetensors), and mutated/: 2000 damaged or edited safetensors files with
        Python's verdict on each (mutated/verdicts.txt: "ok" or "error: ..."), for the Swift
        reader to agree with.

    IO_INTEROP_DIR=DIR swift test --filter IOTests.InteropTests
        The Swift side: reads the reference files, checks the values, compares its verdict on
        every mutated file with Python's, and writes swift_f32.safetensors,
        swift_f64.safetensors, swift_integers.safetensors, swift_{weight,bias,labels}.npy into DIR.

    python3 scripts/check_safetensors_interop.py check DIR
        Reads the swift_* files with numpy / safetensors (and torch) and checks the values,
        dtypes and metadata; with torch, loads our Dense, BatchNorm1D and TransformerBlock files
        into nn.Linear, nn.BatchNorm1d and nn.TransformerEncoderLayer with
        load_state_dict(strict=True) and compares their outputs with ours. Exit status 1 on any
        difference.

    python3 scripts/check_safetensors_interop.py read FILE...
        Loads any .safetensors / .npy files and prints each tensor's name, dtype, shape and range.

Known values on both sides:
    weight = arange(12).reshape(3, 4) / 4   float32
    bias   = [-1, 0, 1.5]                   float64
    labels = [0, 1, 2, 9, 3]                int64

Without numpy and safetensors it prints how to install them and exits 0.
"""

import os
import sys


def require_packages():
    try:
        import numpy  # noqa: F401
        import safetensors  # noqa: F401
    except ImportError as error:
        print(f"skipped: {error.name} is not installed.")
        print("install with:  python3 -m pip install numpy safetensors   (optionally: torch)")
        sys.exit(0)


def known_values():
    import numpy as np
    return {
        "weight": (np.arange(12, dtype=np.float32).reshape(3, 4) / 4).astype(np.float32),
        "bias": np.array([-1, 0, 1.5], dtype=np.float64),
        "labels": np.array([0, 1, 2, 9, 3], dtype=np.int64),
    }


# Integers no float holds exactly, written and read as int64 (I64) on both sides.
BIG_INTEGERS = [2**53 + 1, -(2**62) - 3, 16_777_217]


def try_torch():
    try:
        import torch
        return torch
    except ImportError:
        return None


def write(folder):
    import numpy as np
    from safetensors.numpy import save_file
    os.makedirs(folder, exist_ok=True)
    values = known_values()
    save_file(values, os.path.join(folder, "python.safetensors"), metadata={"written_by": "python"})
    save_file({"weight_f16": values["weight"].astype(np.float16)}, os.path.join(folder, "python_half.safetensors"))
    # Python compares dict keys by code points: "é" (U+00E9) and "e" + U+0301 are two tensors.
    save_file({"\u00e9": np.array([1], dtype=np.float32), "e\u0301": np.array([2], dtype=np.float32),
               "big": np.array(BIG_INTEGERS, dtype=np.int64)}, os.path.join(folder, "python_names.safetensors"))
    for name, array in values.items():
        np.save(os.path.join(folder, f"python_{name}.npy"), array)
    written = ["python.safetensors", "python_half.safetensors", "python_names.safetensors"] + [f"python_{n}.npy" for n in values]
    torch = try_torch()
    if torch is not None:
        from safetensors.torch import save_file as torch_save
        tensors = {name: torch.from_numpy(array) for name, array in values.items()}
        tensors["weight_bf16"] = tensors["weight"].to(torch.bfloat16)
        torch_save(tensors, os.path.join(folder, "torch.safetensors"), metadata={"format": "pt"})
        written.append("torch.safetensors")
    count = write_mutations(os.path.join(folder, "mutated"))
    written.append(f"mutated/ ({count} files)")
    print(f"wrote {', '.join(written)} to {folder}")


def write_mutations(folder, count=2000, seed=7):
    """Damaged and edited copies of valid files, each with Python's verdict."""
    import json
    import random
    import struct
    import numpy as np
    from safetensors.numpy import load, save
    os.makedirs(folder, exist_ok=True)
    rng = random.Random(seed)
    seeds = [
        save({"weight": np.arange(6, dtype=np.float32).reshape(2, 3), "bias": np.array([1, -2], dtype=np.float32)},
             metadata={"format": "pt"}),
        save({"a": np.array([1, 2, 3], dtype=np.int64), "b": np.zeros((0, 2)), "c": np.array(4.0)}),
        save({"h": np.array([1, -2, 0.25], dtype=np.float16), "u": np.array([1, 2], dtype=np.uint8),
              "t": np.array([True, False])}),
    ]

    def edit_header(data):
        length = struct.unpack("<Q", data[:8])[0]
        header = json.loads(data[8:8 + length])
        name = rng.choice(list(header))
        if name == "__metadata__":
            header[name] = rng.choice([None, {"a": 1}, {"a": "b"}, [], "x"])
        else:
            field = rng.choice(["shape", "data_offsets", "dtype", "extra", "drop"])
            if field == "shape":
                header[name]["shape"] = [rng.randint(0, 4) for _ in range(rng.randint(0, 3))]
            elif field == "data_offsets":
                header[name]["data_offsets"] = [rng.randint(0, 40), rng.randint(0, 40)]
            elif field == "dtype":
                header[name]["dtype"] = rng.choice(["F32", "F64", "I8", "U8", "BOOL", "F16", "I64", "I32", "X"])
            elif field == "extra":
                header[name]["extra"] = 1
            else:
                header[name].pop(rng.choice(["shape", "data_offsets", "dtype"]))
        text = json.dumps(header, separators=(",", ":")).encode()
        if rng.random() < 0.5:
            text += b" " * ((8 - len(text) % 8) % 8)
        return struct.pack("<Q", len(text)) + text + data[8 + length:]

    def damage(data):
        data = bytearray(data)
        for _ in range(rng.randint(1, 3)):
            op = rng.randrange(6)
            if op == 0 and data:
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
            elif op == 1:
                data = data[:rng.randrange(len(data) + 1)]
            elif op == 2:
                at = rng.randrange(len(data) + 1)
                data[at:at] = bytes(rng.choice(b'{}[]",:0123456789 FIUB') for _ in range(rng.randint(1, 5)))
            elif op == 3 and data:
                at = rng.randrange(len(data))
                del data[at:at + rng.randint(1, 8)]
            elif op == 4:
                data += bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
            elif len(data) >= 8:
                data[0:8] = struct.pack("<Q", rng.choice([0, 2, len(data), len(data) - 8, 1 << 40, 100_000_001]))
        return bytes(data)

    verdicts = []
    for i in range(count):
        data = rng.choice(seeds)
        data = edit_header(data) if rng.random() < 0.6 else damage(data)
        try:
            load(data)
            verdicts.append("ok")
        except Exception as error:  # noqa: BLE001 - the verdict is the point
            verdicts.append("error: " + " ".join(str(error).split())[:200])
        with open(os.path.join(folder, f"case_{i}.safetensors"), "wb") as f:
            f.write(data)
    with open(os.path.join(folder, "verdicts.txt"), "w") as f:
        f.write("\n".join(verdicts) + "\n")
    return count


class Checker:
    def __init__(self):
        self.failures = 0
        self.checks = 0

    def expect(self, condition, message):
        self.checks += 1
        if condition:
            print(f"  ok    {message}")
        else:
            self.failures += 1
            print(f"  FAIL  {message}")


def check(folder):
    import numpy as np
    from safetensors import safe_open
    from safetensors.numpy import load_file
    values = known_values()
    c = Checker()

    path = os.path.join(folder, "swift_f32.safetensors")
    print(path)
    loaded = load_file(path)
    c.expect(sorted(loaded) == ["labels", "weight"], f"tensor names {sorted(loaded)}")
    c.expect(loaded["weight"].dtype == np.float32 and loaded["weight"].shape == (3, 4), f"weight float32 (3, 4): {loaded['weight'].dtype} {loaded['weight'].shape}")
    c.expect(np.array_equal(loaded["weight"], values["weight"]), "weight values")
    c.expect(np.array_equal(loaded["labels"], values["labels"].astype(np.float32)), "labels values (stored as float32)")
    with safe_open(path, framework="np") as f:
        c.expect(f.metadata() == {"written_by": "swift"}, f"metadata {f.metadata()}")
    with open(path, "rb") as raw:
        length = int.from_bytes(raw.read(8), "little")
        c.expect(length % 8 == 0, f"header length {length} is a multiple of 8")

    path = os.path.join(folder, "swift_f64.safetensors")
    print(path)
    loaded = load_file(path)
    c.expect(loaded["bias"].dtype == np.float64, f"bias float64: {loaded['bias'].dtype}")
    c.expect(np.array_equal(loaded["bias"], values["bias"]), "bias values")

    path = os.path.join(folder, "swift_integers.safetensors")
    print(path)
    loaded = load_file(path)
    c.expect(loaded["ids"].dtype == np.int64 and loaded["ids"].tolist() == BIG_INTEGERS, f"ids int64 {loaded['ids'].tolist()}")
    c.expect(loaded["step"].dtype == np.int64 and loaded["step"].shape == () and int(loaded["step"]) == 2**53 + 1,
             f"step int64 () {loaded['step']}")

    torch = try_torch()
    if torch is not None:
        from safetensors.torch import load_file as torch_load
        t = torch_load(os.path.join(folder, "swift_f32.safetensors"))
        c.expect(torch.equal(t["weight"], torch.from_numpy(values["weight"])), "torch.load_file weight")
        check_layers(folder, torch, c)
    else:
        print("torch is not installed: the layer files (swift_linear, swift_batchnorm1d, swift_transformer) are not checked")

    for name, dtype in [("weight", np.float32), ("bias", np.float64), ("labels", np.int64)]:
        path = os.path.join(folder, f"swift_{name}.npy")
        print(path)
        array = np.load(path, allow_pickle=False)
        c.expect(array.dtype == dtype, f"dtype {array.dtype} (expected {np.dtype(dtype)})")
        c.expect(array.flags["C_CONTIGUOUS"], "C order")
        c.expect(np.array_equal(array, values[name]), f"values of {name}")
        with open(path, "rb") as raw:
            head = raw.read(10)
            header_length = int.from_bytes(head[8:10], "little")
            c.expect((10 + header_length) % 64 == 0, f"data aligned to 64 bytes (offset {10 + header_length})")

    print(f"{c.checks - c.failures}/{c.checks} checks passed")
    return 0 if c.failures == 0 else 1


def check_layers(folder, torch, c):
    """Our layer files load into PyTorch's modules with load_state_dict(strict=True), as PyTorch
    writes them (names, [out, in] layouts, an int64 num_batches_tracked), and compute our outputs."""
    from safetensors.torch import load_file as torch_load
    nn = torch.nn
    cases = [
        ("linear", lambda: nn.Linear(5, 3), lambda m, x: m(x)),
        ("batchnorm1d", lambda: nn.BatchNorm1d(4), lambda m, x: m(x)),
        ("transformer",
         lambda: nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, activation="gelu",
                                            batch_first=True, norm_first=True),
         lambda m, x: m(x, src_mask=torch.triu(torch.ones(5, 5, dtype=torch.bool), diagonal=1))),
    ]
    for name, make, run in cases:
        path = os.path.join(folder, f"swift_{name}.safetensors")
        print(path)
        state = torch_load(path)
        module = make().double().eval()
        try:
            module.load_state_dict(state, strict=True)
            loaded = True
        except Exception as error:  # noqa: BLE001 - the message is the report
            loaded = False
            print(f"  {error}")
        c.expect(loaded, f"{name}: load_state_dict(strict=True) takes our file")
        if name == "batchnorm1d":
            c.expect(state["num_batches_tracked"].dtype == torch.int64 and int(state["num_batches_tracked"]) == 2,
                     f"num_batches_tracked int64 2: {state['num_batches_tracked'].dtype} {state['num_batches_tracked']}")
        if not loaded:
            continue
        io = torch_load(os.path.join(folder, f"swift_{name}.io.safetensors"))
        with torch.no_grad():
            out = run(module, io["input"])
        difference = (out - io["output"]).abs().max().item()
        c.expect(difference < 1e-12, f"{name}: PyTorch's output equals ours (largest difference {difference:.2e})")


def read(paths):
    import numpy as np
    from safetensors import safe_open
    status = 0
    for path in paths:
        print(path)
        try:
            if path.endswith(".npy"):
                arrays = {"(array)": np.load(path, allow_pickle=False)}
                metadata = None
            else:
                with safe_open(path, framework="np") as f:
                    arrays = {k: f.get_tensor(k) for k in f.keys()}
                    metadata = f.metadata()
        except Exception as error:  # noqa: BLE001 - report and go on
            print(f"  cannot read: {error}")
            status = 1
            continue
        if metadata:
            print(f"  metadata {metadata}")
        for name, array in arrays.items():
            summary = f"[{array.min()}, {array.max()}]" if array.size else "(empty)"
            print(f"  {name}: {array.dtype} {tuple(array.shape)} {summary}")
    return status


def main(argv):
    if len(argv) < 3 or argv[1] not in ("write", "check", "read"):
        print(__doc__)
        return 2
    require_packages()
    if argv[1] == "write":
        write(argv[2])
        return 0
    if argv[1] == "check":
        return check(argv[2])
    return read(argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
