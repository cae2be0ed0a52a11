"""What a unit's page shows and what to look for, per kind of unit: the keys of its words in the message catalogues
(explorer/text/locales; `t(UNIT_TEXT[kind])`), and the names of a model's weights. A view's own words are keyed in
its module, explorer.app.views."""
from explorer.text.i18n import t

UNIT_TEXT = {
    "channel": "teaching.channel",  # one channel of a block's output: one number per patch ...
    "token": "teaching.token",  # one hidden unit of a block's token mixing: a weighted sum over patches ...
}

# the weights' names in words: explorer.model.loading's WEIGHTS_CHOICES, and a checkpoint file's
WEIGHTS_NAMES = {"pretrained": "teaching.weights.pretrained", "random": "teaching.weights.random",
                 "checkpoint": "teaching.weights.checkpoint"}


def weights_name(weights: str) -> str:
    """Pretrained or random weights, in the language of whoever is being answered ("aleatorios" for "random")."""
    return t(WEIGHTS_NAMES[weights]) if weights in WEIGHTS_NAMES else weights
