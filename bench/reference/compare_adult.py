"""Compares two JSON-lines files of Adult explanations (AdultBenchmark --jsonl, alibi_adult.py) seed set by seed set.

    python3 compare_adult.py anchorwatch.jsonl reference.jsonl
Prints, for each side, the per-seed-set medians of coverage, precision, calls and rows (sent; Anchorwatch's lines
also carry own_calls and own_rows, the cost each explanation reports alone), the pooled figures, and
for coverage the mean difference per test row (averaged over seed sets) with a 95% bootstrap interval.
"""
import collections
import json
import random
import statistics as st
import sys


def load(path):
    return [json.loads(line) for line in open(path) if line.strip()]


def side(name, rows):
    sets = collections.defaultdict(list)
    for x in rows:
        sets[x['seed_set']].append(x)
    print(f'{name}: {len(sets)} seed sets, {len(rows)} explanations')
    for key in ('coverage', 'precision', 'calls', 'rows', 'own_calls', 'own_rows'):
        if not all(key in x for x in rows):
            continue
        medians = [st.median(x[key] for x in v) for v in sets.values()]
        print(f'  {key:9s} median per seed set: median {st.median(medians):.4g}, range {min(medians):.4g}-'
              f'{max(medians):.4g}; pooled median {st.median(x[key] for x in rows):.4g}, mean {st.mean(x[key] for x in rows):.4g}')
    found = [x for x in rows if x['found']]
    print(f'  found {len(found)} of {len(rows)}; coverage of found anchors: median {st.median(x["coverage"] for x in found):.4f},'
          f' mean {st.mean(x["coverage"] for x in found):.4f}')
    per_row = collections.defaultdict(list)
    for x in rows:
        per_row[x['row']].append(x['coverage'])
    return {k: st.mean(v) for k, v in per_row.items()}


ours = side('Anchorwatch', load(sys.argv[1]))
reference = side('reference', load(sys.argv[2]))
common = sorted(set(ours) & set(reference))
diff = [ours[k] - reference[k] for k in common]
rng = random.Random(0)
boot = sorted(st.mean(diff[rng.randrange(len(diff))] for _ in diff) for _ in range(10000))
print(f'coverage per test row ({len(common)} rows, mean over seed sets): Anchorwatch {st.mean(ours[k] for k in common):.4f},'
      f' reference {st.mean(reference[k] for k in common):.4f}, difference {st.mean(diff):+.4f}'
      f' (95% bootstrap interval {boot[250]:+.4f} to {boot[9750]:+.4f})')
