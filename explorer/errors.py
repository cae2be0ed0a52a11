"""Errors a user can cause and fix: each carries a message meant to be shown as it is, in the UI, API and CLI."""


class ExplorerError(Exception):
    """Base class: the message says what was wrong and, where it helps, what to do instead."""


class ImageError(ExplorerError):
    """An upload or file that is not an image we can read."""


class ModelError(ExplorerError):
    """A model name, weights choice or device that cannot be used."""


class CheckpointError(ModelError):
    """A checkpoint file that cannot or must not be loaded."""


class WeightsUnavailable(ModelError):
    """Pretrained weights that cannot be had here (no Hub, not cached); the loader falls back and says why."""


class Cancelled(ExplorerError):
    """A long computation (a feature visualisation) stopped because the person asked it to."""


class LessonError(ExplorerError):
    """A lesson of "Teach it" that cannot be changed or learned as asked (too few classes, too many images...)."""
