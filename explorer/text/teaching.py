"""Two to four sentences per view: what it shows and what to look for. Shown beside each view in the app."""

VIEW_TEXT = {
    "predict": (
        "The model's top classes for your image. An MLP-Mixer cuts the image into patches, embeds each patch "
        "with one shared linear map, then alternates token mixing (an MLP across patches) and channel mixing "
        "(an MLP across features) before averaging over patches and classifying."
    ),
    "token-mixing": (
        "Each tile is one hidden unit of a block's token-mixing MLP: its weights over the patch grid (red "
        "positive, blue negative). Units are sorted from low to high spatial frequency and each sits beside its "
        "opposite-phase partner, as in Figure 5 of the paper. Trained early blocks show smooth, local, often "
        "paired detectors; untrained ones are noise. Click a tile to enlarge it."
    ),
    "stem": (
        "The stem is one linear map applied to every patch: each tile is the RGB pattern one channel responds "
        "to (Figure 7 of the paper), in the model's own order. What to look for depends on the model: see the note "
        "below the heading."
    ),
    "activations": (
        "How strongly each patch is represented after every block (the norm of its feature vector, or one "
        "channel), over the image: drag the slider under the chart to walk through the blocks, hover a patch "
        "for its value. Choose one colour scale for all blocks to compare depths. The bars show how much each "
        "block's token-mixing and channel-mixing updates change the residual stream."
    ),
    "evidence": (
        "The head averages the final patch features and applies one linear map, so a class logit is exactly the "
        "mean of per-patch logits. The map colours each patch by how much more (red) or less (blue) it argues "
        "for the class than the average patch does; hover for its own logit. Beside it, input × gradient: each "
        "pixel's value times the logit's sensitivity to it, summed over colours."
    ),
    "logit-lens": (
        "The final norm and head applied to every block's output, as if the network stopped there. It shows "
        "at which depth the answer appears and how confident the model is along the way; the last block is "
        "the model's own prediction."
    ),
    "shuffle": (
        "Mixer has no position embeddings: only the token-mixing weights know where a patch is. Shuffling the "
        "patches changes the prediction, but permuting every block's token-mixing weights the same way brings "
        "the original prediction back exactly (up to float rounding)."
    ),
    "drop": (
        "How many patches can the model lose? A growing share of the image's patches is dropped, 0% to 90%, each "
        "share drawn four times: a dropped patch's token is replaced, right after the stem, by the image's mean "
        "token (a Mixer has one token-mixing weight per position, so a patch cannot simply be taken out). The "
        "curves show the top-1's probability and how often the top-1 holds, beside random weights of the same "
        "architecture. Vision transformers keep much of their accuracy this way; CNNs collapse (Naseer et al., 2021)."
    ),
    "teach": (
        "Teach the model classes of your own, from its frozen features alone: the paper's few-shot linear probe. "
        "Name 2–10 classes and add 1–20 images to each (the current image — on the left, above on a phone: an "
        "upload, the webcam, a paste or an example; or several files at once), then press Learn: a ridge regression "
        "from the pooled features the head reads to your classes, its strength picked by leave-one-out. Every image "
        "you then look at gets the probe's answer beside the model's own (its bars: the probe's score per class, +1 "
        "for \"this class\" and −1 for \"not\", drawn as 100% to 0%). Your classes are yours alone, and go when you "
        "close the page (or after an hour)."
    ),
    "architecture": (
        "The sizes in the paper's notation: S tokens (patches), C channels, D_S and D_C the widths of the token "
        "and channel MLPs. FLOPs are counted by PyTorch on one forward pass (a multiply-add counts as two); the "
        "chart shows where the parameters and the FLOPs are. Latency is measured when you press the button."
    ),
    "compare": (
        "Two models on the same image: for example the embedded model against the same architecture with "
        "random weights (what training did to the token-mixing weights), or a Mixer against a ResMLP."
    ),
    "timeline": (
        "The embedded model's token-mixing weights saved at points during its training, from random "
        "initialisation to the end: drag the slider to watch structure emerge from noise."
    ),
    "unit": (
        "What does one unit respond to? Pick a block (the Block slider), a kind and a unit, or open a page from a "
        "token-mixing tile or from a channel in Activations. The page shows the unit's own weights, an image optimised "
        "to excite it (its feature visualisation), the reference images on which it is highest, and where it fires on "
        "your image. ←/→ step through the units."
    ),
    "unit-channel": (
        "One channel of a block's output: one number per patch. The dataset examples are the reference images "
        "where it is highest, its peak patch outlined: look for what they share at that patch (a colour, a "
        "texture, an edge, a part of an object), and whether early blocks' channels prefer local patterns while "
        "later ones prefer whole objects. The feature visualisation is an image optimised from noise to raise the "
        "channel everywhere: a repeated pattern is what one patch of it responds to."
    ),
    "unit-token": (
        "One hidden unit of a block's token mixing: a weighted sum over patches, the same for every channel, so "
        "its activation is one number per channel. Its weights are a map over the patch grid: look at where it "
        "reads (one region, a smooth blob, an edge between two halves) and at the examples, whose objects sit "
        "where that map is positive."
    ),
}
