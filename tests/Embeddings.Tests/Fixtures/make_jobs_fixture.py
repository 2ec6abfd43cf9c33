#!/usr/bin/env python3
"""Writes jobs-200.jsonl.gz: 200 texts of ../shared/data/jobs-minilm-384-angular with their stored vectors.

The reference for our tokenizer + model + pooling. Chosen to cover what breaks tokenizers: every CJK and emoji text,
accented Latin, other non-ASCII (curly quotes, dashes, symbols), the longest texts (far past 256 word pieces), texts
without a title line, and a random rest. Run from the repository root:
    python3 tests/Embeddings.Tests/Fixtures/make_jobs_fixture.py ../shared/data/jobs-minilm-384-angular
"""
import base64, gzip, json, os, random, struct, sys

folder = sys.argv[1]
with gzip.open(f"{folder}/base.texts.jsonl.gz", "rt", encoding="utf-8") as f:
    rows = [json.loads(line) for line in f]

def has(text, low, high):
    return any(low <= ord(c) <= high for c in text)

rng = random.Random(19)
picked = []
def take(candidates, count):
    candidates = [r["id"] for r in candidates if r["id"] not in picked]
    rng.shuffle(candidates)
    picked.extend(candidates[:count])

take([r for r in rows if has(r["text"], 0x2E80, 0x9FFF) or has(r["text"], 0xAC00, 0xD7AF)], 10)
take([r for r in rows if has(r["text"], 0x1F000, 0x1FFFF) or has(r["text"], 0x2600, 0x27BF)], 10)
take([r for r in rows if has(r["text"], 0xC0, 0x24F)], 50)
take([r for r in rows if has(r["text"], 0x80, 0x10FFFF)], 40)
take(sorted(rows, key=lambda r: -len(r["text"]))[:100], 20)
take([r for r in rows if r["title"] is None], 20)
take(rows, 200 - len(picked))
picked.sort()

wanted = set(picked)
vectors = {}
with gzip.open(f"{folder}/base.fvecs.gz", "rb") as f:
    for i in range(len(rows)):
        (d,) = struct.unpack("<i", f.read(4))
        data = f.read(4 * d)
        if i in wanted:
            vectors[i] = data

with gzip.GzipFile(os.path.join(os.path.dirname(os.path.abspath(__file__)), "jobs-200.jsonl.gz"), "wb", mtime=0) as out:
    for i in picked:
        line = {"id": i, "text": rows[i]["text"], "vector": base64.b64encode(vectors[i]).decode()}
        out.write((json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8"))
print(f"{len(picked)} texts written")
