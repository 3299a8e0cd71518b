#!/usr/bin/env python3
"""The reference baseline of issue 13: TF-IDF word uni/bigrams + char 3-5-grams,
IDs/emails/numbers replaced by placeholders, camelCase split, multinomial logistic
regression (scikit-learn), trained on the given train files plus each operation's
summary and operationId. Scores execute/detail rows of the test files: top1/top3.

    pip install scikit-learn
    python3 xtask/baseline/baseline.py --spec specs/bapi/2026-05-12.json \
        --train ../shared/corpus/train-{1,2,3}.jsonl xtask/corpus/train-*.jsonl \
        --test tests/corpus/frozen.jsonl ../shared/eval/dev.jsonl
"""
import argparse, json, re, sys

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion
import numpy as np


def norm(q):
    q = re.sub(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", " EMAIL ", q)
    q = re.sub(r"\+?\d[\d\s().-]{7,}\d", " PHONE ", q)
    q = re.sub(r"\b([a-z]{2,8})_[A-Za-z0-9]{3,}\b", lambda m: " ID" + m.group(1) + " ", q)
    q = re.sub(r"\d+", " NUM ", q)
    q = re.sub(r"([a-z])([A-Z])", r"\1 \2", q)
    return q.lower()


def ops_of(spec):
    out = []
    for path, item in spec["paths"].items():
        if path.startswith("/platform"):
            continue
        for m in ["get", "put", "post", "patch", "delete"]:
            if m in item:
                out.append((m.upper(), path, item[m]))
    return out


def rows(files):
    for f in files:
        for line in open(f):
            if line.strip():
                r = json.loads(line)
                if r.get("kind") in ("execute", "detail") and r.get("expect"):
                    yield r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec", required=True)
    ap.add_argument("--train", nargs="+", required=True)
    ap.add_argument("--test", nargs="+", required=True)
    a = ap.parse_args()
    spec = json.load(open(a.spec))
    X, y = [], []
    for m, p, op in ops_of(spec):
        for text in (op.get("summary", ""), op.get("operationId", "")):
            X.append(norm(text)); y.append(f"{m} {p}")
    for r in rows(a.train):
        e = r["expect"][0]
        X.append(norm(r["query"])); y.append(f"{e['method']} {e['path']}")
    vec = FeatureUnion([
        ("w", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)),
        ("c", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2)),
    ])
    Xv = vec.fit_transform(X)
    clf = LogisticRegression(C=20, max_iter=2000)
    clf.fit(Xv, y)
    for f in a.test:
        test = list(rows([f]))
        P = clf.predict_proba(vec.transform([norm(r["query"]) for r in test]))
        order = np.argsort(-P, axis=1)[:, :3]
        t1 = t3 = 0
        by = {}
        for r, o in zip(test, order):
            want = {f"{e['method']} {e['path']}" for e in r["expect"]}
            got = [clf.classes_[i] for i in o]
            t1 += got[0] in want
            t3 += any(g in want for g in got)
            b = by.setdefault(r.get("style", "-"), [0, 0])
            b[0] += got[0] in want
            b[1] += 1
        n = len(test)
        styles = {k: round(v[0] / v[1], 3) for k, v in sorted(by.items(), key=lambda x: str(x[0]))}
        print(json.dumps({"file": f, "n": n, "top1": round(t1 / n, 4), "top3": round(t3 / n, 4), "by_style": styles}))


if __name__ == "__main__":
    sys.exit(main())
