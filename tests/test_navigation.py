"""The model map's places and the views they open, and the address of what is on screen (no Gradio)."""
from urllib.parse import parse_qs

from explorer.app.links import parse_link
from explorer.app.views import IDS as VIEWS
from explorer.app.navigation import address, place_of, view_of
from explorer.app.views import PLACE_VIEWS
from explorer.model.embedded import EXAMPLES


def test_every_place_opens_a_view_and_that_view_marks_the_place_again():
    for part, view in PLACE_VIEWS.items():
        assert view in VIEWS
        block = 3 if part in ("token-mixing", "channel-mixing") else None
        assert place_of(view_of(part), 3) == (part, block)
    assert place_of("unit", 5, "token") == ("token-mixing", 5)
    assert place_of("compare", 5) == ("model", None)


def test_the_address_is_a_deep_link_that_opens_the_same_screen():
    query = address("token-mixing", "embedded", "pretrained", str(EXAMPLES["chelsea-cat"]), 3, 1, 7, "channel", True)
    params = {key: values[0] for key, values in parse_qs(query[1:]).items()}
    assert params == {"model": "embedded", "weights": "pretrained", "example": "chelsea-cat", "view": "token-mixing",
                      "block": "3", "unit": "7", "present": "1"}
    link = parse_link(params, "embedded")
    assert (link.view, link.block, link.unit, link.present, link.image) == ("token-mixing", 3, 7, True,
                                                                            str(EXAMPLES["chelsea-cat"]))


def test_an_upload_leaves_the_example_out(tmp_path):
    upload = tmp_path / "mine.jpg"
    upload.write_bytes(b"not one of the examples")
    assert "example" not in address("tour", "embedded", "random", str(upload), 0, 4, -1, "channel", False)
    assert "step=4" in address("tour", "embedded", "random", None, 0, 4, -1, "channel", False)
