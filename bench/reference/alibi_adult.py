"""The Python reference (Alibi's AnchorTabular) on PEER.md's Adult workload, for side-by-side figures.

Needs Python 3 with NumPy and an Alibi 0.9.x install (not a dependency of Anchorwatch; run it beside it).
Prints one JSON line per explanation, in the schema of AdultBenchmark's --jsonl output:
    python3 alibi_adult.py DATA_DIR --rows 20 --seeds 1,2,3 > reference.jsonl
DATA_DIR holds adult_rf.json, adult_meta.json, adult_train.csv and adult_test.csv (the shared data set).
The forest is evaluated here by following adult_rf.json's `semantics` block (float32 inputs, as scikit-learn).
"""
import argparse
import json
import time

import numpy as np
from alibi.explainers.anchors.anchor_tabular import AnchorTabular

ap = argparse.ArgumentParser()
ap.add_argument('data')
ap.add_argument('--rows', type=int, default=20)
ap.add_argument('--first', type=int, default=0)
ap.add_argument('--seeds', default='1', help='comma-separated; PEER.md used 1')
ap.add_argument('--url', help='a KServe V1 predict URL to call instead of evaluating the forest here, as KServe\'s'
                ' explainer called its predictor (e.g. http://127.0.0.1:PORT/v1/models/adult:predict)')
args = ap.parse_args()

forest = json.load(open(f'{args.data}/adult_rf.json'))
meta = json.load(open(f'{args.data}/adult_meta.json'))
train = np.loadtxt(f'{args.data}/adult_train.csv', delimiter=',', skiprows=1)[:, :-1]
test = np.loadtxt(f'{args.data}/adult_test.csv', delimiter=',', skiprows=1)[:, :-1]
mean, scale = np.array(forest['scaler_mean']), np.array(forest['scaler_scale'])
trees = []
for t in forest['trees']:
    value = np.array(t['value'], dtype=np.float64)
    trees.append((np.array(t['feature']), np.array(t['threshold'], dtype=np.float64), np.array(t['left']),
                  np.array(t['right']), value / value.sum(axis=1, keepdims=True)))


def transform(x):
    cols = [((x[:, f] - mean[i]) / scale[i])[:, None] for i, f in enumerate(forest['ordinal_features'])]
    for j, f in enumerate(forest['categorical_features']):
        cols.append((x[:, f][:, None] == np.array(forest['onehot_categories'][j])[None, :]).astype(np.float64))
    return np.hstack(cols).astype(np.float32).astype(np.float64)


counted = {'calls': 0, 'rows': 0}


def predict(x):
    x = np.atleast_2d(x)
    counted['calls'] += 1
    counted['rows'] += x.shape[0]
    z = transform(x)
    rows = np.arange(x.shape[0])
    total = np.zeros((x.shape[0], 2))
    for feature, threshold, left, right, proba in trees:
        node = np.zeros(x.shape[0], dtype=np.int64)
        while True:
            inner = left[node] != -1
            if not inner.any():
                break
            r, n = rows[inner], node[inner]
            node[inner] = np.where(z[r, feature[n]] <= threshold[n], left[n], right[n])
        total += proba[node]
    return total / len(trees)


if args.url:
    import requests
    session = requests.Session()

    def predict(x):  # noqa: F811 - the same black box, over KServe V1 HTTP: one request per call
        x = np.atleast_2d(x)
        counted['calls'] += 1
        counted['rows'] += x.shape[0]
        answer = session.post(args.url, json={'instances': x.tolist()}, timeout=600)
        answer.raise_for_status()
        return np.array(answer.json()['predictions'])

category_map = {int(k): v for k, v in meta['category_map'].items()}
for seed_set, seed in enumerate(int(s) for s in args.seeds.split(',')):
    explainer = AnchorTabular(predict, meta['feature_names'], categorical_names=category_map, seed=seed)
    explainer.fit(train, disc_perc=(25, 50, 75))
    for row in range(args.first, args.first + args.rows):
        counted.update(calls=0, rows=0)
        start = time.perf_counter()
        e = explainer.explain(test[row], threshold=0.95, delta=0.1, tau=0.15, batch_size=100,
                              coverage_samples=10000, beam_size=1, min_samples_start=100)
        seconds = time.perf_counter() - start
        precision = float(np.atleast_1d(e.data['precision'])[0])
        print(json.dumps({'seed_set': seed_set, 'seed': seed, 'row': row, 'found': bool(e.data['raw']['success']),
                          'precision': precision, 'coverage': float(e.data['coverage']),
                          'calls': counted['calls'], 'rows': counted['rows'], 'seconds': seconds,
                          'anchor': list(e.data['anchor'])}), flush=True)
