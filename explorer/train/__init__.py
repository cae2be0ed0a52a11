"""Training: the embedded Mixer (`python -m explorer.train`, see explorer.train.cli) and a CNN teacher for it
(`python -m explorer.train.teacher`).

data - the tarball decoded, split and normalised; augment - crop/flip, AutoAugment, CutMix; config - the recipe;
loop - the training loop; checkpoint - resume points; card - weights, timeline and model card; distill - the
teacher's loss; airbench - the CNN teachers' networks; teacher - their recipes and training on the CPU; cli -
the command line.
"""
from explorer.train.augment import auto_augment
from explorer.train.config import TrainConfig
from explorer.train.data import DEFAULT_CACHE, DEFAULT_DATA, load_cifar_tar, split_train_val

__all__ = ["DEFAULT_CACHE", "DEFAULT_DATA", "TrainConfig", "auto_augment", "load_cifar_tar", "split_train_val"]
