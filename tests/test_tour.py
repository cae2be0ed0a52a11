import pytest
from matplotlib.figure import Figure

from conftest import EXAMPLES
from explorer import load_model
from explorer.tour import STEP_TITLES, tour


def test_the_tour_walks_the_embedded_model_with_its_real_shapes():
    steps = tour(load_model("embedded"), EXAMPLES / "chelsea-cat.jpg")
    assert [s.title for s in steps] == list(STEP_TITLES)
    assert all(isinstance(s.figure, Figure) for s in steps)
    text = " ".join(s.text for s in steps)
    for shape in ("32×32", "S = 64", "4×4 pixels", "C = 128", "64×128", "(64 → 64 → 64)", "(128 → 384 → 128)", "10 class scores"):
        assert shape in text


@pytest.mark.parametrize("name", ["gmlp_ti16_224", "resmlp_12_224"])
def test_the_tour_explains_relatives_without_failing(name):
    steps = tour(load_model(name, "random"), EXAMPLES / "rocket.jpg")
    assert len(steps) == len(STEP_TITLES)
    if name.startswith("gmlp"):
        assert "no separate token-mixing step" in steps[3].text
