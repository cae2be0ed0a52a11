import json

import pytest
from matplotlib.figure import Figure

from conftest import EMBEDDED_HIDDEN, EMBEDDED_WIDTH, EXAMPLES, ROOT
from explorer import load_model
from explorer.analysis.analysis import Analysis
from explorer.analysis import tour
from explorer.render.mpl import tour_figure
from explorer.analysis.tour import STEP_TITLES
from explorer.render.mpl.output import figure_array

ENGLISH = json.loads((ROOT / "explorer" / "text" / "locales" / "en.json").read_text(encoding="utf-8"))


def drawn_picture(fig: Figure) -> bool:
    """A figure that draws as a picture: at least one axes with content, and many colours once drawn."""
    import numpy as np

    pixels = figure_array(fig)
    return isinstance(fig, Figure) and len(fig.axes) >= 1 and len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50


def test_the_tour_walks_the_embedded_model_with_its_real_shapes():
    steps = tour.view(Analysis(load_model("embedded"), EXAMPLES / "chelsea-cat.jpg"))
    assert [s.title for s in steps] == [ENGLISH[key] for key in STEP_TITLES]  # keys, read in the language spoken
    assert all(drawn_picture(tour_figure(s)) for s in steps)
    assert steps[2].data["values"].shape == (64, 128) and steps[5].data["values"].shape == (128,)
    text = " ".join(s.text for s in steps)
    channel_mlp = f"({EMBEDDED_WIDTH} → {EMBEDDED_HIDDEN[1]} → {EMBEDDED_WIDTH})"
    for shape in ("32×32", "S = 64", "4×4 pixels", "C = 128", "64×128", "(64 → 64 → 64)", channel_mlp,
                  "10 class scores"):
        assert shape in text


@pytest.mark.parametrize("name", ["gmlp_ti16_224", "resmlp_12_224"])
def test_the_tour_explains_relatives_without_failing(name):
    steps = tour.view(Analysis(load_model(name, "random"), EXAMPLES / "rocket.jpg"))
    assert len(steps) == len(STEP_TITLES) and all(drawn_picture(tour_figure(s)) for s in steps)
    if name.startswith("gmlp"):
        assert "no separate token-mixing step" in steps[3].text
