"""Units: one channel of a block's output, or one hidden unit of a block's token mixing, and what excites them.

A unit is addressed as `Unit(block, kind, index)`:

- a *channel* K of block B is channel K of that block's output, exactly what timm's
  `forward_intermediates(indices=[B], output_fmt="NLC")` returns (before the final norm): one number per patch;
- a *token-mixing unit* N of block B is hidden unit N of that block's token mixing: one number per channel
  (which tensor that is in each family: `Family.unit_site` in explorer.model.families).

    from explorer import load_model
    from explorer.units import Unit, unit_examples, feature_visualisation, unit_page
    loaded = load_model("embedded")
    unit_examples(loaded, 3, "channel", 17)             # its top images in the shipped index
    feature_visualisation(loaded, 3, "channel", 17)     # an image optimised to excite it
    unit_page(loaded, Unit(3, "channel", 17))           # all a unit page shows

The modules, in the order they build on each other:

- `address`: Unit, the kinds, how many units a block has, checking an address;
- `record`: a block's units recorded in a forward pass (through explorer.analysis.capture's hooks), reduced;
- `sprites`: JPEG sprites that ship many images in one file;
- `index`: the index of a reference set (`build_index`, `python -m explorer index DIR`), saved and read;
- `reference`: which reference set a unit's examples come from, and its top images in it;
- `features`: feature visualisation, and the embedded model's shipped pictures;
- `page`: everything a unit's page shows; `report`: the files `python -m explorer unit` writes;
- `build`: the embedded model's shipped assets (`python -m explorer.units`).
"""
from explorer.units.address import Unit
from explorer.units.features import feature_visualisation
from explorer.units.page import unit_page
from explorer.units.reference import unit_examples

__all__ = ["Unit", "feature_visualisation", "unit_examples", "unit_page"]  # the API the README and notebooks use
