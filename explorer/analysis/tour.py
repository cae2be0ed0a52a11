"""The guided tour: one Mixer layer walked on the current image, with the model's real shapes.

image -> patches -> the S x C token table -> token mixing (an MLP over each column) -> channel mixing (an MLP
over each row) -> global average pooling -> head. Each step is two sentences and the arrays of one picture,
all read off the analysis's one forward pass; explorer.render.mpl.tour_figure draws a step.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from explorer.model.catalogue import architecture_dims
from explorer.text.i18n import t

if TYPE_CHECKING:
    from explorer.analysis.analysis import Analysis

# The steps' titles, as catalogue keys (explorer/text/locales): TourStep.title reads one in the language spoken.
STEP_TITLES = ("tour.image", "tour.patches", "tour.token_table", "tour.token_mixing", "tour.channel_mixing",
               "tour.pooling", "tour.head")
COLUMN_TITLES = ("tour.column_before", "tour.column_update", "tour.column_after")  # the token-mixing step's maps


@dataclass(frozen=True)
class TourStep:
    """One step: its title, text and caption (catalogue keys, read in the language of whoever the step is shown to:
    the steps are kept with the analysis, for every visitor) and what its picture shows.

    kind: "picture" (data: picture (H, W, 3)), "patches" (picture, grid, patch_size), "table" ((S, C) values),
    "columns" (maps: three (grid_h, grid_w) arrays, titles: COLUMN_TITLES), "bars" ((C,) values) or "top" (labels,
    probabilities)."""

    title_key: str
    text_key: str
    caption_key: str
    kind: str
    data: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)  # the numbers and names the text and caption fill in

    @property
    def title(self) -> str:
        return t(self.title_key)

    @property
    def text(self) -> str:
        return t(self.text_key, **self.values)

    @property
    def caption(self) -> str:
        return t(self.caption_key, **self.values)


def tour_steps(analysis: Analysis) -> list[TourStep]:
    """The seven steps for this analysis's model and image."""
    loaded, cap = analysis.loaded, analysis.capture
    d = architecture_dims(loaded.model)
    picture = analysis.picture
    h, w = picture.shape[:2]
    gh, gw = cap.grid
    p, S, C, DS, DC = d["patch_size"], d["tokens"], d["channels"], d["tokens_mlp_dim"], d["channels_mlp_dim"]
    top = analysis.top_k(5)
    shapes = dict(w=w, h=h, gh=gh, gw=gw, p=p, numbers=p * p * 3, S=S, C=C, DS=DS, DC=DC, depth=d["depth"],
                  model=loaded.name, classes=len(analysis.class_names), labels=loaded.label_set, top=top[0].label,
                  probability=top[0].probability)
    as_array = lambda x: x.float().cpu().numpy()  # noqa: E731
    steps = [
        TourStep(STEP_TITLES[0], "tour.image_text", "tour.image_caption", "picture", dict(picture=picture), shapes),
        TourStep(STEP_TITLES[1], "tour.patches_text", "tour.patches_caption", "patches",
                 dict(picture=picture, grid=(gh, gw), patch_size=p), shapes),
        TourStep(STEP_TITLES[2], "tour.token_table_text", "tour.token_table_caption", "table",
                 dict(values=as_array(cap.stem)), shapes),
    ]
    if cap.token_updates is not None:
        column = int(cap.token_updates[0].norm(dim=0).argmax())  # the channel token mixing changes most
        before = as_array(cap.stem[:, column].reshape(gh, gw))
        update = as_array(cap.token_updates[0][:, column].reshape(gh, gw))
        steps.append(TourStep(STEP_TITLES[3], "tour.token_mixing_text", "tour.token_mixing_caption", "columns",
                              dict(maps=[before, update, before + update], titles=COLUMN_TITLES),
                              {**shapes, "column": column}))
        middle = cap.stem + cap.token_updates[0]
    else:
        steps.append(TourStep(STEP_TITLES[3], "tour.gating_text", "tour.gating_caption", "table",
                              dict(values=as_array(cap.blocks[0])), shapes))
        middle = cap.stem
    steps.append(TourStep(STEP_TITLES[4], "tour.channel_mixing_text", "tour.channel_mixing_caption", "table",
                          dict(values=as_array(cap.blocks[0] - middle)), shapes))
    steps.append(TourStep(STEP_TITLES[5], "tour.pooling_text", "tour.pooling_caption", "bars",
                          dict(values=as_array(cap.features.mean(dim=0))), shapes))
    steps.append(TourStep(STEP_TITLES[6], "tour.head_text", "tour.head_caption", "top",
                          dict(labels=[x.label for x in top], probabilities=[x.probability for x in top]), shapes))
    return steps


def view(analysis: Analysis) -> list[TourStep]:
    """The seven steps on the analysis's image, made once."""
    return analysis.kept("tour", lambda: tour_steps(analysis))
