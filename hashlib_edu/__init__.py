"""hashlib_edu: the helper package of the hashlib-edu teaching suite on deep learning to hash.

One module per concept:

* `codes` (the conventions: sign(0) = +1, Hamming distance, packing, quantization error),
* `data` (offline datasets and list files), `models` (backbone + hash layer), `device`,
* `methods` (the registry: every method declared once, one module per method: DHN and HashNet's
  family, GreedyHash, CSQ, ITQ and LSH), `losses` (the pairwise likelihood of DHN and HashNet),
  `continuation` (the beta schedule of tanh(beta z)), `config` (hyperparameters, tuned defaults,
  the papers' solvers), `pretraining` (the embedded trunk's classifier start), `batches`,
  `training` (one loop for every method), `encoding` (codes of a dataset), `checkpoints`,
  `cache` (one trained model per setting, on disk),
* `metrics` (exact mAP@R, precision within a Hamming radius, PR curves), `conventions` (the
  published mAP conventions side by side), `retrieval` (HammingIndex: k-NN and hash-table
  lookup), `multi_index` (multi-index hashing), `baselines` (LSH, ITQ), `features` (what the
  shallow baselines hash),
* `plots`, `explorers` (one module per interactive explorer), `ties` (ties in Hamming ranking),
  `pair_weights` (HashNet's weights as the share of similar pairs moves), `notebook` (the
  notebooks' opening), `exercises` (answers checked by digest), `dhn_study` (notebook 01's
  measurements),
* `experiment` (the main job), `reproduce` (its command line), `results` (summaries and claims),
  `tune`, `sweep`.

Private modules (`_kernels`, `_ranking`, `_validation`, `_io`) hold the compiled kernels, the
shared dispatch, the argument checks and atomic writes. Design notes: ``docs/design.md``.
"""

__version__ = "0.2.0"
