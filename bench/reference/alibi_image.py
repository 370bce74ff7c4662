"""The Python reference (Alibi's AnchorImage) on the image workloads of docs/benchmarks.md, for side-by-side figures.

Needs Python 3 with NumPy, scikit-image and an Alibi 0.9.x install (not a dependency of Anchorwatch).
Prints one JSON line per explanation.
  Fashion-MNIST, SLIC defaults (PEER.md's workload), several seeds:
    python3 alibi_image.py fashion DATA_DIR --images 10 --seeds 0,1,2
    (DATA_DIR holds fmnist_test_first100.npy and fmnist_lr.json from the shared data set)
  299x299x3 synthetic images and model, fill 0 (ImageBenchmark's large case; write the images with its
  --dump-large FILE option):
    python3 alibi_image.py synthetic FILE --passes 3
"""
import argparse
import json
import time

import numpy as np
from alibi.explainers.anchors.anchor_image import AnchorImage

ap = argparse.ArgumentParser()
ap.add_argument('workload', choices=['fashion', 'synthetic'])
ap.add_argument('path')
ap.add_argument('--images', type=int, default=10)
ap.add_argument('--seeds', default='0')
ap.add_argument('--passes', type=int, default=0, help='synthetic: warm passes after the cold one')
ap.add_argument('--segments', type=int, default=10)
args = ap.parse_args()
counted = {'calls': 0, 'rows': 0}

if args.workload == 'fashion':
    images = np.load(f'{args.path}/fmnist_test_first100.npy')[:args.images, :, :, None].astype(np.float32)
    lr = json.load(open(f'{args.path}/fmnist_lr.json'))
    coef, intercept = np.array(lr['coef']), np.array(lr['intercept'])

    def predict(x):
        x = np.asarray(x)
        counted['calls'] += 1
        counted['rows'] += x.shape[0]
        scores = x.reshape(x.shape[0], -1) @ coef.T + intercept
        return np.eye(len(intercept))[np.argmax(scores, axis=1)]

    background = None
    runs = [(seed_set, int(s)) for seed_set, s in enumerate(args.seeds.split(','))]
else:
    images = np.load(args.path).astype(np.float32)
    h, w = images.shape[1], images.shape[2]

    def predict(x):
        x = np.asarray(x)
        counted['calls'] += 1
        counted['rows'] += x.shape[0]
        red = x[:, :h // 2, :w // 2, 0].mean(axis=(1, 2))
        return np.where(red[:, None] > 0.35, [[0.0, 1.0]], [[1.0, 0.0]])

    background = np.zeros((1,) + images.shape[1:], dtype=np.float32)  # fill value 0, as the Java benchmark
    runs = [(p, 1000 * p) for p in range(args.passes + 1)]

for seed_set, seed in runs:
    explainer = AnchorImage(predict, image_shape=images.shape[1:], segmentation_fn='slic',
                            segmentation_kwargs={'n_segments': args.segments, 'compactness': 10, 'sigma': .5,
                                                 'start_label': 0},
                            images_background=background, seed=seed)
    for i, image in enumerate(images):
        counted.update(calls=0, rows=0)
        start, cpu_start = time.perf_counter(), time.process_time()
        e = explainer.explain(image, p_sample=0.5, threshold=0.95, delta=0.1, tau=0.15, batch_size=100,
                              coverage_samples=10000, beam_size=1, min_samples_start=100)
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
        print(json.dumps({'seed_set': seed_set, 'seed': seed, 'image': i, 'anchor': [int(f) for f in e.data['raw']['feature']],
                          'superpixels': int(len(np.unique(e.data['segments']))),
                          'precision': float(np.atleast_1d(e.data['precision'])[0]), 'coverage': float(e.data['coverage']),
                          'calls': counted['calls'], 'rows': counted['rows'], 'seconds': seconds,
                          'cpu_seconds': cpu_seconds}), flush=True)
