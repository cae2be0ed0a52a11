"""What a unit's page shows and what to look for, per kind of unit: the keys of its words in the message catalogues
(explorer/text/locales; `t(UNIT_TEXT[kind])`). A view's own words are keyed in its module, explorer.app.views."""

UNIT_TEXT = {
    "channel": "teaching.channel",  # one channel of a block's output: one number per patch ...
    "token": "teaching.token",  # one hidden unit of a block's token mixing: a weighted sum over patches ...
}
