#!/usr/bin/env python3
"""Writes data/digits.csv and data/diabetes.csv from the copies scikit-learn ships.

Usage: pip install scikit-learn && python3 scripts/make_datasets.py
(or: python3 scripts/make_datasets.py PATH/TO/sklearn/datasets/data, e.g. from an unpacked wheel)

Only the Python standard library is needed when a data folder is given.
"""
import csv
import gzip
import os
import sys


def data_folder():
    if len(sys.argv) > 1:
        return sys.argv[1]
    try:
        import sklearn.datasets
    except ImportError:
        sys.exit("scikit-learn is not installed: pip install scikit-learn, or pass its datasets/data folder")
    return os.path.join(os.path.dirname(sklearn.datasets.__file__), "data")


def main():
    source = data_folder()
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
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


if __name__ == "__main__":
    main()
