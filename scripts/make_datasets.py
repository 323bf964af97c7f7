#!/usr/bin/env python3
"""Writes the bundled datasets (data/README.md gives their sources and licences).

- data/digits.csv and data/diabetes.csv from the copies scikit-learn ships;
- data/names.txt from the US Census 1990 first-name lists inside the PyPI package `names` 0.3.0.

Usage:
  pip install scikit-learn && python3 scripts/make_datasets.py          # all three
  python3 scripts/make_datasets.py --sklearn-data PATH/TO/sklearn/datasets/data   # e.g. an unpacked wheel
  python3 scripts/make_datasets.py --only names [--names-package names-0.3.0.tar.gz]

Without --names-package the script runs `pip download names==0.3.0 --no-deps` into a temporary
folder. Only the Python standard library is needed when both sources are given.
"""
import argparse
import csv
import gzip
import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")

# The sdist of names 0.3.0 on PyPI, as downloaded when data/names.txt was made.
NAMES_SDIST = "names-0.3.0.tar.gz"
NAMES_SDIST_SHA256 = "726e46254f2ed03f1ffb5d941dae3bc67c35123941c29becd02d48d0caa2a671"
NAMES_FILES = ["names-0.3.0/names/dist.male.first", "names-0.3.0/names/dist.female.first"]


def sklearn_data_folder(folder):
    if folder:
        return folder
    try:
        import sklearn.datasets
    except ImportError:
        sys.exit("scikit-learn is not installed: pip install scikit-learn, or pass its datasets/data folder")
    return os.path.join(os.path.dirname(sklearn.datasets.__file__), "data")


def make_sklearn_datasets(source):
    out = OUT
    # Digits: 1797 rows of 64 pixel counts (0..16) then the label.
    with gzip.open(os.path.join(source, "digits.csv.gz"), "rt") as f:
        rows = [line.strip().split(",") for line in f if line.strip()]
    with open(os.path.join(out, "digits.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow([f"pixel{i}" for i in range(64)] + ["label"])
        for r in rows:
            w.writerow([str(int(float(v))) for v in r])
    # Diabetes: 442 rows of 10 raw (unscaled) features, then the disease-progression target.
    with gzip.open(os.path.join(source, "diabetes_data_raw.csv.gz"), "rt") as f:
        features = [line.split() for line in f if line.strip()]
    with gzip.open(os.path.join(source, "diabetes_target.csv.gz"), "rt") as f:
        targets = [float(line) for line in f if line.strip()]
    assert len(features) == len(targets) == 442
    with open(os.path.join(out, "diabetes.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6", "progression"])
        for r, t in zip(features, targets):
            w.writerow(r + [("%g" % t)])
    print("wrote data/digits.csv (%d rows) and data/diabetes.csv (%d rows)" % (len(rows), len(targets)))


def names_sdist(path):
    """The names 0.3.0 sdist: `path`, or a fresh `pip download` into a temporary folder."""
    if path:
        return path
    folder = tempfile.mkdtemp(prefix="names-sdist-")
    subprocess.run([sys.executable, "-m", "pip", "download", "names==0.3.0", "--no-deps", "--no-binary", ":all:",
                    "-d", folder], check=True)
    return os.path.join(folder, NAMES_SDIST)


def make_names(path):
    """data/names.txt: the male and female first names of the 1990 Census, lower-cased,
    deduplicated, one per line, in order of first appearance (male list, then female list; each
    list is ordered by frequency)."""
    sdist = names_sdist(path)
    with open(sdist, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    if digest != NAMES_SDIST_SHA256:
        sys.exit("%s: sha256 %s, expected %s (names 0.3.0 from PyPI)" % (sdist, digest, NAMES_SDIST_SHA256))
    names, seen = [], set()
    with tarfile.open(sdist, "r:gz") as archive:
        for member in NAMES_FILES:
            text = archive.extractfile(member).read().decode("ascii")
            for number, line in enumerate(text.splitlines(), 1):
                if not line.strip():
                    continue
                # Each line: NAME, frequency %, cumulative %, rank.
                name = line.split()[0].lower()
                if not name.isalpha() or not name.isascii():
                    sys.exit("%s line %d: unexpected name %r" % (member, number, name))
                if name not in seen:
                    seen.add(name)
                    names.append(name)
    with open(os.path.join(OUT, "names.txt"), "w", newline="\n") as f:
        f.write("\n".join(names) + "\n")
    print("wrote data/names.txt (%d names, %d characters, longest %d)"
          % (len(names), len(set("".join(names))), max(map(len, names))))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=["sklearn", "names"], help="make only these datasets")
    parser.add_argument("--sklearn-data", help="scikit-learn's datasets/data folder (default: the installed one)")
    parser.add_argument("--names-package", help="the names-0.3.0.tar.gz sdist (default: pip download it)")
    args = parser.parse_args()
    if args.only in (None, "sklearn"):
        make_sklearn_datasets(sklearn_data_folder(args.sklearn_data))
    if args.only in (None, "names"):
        make_names(args.names_package)


if __name__ == "__main__":
    main()
