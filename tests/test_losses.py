"""The losses against a literal evaluation of the papers' sums, plus gradients and stability."""

import math

import pytest
import torch

from hashlib_edu.losses import (
    dhn_loss,
    distinct_pairs_mask,
    hashnet_loss,
    pairwise_cross_entropy,
    pairwise_similarity,
    quantization_loss,
    similarity_weights,
)


def literal_pairwise(h_a, h_b, s, alpha, w=None):
    """sum_ij w_ij [log(1 + exp(alpha <h_i,h_j>)) - alpha s_ij <h_i,h_j>], term by term."""
    total = 0.0
    for i in range(len(h_a)):
        for j in range(len(h_b)):
            ip = sum(float(h_a[i, k]) * float(h_b[j, k]) for k in range(h_a.shape[1]))
            weight = 1.0 if w is None else float(w[i][j])
            total += weight * (math.log(1 + math.exp(alpha * ip)) - alpha * float(s[i, j]) * ip)
    return total


def literal_quantization(h):
    return sum(math.log(math.cosh(abs(float(v)) - 1)) for v in h.flatten())


@pytest.fixture
def batch():
    g = torch.Generator().manual_seed(0)
    h_a = torch.tanh(torch.randn(5, 6, generator=g, dtype=torch.float64))
    h_b = torch.tanh(torch.randn(4, 6, generator=g, dtype=torch.float64))
    labels_a = torch.tensor([[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1], [0, 0, 1]])
    labels_b = torch.tensor([[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 1, 1]])
    return h_a, h_b, pairwise_similarity(labels_a, labels_b).double()


def test_pairwise_similarity_is_share_a_label():
    a = torch.tensor([[1, 0, 1], [0, 1, 0]])
    b = torch.tensor([[0, 0, 1], [1, 1, 0], [0, 0, 0]])
    assert pairwise_similarity(a, b).tolist() == [[1, 1, 0], [0, 1, 0]]


def test_pairwise_similarity_rejects_class_mismatch():
    with pytest.raises(ValueError, match="classes"):
        pairwise_similarity(torch.ones(2, 3), torch.ones(2, 4))


@pytest.mark.parametrize("alpha", [1.0, 0.5, 10 / 6])
def test_pairwise_cross_entropy_equals_paper_sum(batch, alpha):
    h_a, h_b, s = batch
    got = pairwise_cross_entropy(h_a, h_b, s, alpha=alpha, reduction="sum")
    assert got.item() == pytest.approx(literal_pairwise(h_a, h_b, s, alpha), rel=1e-12)
    mean = pairwise_cross_entropy(h_a, h_b, s, alpha=alpha)
    assert mean.item() == pytest.approx(got.item() / 20, rel=1e-12)


def test_quantization_loss_equals_log_cosh_sum(batch):
    h_a, _, _ = batch
    assert quantization_loss(h_a, "sum").item() == pytest.approx(
        literal_quantization(h_a), rel=1e-12
    )
    assert quantization_loss(h_a).item() == pytest.approx(literal_quantization(h_a) / 5, rel=1e-12)


def test_dhn_loss_is_cross_entropy_plus_lambda_quantization(batch):
    h_a, h_b, s = batch
    got = dhn_loss(h_a, h_b, s, quantization_weight=0.2, scale=1.0, reduction="sum").item()
    expected = literal_pairwise(h_a, h_b, s, 1.0) + 0.2 * literal_quantization(h_a)
    assert got == pytest.approx(expected, rel=1e-12)


def test_hashnet_weights_balance_similar_and_dissimilar(batch):
    _, _, s = batch
    w = similarity_weights(s)
    n, n1 = s.numel(), int(s.sum())
    assert torch.all(w[s == 1] == n / n1) and torch.all(w[s == 0] == n / (n - n1))
    # each side carries the same total weight |S|
    assert w[s == 1].sum().item() == pytest.approx(n) and w[s == 0].sum().item() == pytest.approx(n)


def test_hashnet_loss_equals_weighted_paper_sum_with_alpha_10_over_k(batch):
    h_a, h_b, s = batch
    w = similarity_weights(s).tolist()
    got = hashnet_loss(h_a, h_b, s, reduction="sum").item()
    assert got == pytest.approx(literal_pairwise(h_a, h_b, s, 10 / 6, w), rel=1e-12)
    unweighted = hashnet_loss(h_a, h_b, s, weighted=False, reduction="sum").item()
    assert unweighted == pytest.approx(literal_pairwise(h_a, h_b, s, 10 / 6), rel=1e-12)
    assert got != pytest.approx(unweighted)


def _paper_weights(similarity, mask=None):
    """HashNet eq. 3-4 term by term: w_ij = |S|/|S_1| if s_ij = 1 else |S|/|S_0| (over the kept
    pairs); a set that is empty has no pairs to weight."""
    keep = torch.ones_like(similarity, dtype=torch.bool) if mask is None else mask
    kept = [float(similarity[i, j]) for i, j in zip(*torch.nonzero(keep, as_tuple=True))]
    n, n1 = len(kept), sum(kept)
    n0 = n - n1
    return [
        [(n / n1 if n1 else None) if float(v) > 0 else (n / n0 if n0 else None) for v in row]
        for row in similarity
    ]


@pytest.mark.parametrize("value", [0.0, 1.0], ids=["no-similar-pair", "every-pair-similar"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("masked", [False, True])
def test_weights_when_one_side_is_empty_are_finite_and_follow_the_paper(value, dtype, masked):
    similarity = torch.full((4, 4), value, dtype=dtype)
    mask = distinct_pairs_mask(4) if masked else None
    w = similarity_weights(similarity, mask)
    assert w.dtype == dtype and w.shape == (4, 4)
    assert torch.isfinite(w).all()
    # |S|/|S_1| = 12/12 (or 16/16) for all-similar, |S|/|S_0| likewise for all-dissimilar: 1
    expected = _paper_weights(similarity, mask)
    assert w.tolist() == expected == [[1.0] * 4] * 4
    # so the weighted loss is finite, equals the unweighted one and has finite gradients
    h = torch.tanh(torch.randn(4, 6, dtype=dtype, generator=torch.Generator().manual_seed(0)))
    h.requires_grad_()
    weighted = hashnet_loss(h, h, similarity, mask=mask)
    assert torch.isfinite(weighted)
    assert weighted.item() == pytest.approx(
        hashnet_loss(h, h, similarity, weighted=False, mask=mask).item(), rel=1e-6
    )
    (grad,) = torch.autograd.grad(weighted, h)
    assert torch.isfinite(grad).all()


def test_weights_with_one_similar_pair_follow_the_paper():
    similarity = torch.zeros(4, 4, dtype=torch.float64)
    similarity[0, 1] = similarity[1, 0] = 1.0
    mask = distinct_pairs_mask(4)
    w = similarity_weights(similarity, mask)
    # |S| = 12 distinct pairs, |S_1| = 2, |S_0| = 10
    assert w[0, 1].item() == pytest.approx(12 / 2) and w[0, 2].item() == pytest.approx(12 / 10)
    expected = [v for row in _paper_weights(similarity, mask) for v in row]
    assert w.flatten().tolist() == pytest.approx(expected, rel=1e-12)


def test_losses_are_stable_for_huge_inner_products():
    h = torch.full((2, 64), 1.0, dtype=torch.float64) * 50
    s = torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
    value = pairwise_cross_entropy(h, h, s, reduction="sum")
    assert torch.isfinite(value)
    ip = 50 * 50 * 64
    assert value.item() == pytest.approx(2 * ip, rel=1e-12)  # dissimilar pairs: softplus(x) = x


def test_gradients_match_finite_differences(batch):
    h_a, h_b, s = batch
    h_a, h_b = h_a.clone().requires_grad_(), h_b.clone().requires_grad_()
    assert torch.autograd.gradcheck(lambda a, b: hashnet_loss(a, b, s), (h_a, h_b))
    assert torch.autograd.gradcheck(lambda a, b: dhn_loss(a, b, s, 0.1), (h_a, h_b))


def test_loss_gradient_pulls_similar_codes_together():
    h = torch.tensor([[0.5, -0.5], [0.4, 0.6]], dtype=torch.float64, requires_grad=True)
    s = torch.tensor([[1.0, 1.0], [1.0, 1.0]], dtype=torch.float64)
    (grad,) = torch.autograd.grad(hashnet_loss(h, h, s), h)
    moved = h.detach() - 0.1 * grad
    assert (moved[0] @ moved[1]) > (h[0] @ h[1]).item()


def test_shape_errors_name_the_fix():
    with pytest.raises(ValueError, match="pairwise_similarity"):
        hashnet_loss(torch.zeros(3, 4), torch.zeros(3, 4), torch.zeros(2, 3))
    with pytest.raises(ValueError, match="same number of bits"):
        dhn_loss(torch.zeros(3, 4), torch.zeros(3, 5), torch.zeros(3, 3))
    with pytest.raises(ValueError, match="reduction"):
        hashnet_loss(torch.zeros(3, 4), torch.zeros(3, 4), torch.zeros(3, 3), reduction="avg")
    with pytest.raises(ValueError, match="quantization_weight"):
        dhn_loss(torch.zeros(3, 4), torch.zeros(3, 4), torch.zeros(3, 3), quantization_weight=-1)


def test_mask_keeps_only_the_chosen_pairs_and_weights_count_them(batch):
    h = batch[0]
    labels = torch.tensor([[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1], [0, 0, 1]])
    s = pairwise_similarity(labels, labels).double()
    mask = distinct_pairs_mask(5)
    assert mask.sum() == 20 and not mask.diagonal().any()
    w = similarity_weights(s, mask)
    n_similar = float(s[mask].sum())  # self-pairs (always similar) are not counted
    assert float(w[s > 0][0]) == pytest.approx(20 / n_similar)
    assert float(w[s == 0][0]) == pytest.approx(20 / (20 - n_similar))
    literal = literal_pairwise(h, h, s, 10 / 6, w.tolist()) - sum(
        float(w[i, i])
        * (math.log(1 + math.exp(10 / 6 * float(h[i] @ h[i]))) - 10 / 6 * float(h[i] @ h[i]))
        for i in range(5)
    )
    loss = hashnet_loss(h, h, s, mask=mask, reduction="sum")
    assert float(loss) == pytest.approx(literal, rel=1e-9)
    assert float(hashnet_loss(h, h, s, mask=mask)) == pytest.approx(literal / 20, rel=1e-9)


def test_continuous_similarity_is_four_cos_squared_for_similar_pairs():
    from hashlib_edu.losses import continuous_similarity_scale

    a = torch.tensor([[1, 1, 0], [0, 0, 1], [1, 0, 0]])
    scale = continuous_similarity_scale(a, a)
    for i in range(3):
        for j in range(3):
            cos = float(a[i].double() @ a[j].double()) / (
                float(a[i].double().norm()) * float(a[j].double().norm())
            )
            assert float(scale[i, j]) == pytest.approx(4 * cos**2 if cos > 0 else 1.0)


def test_labels_other_than_zero_and_one_are_refused():
    with pytest.raises(ValueError, match="only 0 and 1"):
        pairwise_similarity(torch.tensor([[2, 0]]), torch.tensor([[1, 0]]))
    with pytest.raises(ValueError, match="one-hot"):
        pairwise_similarity(torch.tensor([[1, 0]]), torch.tensor([[-1, 0]]))
