"""hashlib_edu: the helper package of the hashlib-edu teaching suite on deep learning to hash.

One module per concept:

* `codes` (the conventions: sign(0) = +1, Hamming distance, packing, quantization error),
* `data` (offline datasets and list files), `models` (backbone + hash layer),
* `losses` (DHN and HashNet), `continuation` (the beta schedule of tanh(beta z)),
* `config` (methods and hyperparameters), `pretraining` (the embedded trunk's classifier start),
  `training` (one loop for every method, encoding, checkpoints), `cache` (one trained model per
  setting, on disk),
* `metrics` (exact mAP@R, precision within a Hamming radius, PR curves), `conventions` (the
  published mAP conventions side by side), `retrieval` (HammingIndex: k-NN and hash-table
  lookup), `multi_index` (multi-index hashing), `baselines` (LSH, ITQ),
* `plots`, `widgets`, `explorers` (interactive figures), `notebook` (the notebooks' opening),
* `reproduce` (the headless main job), `results` (summaries and claims), `tune`, `sweep`.

Private modules (`_kernels`, `_ranking`, `_validation`, `_io`) hold the compiled kernels, the
shared dispatch, the argument checks and atomic writes. Design notes: ``docs/design.md``.
"""

__version__ = "0.2.0"
