"""Drawing: views (explorer.analysis) in, pictures out. Nothing here computes a number a view does not hold.

    style      the look both renderers share: the palette, colour limits, wrapping, the log-axis rule
    plotly/    the app's charts (hover, zoom), one module per view: activations, updates, evidence, lens, ...
    mpl/       the same views with matplotlib, for files and notebooks, with matching module names; and the few
               figures with axes and words the app shows as images (the tour, the patch shuffle, a unit)
    pictures   numpy compositions shown as images: gallery mosaics and their click layout, PNG encoding
    galleries  a model's weight pictures (token-mixing units, stem filters, the training timeline), made once
"""
