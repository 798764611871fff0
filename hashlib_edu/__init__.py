"""hashlib_edu: the helper package of the hashlib-edu teaching suite on deep learning to hash.

One module per concept: `data` (offline datasets and list files), `models` (backbone + hash layer),
`losses` (DHN and HashNet), `continuation` (the beta schedule of tanh(beta z)), `training` (one loop
for every method, encoding, checkpoints), `metrics` (exact mAP@R, precision within a Hamming radius,
PR curves), `retrieval` (HammingIndex: k-NN and hash-table lookup), `baselines` (LSH, ITQ),
`plots`, `widgets`, and `reproduce` (the headless main job).
"""

__version__ = "0.1.0"
