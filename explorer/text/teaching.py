"""What a unit's page shows and what to look for, per kind of unit (a view's own words live in its module,
explorer.app.views)."""

UNIT_TEXT = {
    "channel": (
        "One channel of a block's output: one number per patch. The dataset examples are the reference images "
        "where it is highest, its peak patch outlined: look for what they share at that patch (a colour, a "
        "texture, an edge, a part of an object), and whether early blocks' channels prefer local patterns while "
        "later ones prefer whole objects. The feature visualisation is an image optimised from noise to raise the "
        "channel everywhere: a repeated pattern is what one patch of it responds to."
    ),
    "token": (
        "One hidden unit of a block's token mixing: a weighted sum over patches, the same for every channel, so "
        "its activation is one number per channel. Its weights are a map over the patch grid: look at where it "
        "reads (one region, a smooth blob, an edge between two halves) and at the examples, whose objects sit "
        "where that map is positive."
    ),
}
