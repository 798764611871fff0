"""TrainConfig: validation of every setting, the papers' solvers, the tuned defaults, what each
method reads."""

import math

import pytest

from hashlib_edu.config import METHOD_SETTINGS, SHARED_SETTINGS, TrainConfig, tuned_settings
from hashlib_edu.continuation import BetaSchedule
from hashlib_edu.methods import METHODS, deep_methods

WRONG_KIND = [
    ("iterations", 2.5),
    ("iterations", True),
    ("iterations", "800"),
    ("batch_size", 128.0),
    ("lr", "1e-4"),
    ("lr", None),
    ("lr_halving_every", 2.0),
    ("lr_decay", True),
    ("momentum", "0.9"),
    ("weight_decay", None),
    ("hash_lr_multiplier", "10"),
    ("quantization_weight", [0.1]),
    ("dhn_scale", None),
    ("alpha", "0.3"),
    ("alpha_scale", None),
    ("continuous_similarity", 1),
    ("schedule", {"beta0": 1.0}),
    ("optimizer", None),
    ("backbone", 3),
    ("init", None),
    ("pairs", 0),
    ("pretrain_labels", 1),
]
WRONG_VALUE = [
    ("iterations", 0),
    ("batch_size", -1),
    ("lr", 0.0),
    ("lr", float("nan")),
    ("lr_halving_every", 0),
    ("lr_decay", 0.0),
    ("lr_decay", 1.5),
    ("momentum", -0.1),
    ("weight_decay", -1e-4),
    ("hash_lr_multiplier", 0.0),
    ("quantization_weight", -0.1),
    ("quantization_weight", float("inf")),
    ("dhn_scale", 0.0),
    ("alpha", -1.0),
    ("alpha_scale", 0.0),
    ("optimizer", "rmsprop"),
    ("backbone", "vgg"),
    ("init", "imagenet"),
    ("pairs", "diagonal"),
    ("pretrain_labels", "second-digit"),
]


@pytest.mark.parametrize("name, value", WRONG_KIND)
def test_a_setting_of_the_wrong_kind_is_a_type_error_naming_it(name, value):
    with pytest.raises(TypeError, match=name):
        TrainConfig(**{name: value})


@pytest.mark.parametrize("name, value", WRONG_VALUE)
def test_a_setting_with_a_wrong_value_is_a_value_error_naming_it(name, value):
    with pytest.raises(ValueError, match=name):
        TrainConfig(**{name: value})


def test_valid_edge_values_pass_unchanged():
    config = TrainConfig(lr_decay=1.0, momentum=0.0, weight_decay=0.0, quantization_weight=0.0)
    assert (config.lr_decay, config.momentum, config.quantization_weight) == (1.0, 0.0, 0.0)
    assert TrainConfig(iterations=3).iterations == 3  # an int stays an int: nothing coerced


def test_settings_split_into_shared_and_method_specific():
    names = set(TrainConfig.__dataclass_fields__)
    assert set(SHARED_SETTINGS) | set(METHOD_SETTINGS) == names
    assert not set(SHARED_SETTINGS) & set(METHOD_SETTINGS)
    for method in deep_methods():  # a method reads only settings that exist
        assert set(METHODS[method].reads) <= set(METHOD_SETTINGS)


@pytest.mark.parametrize("method", ["dhn", "hashnet", "hashnet-w", "hashnet-sgn"])
def test_paper_solver_of_each_pairwise_method(method):
    config = TrainConfig.paper(method)
    # what the two official solvers share (DHN: dhn-caffe; HashNet: thuml/HashNet)
    assert (config.optimizer, config.momentum, config.weight_decay) == ("sgd", 0.9, 5e-4)
    assert (config.iterations, config.hash_lr_multiplier) == (10_000, 10.0)
    assert (config.backbone, config.init) == ("alexnet", "pretrained")
    assert config.halving_step() == config.lr_halving_every
    if method == "dhn":  # dhn-caffe: batch 64, base lr 2e-5 x 0.3 every 500 iterations, q_gamma 0.1
        assert (config.lr, config.lr_halving_every, config.lr_decay) == (2e-5, 500, 0.3)
        assert (config.batch_size, config.quantization_weight) == (64, 0.1)
        assert config.pairing(method) == "all"
    else:  # thuml/HashNet ImageNet solver: batch 256, base lr 2e-4 halved every 2,000 iterations
        assert (config.lr, config.lr_halving_every, config.lr_decay) == (2e-4, 2000, 0.5)
        assert config.batch_size == 256 and config.pairing(method) == "distinct"
        nus = TrainConfig.paper(method, dataset="nus-wide")
        assert nus.lr == TrainConfig.paper(method, dataset="coco").lr == 5e-5
    # the official, uncompressed continuation: beta = (1 + 0.005 t)^0.5, t stepped every 200
    assert config.beta_schedule() == BetaSchedule(beta0=1.0, gamma=0.005, power=0.5, step=200)
    assert config.beta_schedule()(9_999) == pytest.approx(math.sqrt(1 + 0.005 * 9_800))


def test_paper_solver_overrides_and_errors():
    assert TrainConfig.paper() == TrainConfig.paper("hashnet")
    assert TrainConfig.paper("hashnet", backbone="resnet50").backbone == "resnet50"
    short = TrainConfig.paper("dhn", iterations=100, lr=1e-3)
    assert (short.iterations, short.lr, short.lr_decay) == (100, 1e-3, 0.3)
    assert short.beta_schedule() == BetaSchedule()  # not squeezed into the shorter run
    assert TrainConfig(iterations=100).beta_schedule() == BetaSchedule.compressed(100)
    with pytest.raises(ValueError, match="unknown method"):
        TrainConfig.paper("hashnet+c")
    with pytest.raises(ValueError, match="unknown method"):
        TrainConfig.paper("itq")  # a shallow method has no solver
    with pytest.raises(ValueError, match="unknown dataset"):
        TrainConfig.paper("hashnet", dataset="cifar")


def test_tuned_defaults_come_from_the_committed_tuning_grid():
    from hashlib_edu.tune import GRID

    settings = tuned_settings()
    assert set(settings) == set(deep_methods())  # every deep method was tuned
    for method, chosen in settings.items():
        grid = GRID[METHODS[method].trains_as or method]
        assert set(chosen) == set(grid)
        config = TrainConfig.tuned(method)
        assert all(getattr(config, name) == value for name, value in chosen.items())
    assert TrainConfig.tuned("dhn", iterations=7).iterations == 7
    assert TrainConfig.tuned("hashnet-rank-h") == TrainConfig.tuned("hashnet")


def test_used_settings_show_only_what_the_method_reads():
    dhn = TrainConfig(optimizer="adam").used_settings("dhn")
    assert "quantization_weight" in dhn and "dhn_scale" in dhn
    assert not {"alpha", "alpha_scale", "schedule", "momentum"} & set(dhn)
    assert "lr_decay" in dhn  # the decay applies every iterations // 5 when no step is given
    hashnet = TrainConfig(optimizer="sgd", lr_halving_every=100).used_settings("hashnet")
    assert {"alpha_scale", "schedule", "momentum", "lr_decay", "pairs"} <= set(hashnet)
    assert "quantization_weight" not in hashnet and "dhn_scale" not in hashnet
    assert "schedule" not in TrainConfig().used_settings("hashnet-sgn")  # beta stays 1
    assert hashnet == {
        k: v
        for k, v in TrainConfig(optimizer="sgd", lr_halving_every=100).describe("hashnet").items()
        if k in hashnet
    }
    with pytest.raises(ValueError, match="unknown method"):
        TrainConfig().used_settings("itq")


@pytest.mark.parametrize("method", ["greedyhash", "csq"])
def test_a_pointwise_method_shows_no_pairing_and_only_its_own_weight(method):
    used = TrainConfig(pairs="all").used_settings(method)
    assert "pairs" not in used and TrainConfig(pairs="all").pairing(method) is None
    assert used["quantization_weight"] == 0.1
    assert not {"alpha", "alpha_scale", "dhn_scale", "continuous_similarity", "schedule"} & set(
        used
    )
