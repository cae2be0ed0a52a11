"""Units: one channel of a block's output, or one hidden unit of a block's token mixing, and what excites them.

A unit is addressed as `Unit(block, kind, index)`:

- a *channel* K of block B is channel K of that block's output, exactly what timm's
  `forward_intermediates(indices=[B], output_fmt="NLC")` returns (before the final norm): one number per patch;
- a *token-mixing unit* N of block B is hidden unit N of that block's token mixing: one number per channel.
  MLP-Mixer and gMixer: the hidden vector the token MLP's fc2 reads (after the GELU; gMixer's after its gate);
  ResMLP: output N of `linear_tokens` (S x S: a unit is an output patch); gMLP: output N of the spatial gating
  unit's `gate.proj` (S x S), one number per gating channel.

Both kinds are (B, positions, units) tensors, positions being patches for a channel and channels for a token
unit, so one set of reductions serves both: the maximum over positions (and where it is) ranks dataset
examples, the mean over positions is what feature visualisation maximises.

    from explorer import load_model
    from explorer.units import Unit, unit_examples, feature_visualisation, unit_page
    loaded = load_model("embedded")
    unit_examples(loaded, 3, "channel", 17)             # its top images in the shipped index
    feature_visualisation(loaded, 3, "channel", 17)     # an image optimised to excite it
    unit_page(loaded, Unit(3, "channel", 17))           # all a unit page shows

An index of a reference set (`build_index`, `python -m explorer index DIR`) keeps, for every unit of every block,
its top images with their activations and peaks, and the highest mean any image reached; it is one safetensors
file, with the images themselves in a sprite beside it when they are shipped (`assets/embedded-units*`).
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import math
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterator, Literal, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from safetensors import safe_open
from safetensors.torch import save_file
from timm.models.mlp_mixer import MlpMixer

from explorer import memo
from explorer.model import embedded
from explorer.analysis.activations import channel_maps, thread_hooks
from explorer.analysis.analysis import Analysis, display_image, image_digest
from explorer.errors import Cancelled, ExplorerError, ImageError
from explorer.images import ImageSource, load_image
from explorer.model.inference import preprocess, to_batch
from explorer.model.loading import LoadedModel
from explorer.analysis.model_views import token_mixing
from explorer.text.teaching import VIEW_TEXT
from explorer.model.weights import family, patch_grid, token_mixing_layer

log = logging.getLogger("explorer")

Kind = Literal["channel", "token"]
KINDS: tuple[Kind, ...] = ("channel", "token")
TOP_K = 16  # images kept per unit in an index
PAGE_EXAMPLES = 9  # shown on a unit page
INDEX_FORMAT = "mixer-explorer unit index 1"
Progress = Callable[[int, int], None]  # (done, total)

SHIPPED_INDEX = embedded.ASSETS / "embedded-units.safetensors"
SHIPPED_FEATURES = embedded.ASSETS / "embedded-features.jpg"  # and embedded-features.json
SHIPPED_DESCRIPTION = "the embedded model's held-out CIFAR-10 validation images (never trained on)"


# ---------------------------------------------------------------------------------------------- addresses


@dataclass(frozen=True)
class Unit:
    block: int
    kind: Kind
    index: int

    def __str__(self) -> str:
        return f"block {self.block} {'channel' if self.kind == 'channel' else 'token-mixing unit'} {self.index}"


def unit_count(model: MlpMixer, kind: Kind) -> int:
    """How many units of `kind` each block has: C channels, or the token mixing's hidden width."""
    if kind == "channel":
        return model.embed_dim
    site, side = token_site(model, 0)
    return site.in_features if side == "in" else site.out_features


def check_unit(model: MlpMixer, block: int, kind: str, index: int) -> Unit:
    """The unit asked for, or an ExplorerError that says what exists."""
    depth = len(model.blocks)
    if kind not in KINDS:
        raise ExplorerError(f"unit kind must be one of {', '.join(KINDS)}; got {kind!r}")
    if not 0 <= block < depth:
        raise ExplorerError(f"block {block} does not exist: this model has {depth} blocks (0 to {depth - 1})")
    units = unit_count(model, kind)
    if not 0 <= index < units:
        what = {"channel": f"block {block}'s output has {units} channels", "token": f"block {block}'s token mixing has {units} {token_units_are(model)}"}[kind]
        raise ExplorerError(f"{'channel' if kind == 'channel' else 'token-mixing unit'} {index} does not exist: {what} (0 to {units - 1})")
    return Unit(int(block), kind, int(index))


def token_units_are(model: MlpMixer) -> str:
    """What a token-mixing unit is in this family, in a few words."""
    return {
        "ResMLP": "units (linear_tokens outputs, one per patch)",
        "gMLP": "units (spatial gating outputs, one per patch)",
    }.get(family(model), "hidden units")


def token_site(model: MlpMixer, block: int) -> tuple[torch.nn.Module, str]:
    """The module whose input ("in") or output ("out") is block `block`'s token-mixing hidden vector (B, P, U)."""
    b = model.blocks[block]
    if hasattr(b, "mlp_tokens"):  # Mixer, gMixer: what fc2 reads, (B, C, D_S)
        return b.mlp_tokens.fc2, "in"
    # ResMLP: linear_tokens' output (B, C, S); gMLP: the spatial gate's (B, D/2, S), the gating half of the channels
    return token_mixing_layer(model, block), "out"


# ---------------------------------------------------------------------------------------------- capture


@contextmanager
def recording(model: MlpMixer, sites: Sequence[tuple[int, Kind]], keep: Callable[[torch.Tensor], object] = lambda t: t) -> Iterator[dict[tuple[int, Kind], object]]:
    """Record `keep(values)` for each (block, kind) while the context is open, values being the (B, positions,
    units) tensor of that block's units: the block's output for channels, the token-mixing hidden vector for token
    units. Only forwards run by this thread are recorded (the model is shared); hooks are always removed."""
    seen: dict[tuple[int, Kind], object] = {}

    def record(site: tuple[int, Kind], take: Callable[..., torch.Tensor]) -> Callable:
        def hook(module, *args):
            seen[site] = keep(take(*args))
        return hook

    hooks = []
    for block, kind in sites:
        if kind == "channel":  # the block's output: the very tensor forward_intermediates appends, (B, S, C)
            hooks.append((model.blocks[block], "forward", record((block, kind), lambda inputs, output: output)))
        else:
            module, side = token_site(model, block)
            if side == "in":
                hooks.append((module, "pre", record((block, kind), lambda inputs: inputs[0])))
            else:
                hooks.append((module, "forward", record((block, kind), lambda inputs, output: output)))
    with thread_hooks(hooks):
        yield seen


def run_to(model: MlpMixer, x: torch.Tensor, last_block: int) -> None:
    """Run (B, 3, H, W) through the stem and blocks 0..last_block only (what the hooks record)."""
    model.forward_intermediates(x, indices=[last_block], stop_early=True, intermediates_only=True, output_fmt="NLC")


def reduce(values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(B, P, U) -> peak (B, U) the maximum over positions, where (B, U) its position, mean (B, U)."""
    peak, where = values.float().max(dim=1)
    return peak, where, values.float().mean(dim=1)


@torch.inference_mode()
def unit_activations(model: MlpMixer, x: torch.Tensor, blocks: Sequence[int] | None = None) -> dict[Kind, tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Every unit of both kinds in `blocks` (default all) on a (B, 3, H, W) batch, in one forward pass, reduced
    as the index keeps them: {kind: (peak, where, mean)}, each (B, blocks, units). A channel's `where` is the flat
    patch of its maximum, a token unit's the channel. Each block's tensors are reduced as soon as they are made,
    so a B/16 batch never holds every block's (B, S, C) and (B, C, D_S) at once."""
    blocks = sorted(range(len(model.blocks)) if blocks is None else blocks)
    sites = [(b, k) for k in KINDS for b in blocks]
    with recording(model, sites, keep=reduce) as seen:
        run_to(model, x, blocks[-1])
    return {k: tuple(torch.stack([seen[(b, k)][i] for b in blocks], dim=1) for i in range(3)) for k in KINDS}


def block_values(model: MlpMixer, x: torch.Tensor, block: int, kind: Kind) -> torch.Tensor:
    """(B, positions, units) the values of every unit of one block and kind on a (B, 3, H, W) batch (with
    autograd, if enabled)."""
    with recording(model, [(block, kind)]) as seen:
        run_to(model, x, block)
    return seen[(block, kind)]


def unit_values(model: MlpMixer, x: torch.Tensor, unit: Unit) -> torch.Tensor:
    """(B, positions) the values of one unit on a (B, 3, H, W) batch (with autograd, if enabled)."""
    return block_values(model, x, unit.block, unit.kind)[:, :, unit.index]


# ---------------------------------------------------------------------------------------------- the index


@dataclass(frozen=True)
class Tops:
    """For every unit of one kind of every block: its top images in a reference set."""

    values: np.ndarray  # (depth, units, k) float32, highest first: max over positions
    ids: np.ndarray  # (depth, units, k) int64 image ids (into UnitIndex.names)
    peaks: np.ndarray  # (depth, units, k) int64 where each peaks: flat patch (channel), channel (token)
    best_mean: np.ndarray  # (depth, units) the highest mean over positions any image of the set reached
    best_mean_id: np.ndarray  # (depth, units) which image


TOPS_DTYPES = {"values": np.float32, "ids": np.int64, "peaks": np.int64, "best_mean": np.float32, "best_mean_id": np.int64}


@dataclass(frozen=True, eq=False)
class UnitIndex:
    """The top images of every unit of a model in a reference set of images."""

    model: str
    weights: str
    fingerprint: str  # of the weights the index was built with (`weights_fingerprint`)
    grid: tuple[int, int]
    names: tuple[str, ...]  # the images the index refers to (all of a folder's, or only the referenced ones)
    count: int  # how many images the reference set holds
    description: str  # which set, in words
    tops: dict[str, Tops]
    root: Path | None = None  # files are root / name
    sprite: np.ndarray | None = None  # (len(names), h, w, 3) uint8: the images themselves
    sources: tuple | None = None  # in-memory images (examples and uploads), one per name

    def path(self, i: int) -> str:
        """Where image `i` is: a file path, or (for images kept in a sprite) its name in the data set it came from."""
        return str(self.root / self.names[i]) if self.root is not None else self.names[i]

    def source(self, i: int) -> ImageSource:
        if self.sprite is not None:
            return self.sprite[i]
        if self.sources is not None:
            return self.sources[i]
        return self.root / self.names[i] if self.root is not None else self.names[i]

    @property
    def top_k(self) -> int:
        return self.tops["channel"].ids.shape[-1]

    def summary(self) -> str:
        """Which set the examples come from and how many images it holds, for the page."""
        return f"{self.description}: {self.count:,} image{'s' * (self.count != 1)}"


def weights_fingerprint(loaded: LoadedModel) -> str:
    """A digest of the model's weights (names and bytes), once per model: what an index or a shipped picture was
    computed from, whatever the model was called or loaded from."""

    def make() -> str:
        digest = hashlib.sha256()
        for name, tensor in sorted(loaded.model.state_dict().items()):
            digest.update(name.encode())
            digest.update(tensor.detach().float().cpu().contiguous().numpy().tobytes())
        return digest.hexdigest()[:16]

    return memo.per_model(loaded.model, "weights_fingerprint", make)


def build_index(
    loaded: LoadedModel,
    images: Sequence[ImageSource],
    names: Sequence[str] | None = None,
    top_k: int = TOP_K,
    batch_size: int = 64,
    progress: Progress | None = None,
    root: Path | None = None,
    description: str = "",
) -> UnitIndex:
    """Index a reference set: one forward pass per batch, every unit of every block reduced on the fly, the
    running top-k of each unit merged batch by batch. Images that cannot be read are skipped (and logged).

    names: what to call each image (default: its path, or "image N"); root: the folder the names are relative to.
    """
    model, depth = loaded.model, len(loaded.model.blocks)
    names = [str(s) if isinstance(s, (str, Path)) else f"image {i}" for i, s in enumerate(images)] if names is None else list(names)
    units = {k: unit_count(model, k) for k in KINDS}
    top = {k: (torch.full((depth, units[k], 0), -math.inf), torch.zeros((depth, units[k], 0), dtype=torch.long), torch.zeros((depth, units[k], 0), dtype=torch.long)) for k in KINDS}
    best = {k: (torch.full((depth, units[k]), -math.inf), torch.zeros((depth, units[k]), dtype=torch.long)) for k in KINDS}
    kept_names: list[str] = []
    kept_sources: list[ImageSource] = []

    def flush(batch: list[torch.Tensor]) -> None:
        first = len(kept_names) - len(batch)  # this batch's image ids
        ids = torch.arange(first, first + len(batch))
        for kind, (peak, where, mean) in unit_activations(model, torch.stack(batch).to(loaded.device)).items():
            values, old_ids, old_peaks = top[kind]
            # (depth, units, k + B): the kept top-k and this batch, then the new top-k of them
            values = torch.cat([values, peak.permute(1, 2, 0).cpu()], dim=-1)
            all_ids = torch.cat([old_ids, ids.expand(depth, units[kind], -1)], dim=-1)
            all_peaks = torch.cat([old_peaks, where.permute(1, 2, 0).cpu()], dim=-1)
            order = values.topk(min(top_k, values.shape[-1]), dim=-1).indices
            top[kind] = (values.gather(-1, order), all_ids.gather(-1, order), all_peaks.gather(-1, order))
            batch_best, at = mean.cpu().max(dim=0)  # (depth, units)
            better = batch_best > best[kind][0]
            best[kind] = (torch.where(better, batch_best, best[kind][0]), torch.where(better, ids[at], best[kind][1]))

    batch: list[torch.Tensor] = []
    for i, source in enumerate(images):
        try:
            batch.append(preprocess(loaded, source))
            kept_names.append(names[i])
            kept_sources.append(source)
        except (ImageError, OSError) as exc:
            log.warning("skipped %s: %s", names[i], exc)
        if len(batch) == batch_size:
            flush(batch)
            batch = []
        if progress:
            progress(i + 1, len(images))
    if batch:
        flush(batch)
    if not kept_names:
        raise ExplorerError("no image of the reference set could be read")
    tops = {k: Tops(*(t.numpy() for t in top[k]), best[k][0].numpy(), best[k][1].numpy()) for k in KINDS}
    return UnitIndex(
        model=loaded.name,
        weights=loaded.weights,
        fingerprint=weights_fingerprint(loaded),
        grid=patch_grid(model),
        names=tuple(kept_names),
        count=len(kept_names),
        description=description or "the images given",
        tops=tops,
        root=root,
        sources=None if root is not None else tuple(kept_sources),
    )


def referenced(index: UnitIndex) -> np.ndarray:
    """The ids of the images an index refers to: every unit's top images and best-mean image."""
    ids = [np.concatenate([t.ids.ravel(), t.best_mean_id.ravel()]) for t in index.tops.values()]
    return np.unique(np.concatenate(ids))


def compact(index: UnitIndex, pictures: np.ndarray) -> UnitIndex:
    """The index with only the images it refers to, kept as a sprite: `pictures` (count, h, w, 3) are the
    reference set's images, in id order (as `save_index` will write them: see `jpeg_rendition`). Names, ids
    and the sprite are renumbered together."""
    keep = referenced(index)
    new_id = np.full(len(index.names), -1, dtype=np.int64)
    new_id[keep] = np.arange(len(keep))
    tops = {k: Tops(t.values, new_id[t.ids], t.peaks, t.best_mean, new_id[t.best_mean_id]) for k, t in index.tops.items()}
    return UnitIndex(index.model, index.weights, index.fingerprint, index.grid, tuple(index.names[i] for i in keep), index.count,
                     index.description, tops, root=None, sprite=np.ascontiguousarray(pictures[keep]))


SPRITE_COLUMNS = 64
# Sprites are JPEG without chroma subsampling: each 8x8 block is then coded on its own, so a tile whose sides are
# multiples of 8 decodes to the same pixels wherever it sits in the sprite (`jpeg_rendition` gives them without
# making a sprite), at a third of a lossless WebP's bytes. (No `optimize`: Pillow then needs the whole JPEG to
# fit in width x height bytes, which a sharp 4:4:4 sprite can exceed.)
INDEX_QUALITY = 75  # CIFAR-10's JPEGs were made at 75: re-encoding them at 75 changes them least
FEATURE_QUALITY = 90  # feature images are sharper than photos: at 75 some lose a fifth of their activation


def jpeg_options(quality: int) -> dict:
    return dict(format="jpeg", quality=quality, subsampling=0)


def sprite_image(tiles: np.ndarray) -> Image.Image:
    """(n, h, w, 3) uint8 -> one RGB image, SPRITE_COLUMNS tiles a row (the last row padded with black)."""
    n, h, w, _ = tiles.shape
    rows = -(-n // SPRITE_COLUMNS)
    padded = np.zeros((rows * SPRITE_COLUMNS, h, w, 3), np.uint8)
    padded[:n] = tiles
    return Image.fromarray(padded.reshape(rows, SPRITE_COLUMNS, h, w, 3).transpose(0, 2, 1, 3, 4).reshape(rows * h, SPRITE_COLUMNS * w, 3))


def sprite_tiles(image: Image.Image, n: int, tile: tuple[int, int]) -> np.ndarray:
    """The inverse of `sprite_image`: (n, h, w, 3) uint8."""
    h, w = tile
    grid = np.asarray(image.convert("RGB"))
    rows = grid.shape[0] // h
    return np.ascontiguousarray(grid.reshape(rows, h, SPRITE_COLUMNS, w, 3).transpose(0, 2, 1, 3, 4).reshape(-1, h, w, 3)[:n])


def jpeg_rendition(tiles: np.ndarray, quality: int) -> np.ndarray:
    """(n, h, w, 3) uint8 -> each tile as a JPEG sprite of this quality gives it back (h and w multiples of 8)."""
    def roundtrip(tile: np.ndarray) -> np.ndarray:
        buf = io.BytesIO()
        Image.fromarray(tile).save(buf, **jpeg_options(quality))
        return np.asarray(Image.open(buf).convert("RGB"))

    return np.stack([roundtrip(t) for t in tiles])


def save_index(index: UnitIndex, path: str | Path) -> list[Path]:
    """Write the index as one safetensors file and, when it keeps its images, a JPEG sprite beside it (PATH's
    stem + `-sprite.jpg`), which reads back as `jpeg_rendition(index.sprite, INDEX_QUALITY)`. Returns the files
    written."""
    path = Path(path)
    # int32 ids and peaks (half the bytes of int64), float32 activations
    tensors = {f"{kind}.{f_}": torch.from_numpy(getattr(t, f_).astype(np.int32 if dtype == np.int64 else dtype)) for kind, t in index.tops.items() for f_, dtype in TOPS_DTYPES.items()}
    sprite = path.with_name(path.stem + "-sprite.jpg") if index.sprite is not None else None
    metadata = {
        "format": INDEX_FORMAT,
        "model": index.model,
        "weights": index.weights,
        "fingerprint": index.fingerprint,
        "grid": json.dumps(list(index.grid)),
        "names": json.dumps(list(index.names)),
        "count": str(index.count),
        "description": index.description,
        "root": str(index.root.resolve()) if index.root is not None else "",
        "sprite": sprite.name if sprite else "",
        "tile": json.dumps(list(index.sprite.shape[1:3])) if sprite else "",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path), metadata=metadata)
    if sprite is None:
        return [path]
    sprite_image(index.sprite).save(sprite, **jpeg_options(INDEX_QUALITY))
    return [path, sprite]


def read_index(path: str | Path) -> UnitIndex:
    """An index written by `save_index` (read once per file version, kept in explorer.memo)."""
    path = Path(path)
    if not path.is_file():
        raise ExplorerError(f"index {path} does not exist; build one with python -m explorer index DIR --model NAME --out {path.name}")
    return memo.UNIT_INDEXES.get(("file", str(path.resolve()), path.stat().st_mtime_ns), lambda: _read_index(path))


def _read_index(path: Path) -> UnitIndex:
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as exc:
        raise ExplorerError(f"{path.name} is not a readable unit index ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None
    if meta.get("format") != INDEX_FORMAT:
        raise ExplorerError(f"{path.name} is not a unit index written by python -m explorer index")
    tops = {k: Tops(**{f_: tensors[f"{k}.{f_}"].numpy().astype(dtype) for f_, dtype in TOPS_DTYPES.items()}) for k in KINDS}
    names = tuple(json.loads(meta["names"]))
    sprite = None
    if meta.get("sprite"):
        with Image.open(path.parent / meta["sprite"]) as image:
            sprite = sprite_tiles(image, len(names), tuple(json.loads(meta["tile"])))
    return UnitIndex(meta["model"], meta["weights"], meta["fingerprint"], tuple(json.loads(meta["grid"])), names, int(meta["count"]),
                     meta["description"], tops, root=Path(meta["root"]) if meta.get("root") else None, sprite=sprite)


def folder_names(folder: Path) -> list[Path]:
    """The image files under a folder, sorted, as `python -m explorer predict` finds them."""
    from explorer.cli import image_paths  # the CLI's own walk, so both commands see the same files

    return list(image_paths([str(folder)]))


def index_folder(loaded: LoadedModel, folder: str | Path, top_k: int = TOP_K, batch_size: int = 64, progress: Progress | None = None) -> UnitIndex:
    """An index of every image file under `folder` (names relative to it)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ExplorerError(f"{folder} is not a folder of images")
    paths = folder_names(folder)
    if not paths:
        raise ExplorerError(f"{folder} holds no image files")
    return build_index(loaded, paths, [p.relative_to(folder).as_posix() for p in paths], top_k, batch_size, progress, root=folder,
                       description=f"the images in {folder}")


# ---------------------------------------------------------------------------------------------- reference sets


ReferenceLike = Union[UnitIndex, str, Path, Sequence[ImageSource], None]


def shipped_index(loaded: LoadedModel) -> UnitIndex | None:
    """The shipped index of the embedded model's held-out images, if this is the model it was built for."""
    if loaded.name != embedded.EMBEDDED_NAME or not SHIPPED_INDEX.is_file():
        return None
    index = read_index(SHIPPED_INDEX)
    return index if index.fingerprint == weights_fingerprint(loaded) else None


def reference_index(loaded: LoadedModel, reference: ReferenceLike = None, uploads: Sequence[ImageSource] = ()) -> UnitIndex:
    """The index a unit's examples come from.

    reference: None for the default set (the embedded model: its shipped held-out index; any other model: the
        example images plus `uploads`), an index or the path of an index file, a folder of images, or images.
    """
    if isinstance(reference, UnitIndex):
        index = reference
    elif isinstance(reference, (str, Path)) and Path(reference).is_dir():
        folder = Path(reference)
        stamp = tuple((str(p), p.stat().st_mtime_ns) for p in folder_names(folder))  # a changed folder is indexed again
        index = memo.UNIT_INDEXES.get(("folder", weights_fingerprint(loaded), str(folder.resolve()), stamp), lambda: index_folder(loaded, folder))
    elif isinstance(reference, (str, Path)):
        index = read_index(reference)
    elif reference is None and (shipped := shipped_index(loaded)) is not None:  # the embedded model: its held-out set
        index = shipped
    else:
        if reference is None:  # any other model: the example images and this session's uploads (an example uploaded counts once)
            examples = list(embedded.EXAMPLES.values())
            by_digest: dict[str, ImageSource] = {}
            for image in [*examples, *uploads]:
                by_digest.setdefault(image_digest(image), image)
            images, digests = list(by_digest.values()), tuple(by_digest)
            uploaded = len(images) - len(examples)
            described = "the example images" + (f" and {uploaded} uploaded in this session" if uploaded else "")
        else:
            images, described = [*reference, *uploads], "the images given"
            digests = tuple(image_digest(i) for i in images)
        if not images:
            raise ExplorerError("the reference set is empty: give images, a folder or an index")
        key = ("images", weights_fingerprint(loaded), digests)
        index = memo.UNIT_INDEXES.get(key, lambda: build_index(loaded, images, description=described))
    if index.fingerprint != weights_fingerprint(loaded):
        raise ExplorerError(f"this index was built with other weights ({index.model}, {index.weights} weights) than the model running ({loaded.name}, {loaded.weights} weights); build one for it with python -m explorer index")
    return index


# ---------------------------------------------------------------------------------------------- examples


@dataclass(frozen=True)
class Examples:
    """A unit's top images in a reference set, highest first."""

    unit: Unit
    ids: np.ndarray  # (k,) image ids in the index
    paths: tuple[str, ...]  # (k,) file paths, or data-set names for images kept in a sprite
    activations: np.ndarray  # (k,) max over patches (channel) or over channels (token), highest first
    peaks: np.ndarray  # (k, 2) (row, col) of the peak patch for a channel; (k,) the peak channel for a token unit
    reference: str  # which set they come from and how many images it holds


def unit_examples(loaded: LoadedModel, block: int, kind: Kind, index: int, images_or_index: ReferenceLike = None, top_k: int | None = None) -> Examples:
    """The images of a reference set on which a unit is highest (see `reference_index` for what the set can be)."""
    unit = check_unit(loaded.model, block, kind, index)
    ref = reference_index(loaded, images_or_index)
    tops = ref.tops[kind]
    if top_k and top_k > ref.top_k:
        log.warning("the index keeps %d images per unit; showing those (not %d)", ref.top_k, top_k)
    k = min(top_k or ref.top_k, ref.top_k)
    ids, values, peaks = (a[block, index, :k] for a in (tops.ids, tops.values, tops.peaks))
    if kind == "channel":
        peaks = np.stack(np.divmod(peaks, ref.grid[1]), axis=1)  # flat patch -> (row, col)
    return Examples(unit, ids, tuple(ref.path(int(i)) for i in ids), values.astype(np.float32), peaks, ref.summary())


def example_pictures(loaded: LoadedModel, examples: Examples, images_or_index: ReferenceLike = None) -> np.ndarray:
    """(k, H, W, 3) uint8: each example exactly as the model saw it (resized, cropped), on which the peak patch
    lies at (row, col) of the patch grid."""
    ref = reference_index(loaded, images_or_index)
    pictures = [display_image(preprocess(loaded, ref.source(int(i))), loaded.data_config) for i in examples.ids]
    return (np.stack(pictures) * 255).round().astype(np.uint8)


# ---------------------------------------------------------------------------------------------- feature visualisation


@dataclass(frozen=True)
class FeatureConfig:
    """How a feature visualisation is made: Adam on a Fourier-space, colour-decorrelated image (Olah et al.,
    Distill 2017, "Feature Visualization"), randomly shifted, scaled and rotated at every step so that what
    emerges is what the unit responds to, not a pattern that works at one pixel alignment only."""

    steps: int = 256
    lr: float = 0.05
    decay: float = 1.0  # spectrum amplitude ~ 1 / frequency^decay: natural images' statistics
    shift: float = 0.05  # up to this fraction of the side, each way
    scales: tuple[float, float] = (0.92, 1.08)
    degrees: float = 6.0  # rotations up to this, each way


# The square root of the colour covariance of natural images (ImageNet; lucid's `color_correlation_svd_sqrt`):
# the optimised parameters are decorrelated colours, which keeps the gradient from favouring one colour's noise.
COLOUR_SQRT = torch.tensor([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]])
COLOUR_SQRT = COLOUR_SQRT / COLOUR_SQRT.norm(dim=0).max()


@dataclass(frozen=True)
class Feature:
    """An image optimised to excite one unit, and how much it does."""

    unit: Unit
    image: np.ndarray  # (H, W, 3) uint8 at the model's input size
    steps: int
    seed: int
    activation_start: float  # the unit's mean (over patches / channels) on the starting noise image
    activation_end: float  # ... on `image`: both measured on the 8-bit image fed through the model's preprocessing


def spectrum_scale(h: int, w: int, decay: float) -> torch.Tensor:
    """(h, w // 2 + 1): 1 / frequency^decay, lowest frequency clamped at one cycle per image."""
    fy = torch.fft.fftfreq(h)[:, None]
    fx = torch.fft.rfftfreq(w)[None, :]
    return 1.0 / torch.sqrt(fx**2 + fy**2).clamp(min=1.0 / max(h, w)) ** decay * math.sqrt(h * w)


def to_rgb(spectrum: torch.Tensor, scale: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(U, 3, h, w // 2 + 1) complex spectrum -> (U, 3, h, w) RGB in (0, 1): inverse FFT, colours re-correlated, sigmoid."""
    pixels = torch.fft.irfft2(spectrum * scale, s=size) / 4.0  # (U, 3, h, w) decorrelated colours
    rgb = torch.einsum("ij,ujhw->uihw", COLOUR_SQRT, pixels)
    return torch.sigmoid(rgb)


def random_warp(images: torch.Tensor, cfg: FeatureConfig, g: torch.Generator) -> torch.Tensor:
    """(U, 3, h, w) -> the same, shifted, scaled and rotated by one random draw (the same for the whole batch, so a
    unit's image does not depend on which other units it was optimised with); outside the image is mid-grey."""
    draw = torch.rand(4, generator=g)
    dx, dy = (draw[:2] * 2 - 1) * cfg.shift * 2  # affine_grid's coordinates run from -1 to 1
    scale = cfg.scales[0] + draw[2] * (cfg.scales[1] - cfg.scales[0])
    angle = math.radians(cfg.degrees) * (draw[3] * 2 - 1)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, dx]), torch.stack([sin, cos, dy])])[None].expand(len(images), 2, 3)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images - 0.5, grid, mode="bilinear", padding_mode="zeros", align_corners=False) + 0.5


def optimise(loaded: LoadedModel, block: int, kind: Kind, indices: Sequence[int], cfg: FeatureConfig, seed: int,
             progress: Progress | None = None, cancel: Callable[[], bool] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Optimise one image per unit (block, kind, indices[u]) to maximise that unit's mean over positions, all in one
    batch. Returns the starting and final images, each (U, H, W, 3) uint8."""
    model = loaded.model
    _, h, w = loaded.data_config["input_size"]
    g = torch.Generator().manual_seed(seed)
    scale = spectrum_scale(h, w, cfg.decay)
    # Every unit starts from the same noise and sees the same warps: a unit's image is the same alone or in a batch.
    start = torch.randn((1, 3, h, w // 2 + 1, 2), generator=g) * 0.01
    spectrum = start.expand(len(indices), -1, -1, -1, -1).clone().to(loaded.device).requires_grad_(True)
    scale = scale.to(loaded.device)
    mean = torch.tensor(loaded.data_config["mean"], device=loaded.device).view(1, 3, 1, 1)
    std = torch.tensor(loaded.data_config["std"], device=loaded.device).view(1, 3, 1, 1)
    which = torch.tensor(list(indices), device=loaded.device)
    optimiser = torch.optim.Adam([spectrum], lr=cfg.lr)

    def image() -> torch.Tensor:
        return to_rgb(torch.view_as_complex(spectrum), scale, (h, w))  # (U, 3, h, w)

    with torch.no_grad():
        first = image()
    site = (block, kind)
    with torch.enable_grad(), recording(model, [site], keep=lambda t: t.gather(2, which.view(-1, 1, 1).expand(-1, t.shape[1], 1))) as seen:
        for step in range(cfg.steps):
            if cancel is not None and cancel():
                raise Cancelled(f"feature visualisation of block {block} stopped after {step} of {cfg.steps} steps")
            warped = random_warp(image(), cfg, g)
            run_to(model, (warped - mean) / std, block)
            loss = -seen[site].mean(dim=(1, 2)).sum()  # each image's own unit, mean over positions
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            if progress:
                progress(step + 1, cfg.steps)
    with torch.no_grad():
        last = image()
    return to_uint8(first), to_uint8(last)


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """(U, 3, H, W) in [0, 1] -> (U, H, W, 3) uint8, as a PNG keeps it."""
    return (images.permute(0, 2, 3, 1) * 255).round().clamp(0, 255).byte().cpu().numpy()


@torch.inference_mode()
def measure(loaded: LoadedModel, block: int, kind: Kind, indices: Sequence[int], pictures: np.ndarray) -> np.ndarray:
    """(U,) each unit's mean over positions on its own (H, W, 3) uint8 picture, fed as a file would be: through
    load_image and the model's own preprocessing."""
    x = to_batch(loaded, [load_image(p) for p in pictures])
    with recording(loaded.model, [(block, kind)], keep=lambda t: t.float().mean(dim=1)) as seen:
        run_to(loaded.model, x, block)
    return seen[(block, kind)][torch.arange(len(indices)), torch.tensor(list(indices))].cpu().numpy()


def feature_visualisations(loaded: LoadedModel, block: int, kind: Kind, indices: Sequence[int], steps: int = 256, seed: int = 0,
                           progress: Progress | None = None, cancel: Callable[[], bool] | None = None) -> list[Feature]:
    """The feature visualisations of several units of one block and kind, optimised together in one batch."""
    units = [check_unit(loaded.model, block, kind, i) for i in indices]
    start, end = optimise(loaded, block, kind, indices, FeatureConfig(steps=steps), seed, progress, cancel)
    before, after = measure(loaded, block, kind, indices, start), measure(loaded, block, kind, indices, end)
    return [Feature(u, end[i], steps, seed, float(before[i]), float(after[i])) for i, u in enumerate(units)]


def feature_visualisation(loaded: LoadedModel, block: int, kind: Kind, index: int, steps: int = 256, seed: int = 0,
                          progress: Progress | None = None, cancel: Callable[[], bool] | None = None) -> Feature:
    """An image optimised from noise to maximise one unit's mean over patches (channel) or over channels (token
    unit); seeded and deterministic. The embedded model's are shipped; others are kept in explorer.memo.

    progress(step, steps) is called after every step; a `cancel()` that returns True stops it (Cancelled)."""
    unit = check_unit(loaded.model, block, kind, index)
    shipped = shipped_feature(loaded, unit, steps, seed)
    if shipped is not None:
        return shipped
    return memo.FEATURES.get(feature_key(loaded, unit, steps, seed), lambda: feature_visualisations(loaded, block, kind, [index], steps, seed, progress, cancel)[0])


def feature_key(loaded: LoadedModel, unit: Unit, steps: int, seed: int) -> tuple:
    """What makes two feature visualisations the same: the weights (not where they were loaded from), the unit, the recipe."""
    return (weights_fingerprint(loaded), loaded.name, unit, steps, seed)


def cached_feature(loaded: LoadedModel, unit: Unit, steps: int = 256, seed: int = 0) -> Feature | None:
    """The feature visualisation if it is at hand (shipped or made before), without computing it."""
    return shipped_feature(loaded, unit, steps, seed) or memo.FEATURES.peek(feature_key(loaded, unit, steps, seed))


# ---------------------------------------------------------------------------------------------- the CLI's files


def unit_report(examples: Examples, feature: Feature, model: str) -> dict:
    """unit.json: {"model", "block", "kind", "index", "top": [...] highest first, "feature": {...}}. A channel's
    top images carry the peak patch as "patch": [row, col], a token unit's the peak channel as "channel"."""
    unit = examples.unit
    where = (lambda p: {"patch": [int(p[0]), int(p[1])]}) if unit.kind == "channel" else (lambda p: {"channel": int(p)})
    top = [{"path": path, "activation": float(a), **where(p)} for path, a, p in zip(examples.paths, examples.activations, examples.peaks)]
    return {
        "model": model,
        "block": unit.block,
        "kind": unit.kind,
        "index": unit.index,
        "top": top,
        "feature": {"steps": feature.steps, "seed": feature.seed, "activation_start": feature.activation_start, "activation_end": feature.activation_end},
    }


def write_unit(loaded: LoadedModel, unit: Unit, out: str | Path, reference: ReferenceLike = None, top_k: int = PAGE_EXAMPLES,
               steps: int = 256, seed: int = 0, progress: Progress | None = None) -> dict:
    """`python -m explorer unit`: OUT/unit.json and OUT/feature.png (8-bit RGB at the model's input size: exactly
    the image whose activation_end is reported). Returns what unit.json holds."""
    unit = check_unit(loaded.model, unit.block, unit.kind, unit.index)
    examples = unit_examples(loaded, unit.block, unit.kind, unit.index, reference, top_k)
    feature = feature_visualisation(loaded, unit.block, unit.kind, unit.index, steps, seed, progress)
    report = unit_report(examples, feature, loaded.name)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    Image.fromarray(feature.image).save(out / "feature.png")
    (out / "unit.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


# ---------------------------------------------------------------------------------------------- shipped pictures


def read_features(path: Path = SHIPPED_FEATURES) -> dict | None:
    """The shipped feature visualisations (read once): {"meta": what the JSON beside the sprite says, "tiles":
    {kind: (depth, units, h, w, 3) uint8}}, or None if none were shipped."""
    numbers = path.with_suffix(".json")
    if not (path.is_file() and numbers.is_file()):
        return None

    def make() -> dict:
        meta = json.loads(numbers.read_text())
        depth, (h, w) = meta["depth"], meta["tile"]
        with Image.open(path) as image:
            tiles = sprite_tiles(image, depth * sum(meta["units"].values()), (h, w))
        out, at = {}, 0
        for kind, n in meta["units"].items():  # each kind's blocks in turn, each block's units in turn
            out[kind] = tiles[at:at + depth * n].reshape(depth, n, h, w, 3)
            at += depth * n
        return {"meta": meta, "tiles": out}

    return memo.UNIT_INDEXES.get(("features", str(path), path.stat().st_mtime_ns, numbers.stat().st_mtime_ns), make)


def config_record(steps: int) -> dict:
    """The feature-visualisation recipe as JSON keeps it."""
    return json.loads(json.dumps(asdict(FeatureConfig(steps=steps))))


def shipped_feature(loaded: LoadedModel, unit: Unit, steps: int, seed: int) -> Feature | None:
    """The shipped feature visualisation of a unit, if these are the weights, steps and seed it was made with."""
    if loaded.name != embedded.EMBEDDED_NAME:
        return None
    shipped = read_features()
    if shipped is None or unit.kind not in shipped["tiles"]:
        return None
    meta = shipped["meta"]
    if (meta["fingerprint"], meta.get("config"), meta["seed"]) != (weights_fingerprint(loaded), config_record(steps), seed):
        return None  # other weights, or another recipe than the shipped pictures were made with
    start, end = (meta[f"activation_{w}"][unit.kind][unit.block][unit.index] for w in ("start", "end"))
    return Feature(unit, shipped["tiles"][unit.kind][unit.block, unit.index], steps, seed, start, end)


def all_features(loaded: LoadedModel, kinds: Sequence[Kind] = KINDS, steps: int = 256, seed: int = 0, progress: Progress | None = None) -> dict[Kind, np.ndarray]:
    """Every unit's feature image of every block, one batch per block and kind: {kind: (depth, units, H, W, 3)}."""
    depth = len(loaded.model.blocks)
    out: dict[Kind, np.ndarray] = {}
    for k, kind in enumerate(kinds):
        ids = list(range(unit_count(loaded.model, kind)))
        out[kind] = np.stack([optimise(loaded, block, kind, ids, FeatureConfig(steps=steps), seed)[1] for block in range(depth)])
        if progress:
            progress(k + 1, len(kinds))
    return out


def write_features(loaded: LoadedModel, images: dict[Kind, np.ndarray], path: Path, steps: int = 256, seed: int = 0) -> list[Path]:
    """Ship feature images (from `all_features`) as one JPEG sprite and a JSON beside it with what it holds and each
    picture's activations, measured on the pixels the sprite gives back."""
    depth = len(loaded.model.blocks)
    noise = optimise(loaded, 0, "channel", [0], FeatureConfig(steps=0), seed)[0]  # every unit starts from this
    numbers: dict[str, dict] = {"activation_start": {}, "activation_end": {}}
    for kind, pictures in images.items():
        ids = list(range(pictures.shape[1]))
        shipped = [jpeg_rendition(pictures[b], FEATURE_QUALITY) for b in range(depth)]
        numbers["activation_start"][kind] = [measure(loaded, b, kind, ids, noise.repeat(len(ids), axis=0)).tolist() for b in range(depth)]
        numbers["activation_end"][kind] = [measure(loaded, b, kind, ids, shipped[b]).tolist() for b in range(depth)]
    _, h, w = loaded.data_config["input_size"]
    meta = {"model": loaded.name, "fingerprint": weights_fingerprint(loaded), "config": config_record(steps), "seed": seed, "quality": FEATURE_QUALITY,
            "depth": depth, "units": {k: int(v.shape[1]) for k, v in images.items()}, "tile": [h, w], **numbers}
    tiles = np.concatenate([v.reshape(-1, h, w, 3) for v in images.values()])
    sprite_image(tiles).save(path, **jpeg_options(FEATURE_QUALITY))
    with Image.open(path) as written:
        if not np.array_equal(sprite_tiles(written, len(tiles), (h, w)), jpeg_rendition(tiles, FEATURE_QUALITY)):
            raise ExplorerError("the feature sprite does not read back as the pictures measured: this JPEG encoder codes tiles together")
    path.with_suffix(".json").write_text(json.dumps(meta) + "\n")
    return [path, path.with_suffix(".json")]


# ---------------------------------------------------------------------------------------------- a unit's page


@dataclass(frozen=True)
class UnitPage:
    """Everything a unit's page shows, as arrays: no drawing here (explorer.render.mpl.unit_page_figure draws it)."""

    unit: Unit
    title: str
    weights: np.ndarray  # token unit: (grid_h, grid_w) the patches it reads; channel: (D_C,) the channel MLP's fc2 row writing it
    weights_title: str
    examples: Examples
    pictures: np.ndarray  # (k, H, W, 3) uint8 the examples as the model saw them
    grid: tuple[int, int]
    feature: Feature | None  # None until computed (see `cached_feature`), unless asked for
    on_image: np.ndarray | None  # the unit on the analysed image: channel (grid_h, grid_w), token unit (positions,)
    text: str  # what to look for


def unit_weights(loaded: LoadedModel, unit: Unit) -> tuple[np.ndarray, str]:
    """A unit's own weights: a token unit's map over the patch grid (the token-mixing gallery's tile), or the
    row of the block's channel-MLP fc2 that writes the channel."""
    if unit.kind == "token":
        maps = token_mixing(loaded, unit.block).maps
        if family(loaded.model) == "gMixer":  # GluMlp: fc1's first half of rows are values, the second half their gates
            gate = unit.index + len(maps) // 2
            return maps[unit.index], f"the patches unit {unit.index} reads (its value weights; its gate's are unit {gate} of the token-mixing gallery)"
        return maps[unit.index], f"the patches unit {unit.index} reads (token-mixing weights)"
    fc2 = loaded.model.blocks[unit.block].mlp_channels.fc2.weight[unit.index]  # (D_C,)
    return fc2.detach().float().cpu().numpy(), f"how the channel MLP's {fc2.numel()} hidden units write channel {unit.index} (fc2 row)"


def on_image(analysis: Analysis, unit: Unit) -> np.ndarray:
    """Where a unit fires on an analysed image: a channel's (grid_h, grid_w) map (read off the analysis's forward
    pass), a token unit's (positions,) vector (one more forward pass as far as its block, once per block: the
    block's every unit is kept with the analysis, so stepping through its units runs nothing)."""
    if unit.kind == "channel":
        return channel_maps(analysis.capture, unit.index)[unit.block]

    def make() -> np.ndarray:
        with torch.inference_mode():
            return block_values(analysis.loaded.model, analysis.input[None], unit.block, "token")[0].float().cpu().numpy()  # (positions, units)

    return analysis._keep(("token units", unit.block), make)[:, unit.index].copy()


def unit_page(loaded: LoadedModel, unit: Unit, reference: ReferenceLike = None, image_analysis: Analysis | None = None,
              top_k: int = PAGE_EXAMPLES, feature: bool = True, steps: int = 256, seed: int = 0,
              progress: Progress | None = None, cancel: Callable[[], bool] | None = None) -> UnitPage:
    """All a unit's page shows.

    reference: see `reference_index`; for the app's default set with this session's uploads, pass
        `reference_index(loaded, uploads=...)`. The page's `examples.reference` says which set it is.
    feature: compute the feature visualisation if it is not at hand (shipped, or computed before); with False a
        page of a large model opens at once and `feature_visualisation` fills it in later (with a progress bar).
    """
    unit = check_unit(loaded.model, unit.block, unit.kind, unit.index)
    reference = reference_index(loaded, reference)
    examples = unit_examples(loaded, unit.block, unit.kind, unit.index, reference, top_k)
    weights, weights_title = unit_weights(loaded, unit)
    feat = feature_visualisation(loaded, unit.block, unit.kind, unit.index, steps, seed, progress, cancel) if feature else cached_feature(loaded, unit, steps, seed)
    return UnitPage(
        unit=unit,
        title=f"{loaded.name} · {unit}",
        weights=weights,
        weights_title=weights_title,
        examples=examples,
        pictures=example_pictures(loaded, examples, reference),
        grid=patch_grid(loaded.model),
        feature=feat,
        on_image=None if image_analysis is None else on_image(image_analysis, unit),
        text=VIEW_TEXT[f"unit-{unit.kind}"],
    )


# ---------------------------------------------------------------------------------------------- shipped assets


def build_shipped(data: Path | None = None, cache: Path | None = None, out: Path = embedded.ASSETS, features: bool = True) -> list[Path]:
    """Build the embedded model's shipped unit assets from the CIFAR-10 tarball:

        OMP_NUM_THREADS=1 python -m explorer.units [--data ../shared/data/cifar10-train-jpeg.tar.gz] [--no-features]

    (one thread: the shipped pictures were made so, and float sums come out the same only with the same threads)

    - embedded-units.safetensors + embedded-units-sprite.jpg: the index of the 5,000 held-out validation images
      (explorer.train's split: 500 per class, seed 0, never trained on), with only the images it refers to in
      the sprite. Its names are the tarball's ("train/cat/0012.jpg"); its pixels are those files' re-encoded once
      more, by the sprite (JPEG 75, 4:4:4: 1.1 grey levels apart on average), and the index is computed on them,
      so every number it reports is reproducible from the sprite;
    - embedded-features.jpg + embedded-features.json: every channel's and token unit's feature visualisation
      (256 steps, seed 0) and their activations (about 15 minutes on one CPU core).
    """
    from tqdm import tqdm

    from explorer import train
    from explorer.model.loading import load_model

    loaded = load_model(embedded.EMBEDDED_NAME, fallback=False)
    images, labels, _, names = train.load_cifar_tar(data or train.DEFAULT_DATA, cache or train.DEFAULT_CACHE)
    _, val_idx = train.split_train_val(labels, train.TrainConfig.val_per_class)
    pictures = images[val_idx].permute(0, 2, 3, 1).numpy()  # (5000, 32, 32, 3) uint8, decoded as load_image does
    # The reference set is the images as the sprite holds them, so every activation reported is reproducible from it.
    shipped = jpeg_rendition(pictures, INDEX_QUALITY)
    with tqdm(total=len(pictures), unit="img", desc="indexing") as bar:
        index = build_index(loaded, list(shipped), [names[i] for i in val_idx.tolist()], batch_size=250,
                            progress=lambda done, _: bar.update(done - bar.n), description=SHIPPED_DESCRIPTION)
    written = save_index(compact(index, pictures), out / SHIPPED_INDEX.name)
    if not np.array_equal(_read_index(written[0]).sprite, shipped[referenced(index)]):
        raise ExplorerError("the sprite does not read back as the images indexed: this JPEG encoder codes tiles together")
    if features:
        with tqdm(total=len(KINDS), unit="kind", desc="feature visualisations") as bar:
            feature_images = all_features(loaded, progress=lambda done, _: bar.update(done - bar.n))
        written += write_features(loaded, feature_images, out / SHIPPED_FEATURES.name)
    for path in written:
        log.info("wrote %s (%.0f KB)", path, path.stat().st_size / 1024)
    return written

